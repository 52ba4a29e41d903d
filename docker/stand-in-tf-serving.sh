#!/usr/bin/env bash
# docker/stand-in-tf-serving.sh
#
# For a Docker engine that cannot pull from Docker Hub: a stand-in for `tensorflow/serving:latest`
# (compose's tf-serving stage), so that `docker compose -f docker/compose.yaml up --build` runs.
# Run from the repository root after docker/stand-in-base-images.sh.
#
# The stand-in is docker/Dockerfile's build stage (built here, and reused from the layer cache by
# compose) running the repository's reference PredictionService (test/reference_server.py:
# grpcio + TensorFlow 2.21, the one `npm test` calls) the way TF Serving's image runs
# tensorflow_model_server: gRPC on port 8500, models under $MODEL_BASE_PATH (/models), the latest
# version of each model served. It serves every model under /models rather than only
# $MODEL_NAME, and has no REST port. It is not TF Serving: whether a real tensorflow/serving
# release loads the fixtures this build exports is not checked by it.
set -euo pipefail
log() { echo "[stand-in-tf-serving] $*" >&2; }

[[ -f docker/Dockerfile ]] || { log "run from the repository root"; exit 1; }
docker info >/dev/null 2>&1 || { log "no Docker engine answers (docker info)"; exit 1; }

build_image=tfserving-remote-predict-build-stage
log "building docker/Dockerfile's build stage as $build_image"
DOCKER_BUILDKIT=0 docker build -f docker/Dockerfile --target build -t "$build_image" .

docker build -t tensorflow/serving:latest - <<EOF
FROM $build_image
ENV MODEL_NAME=model MODEL_BASE_PATH=/models
EXPOSE 8500
ENTRYPOINT ["/bin/sh", "-c", "exec /opt/venv/bin/python /app/test/reference_server.py --models \"\$MODEL_BASE_PATH\" --host 0.0.0.0 --port 8500"]
EOF
log "tensorflow/serving:latest: $(docker image inspect -f '{{.Size}}' tensorflow/serving:latest) bytes"
