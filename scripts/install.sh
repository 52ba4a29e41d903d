#!/usr/bin/env bash
# npm install. With the prebuilt platform package (tfserving-remote-predict-linux-x64-gnu,
# an optional dependency npm installs where it fits) and when it loads here: nothing to
# build or provision. Otherwise, from source: provisions build dependencies and
# libtensorflow, builds everything, and (in the repository) prepares the test fixtures.
# Re-running with nothing changed only confirms that and takes seconds.
# A checkout of the repository always builds from source; elsewhere TFSRP_BUILD_FROM_SOURCE=1
# (or npm's --build-from-source) asks for it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { echo "[tfserving-remote-predict] $*" >&2; }

# Prints which prebuilt is used and exits 0 when it is installed and loads; else prints why not.
prebuilt_check() {
  node -e '
    const where = require("./dist/native-location.js");
    require("fs").rmSync(`build/Release/${where.SOURCE_BUILD_MARKER}`, { force: true });  // a former source build
    const name = where.platformPackageName();
    const dir = where.platformPackageDirectory();
    if (dir === undefined) {
      console.log(name === undefined
        ? `no prebuilt for ${process.platform}-${process.arch} (only linux-x64 with glibc has one)`
        : `the prebuilt ${name} is not installed (optional dependencies omitted, or not published for this version)`);
      process.exit(1);
    }
    const version = require(`${dir}/package.json`).version;
    try {
      const { native } = require("./dist/native.js");
      if (!native.registeredOps().includes("TfServingRemotePredict")) throw new Error("the op is not registered");
      console.log(`using the prebuilt ${name}@${version} (libtensorflow ${native.tensorflowVersion}, no compiler needed): ` +
        "nothing to build. loadSavedModel() needs libtensorflow_cc: npx tfserving-remote-predict fetch-libtensorflow-cc");
    } catch (error) {
      console.log(`the prebuilt ${name}@${version} does not load here (${error.message.split("\n")[0]})`);
      process.exit(1);
    }'
}

from_source=""
if [[ -d test ]]; then
  from_source="a checkout of the repository builds from source"
elif [[ "${TFSRP_BUILD_FROM_SOURCE:-}" == 1 || "${npm_config_build_from_source:-}" == true ]]; then
  from_source="building from source as asked (TFSRP_BUILD_FROM_SOURCE=1 or --build-from-source)"
elif [[ -f dist/native-location.js ]]; then
  if status="$(prebuilt_check 2>&1)"; then
    log "$status"
    exit 0
  fi
  from_source="$status: building from source"
fi
[[ -z "$from_source" ]] || log "$from_source"

bash scripts/provision-debian-deps.sh
bash scripts/provision-python.sh
bash scripts/provision-libtensorflow.sh
bash scripts/build.sh
if [[ -d test ]]; then
  bash scripts/generate-python-protos.sh
  "$(bash scripts/python.sh)" scripts/generate_fixtures.py
fi

# An installed platform package would be loaded first (lib/native-location.ts): mark this
# build as the one to use.
node -e '
  const where = require("./dist/native-location.js");
  if (where.platformPackageDirectory() !== undefined) {
    require("fs").writeFileSync(`build/Release/${where.SOURCE_BUILD_MARKER}`, "");
    console.error("[tfserving-remote-predict] this source build is used instead of the installed prebuilt platform package");
  }'
