#!/usr/bin/env python3
"""Reference TF Serving PredictionService (Predict only) on grpcio + TensorFlow.

  python3 test/reference_server.py --models DIR [--port 0] [--host 127.0.0.1] [--op-library PATH]

Serves every <model>/<version>/saved_model.pb under DIR (optional <model>/labels.json maps
version labels to versions). A model that needs an op this process lacks (e.g. one containing
TfServingRemotePredict when no --op-library is given) is skipped with a log line.

With --op-library, the op library is loaded, and the composed fixtures' placeholder target
(remote-predict-target:8500) is overridden to this server's own address before it serves, so
served models that call other models through the op (half_plus_two_chain) call this server.

Two output aliases are answered by the server itself, for any model, next to the model's own:
`server_tag` (int32 scalar: --tag, default 0), to tell servers apart, and `metadata:<key>`
(string scalar: the request's header <key>, '' when absent), to see what a client sent.
--require-metadata KEY=VALUE refuses requests without that header (UNAUTHENTICATED).
Keepalive pings are accepted as often as every 100 ms (gRPC servers' default answers pings more
often than every 5 minutes with GOAWAY too_many_pings).

Prints one line `PORT <n>` to stdout when ready; logs go to stderr, including
`CANCELLED <model>` when a client cancels or its deadline passes.
Exits on SIGTERM/SIGINT and, when stdin is a pipe, when stdin closes.
"""
import argparse
import ctypes
import json
import os
import signal
import stat
import subprocess
import sys
import threading
from concurrent import futures

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATED = os.path.join(ROOT, 'test', '.generated', 'py_serving')
MAX_WORKERS = 512
# The target_address the composed fixtures' ops are exported with (scripts/generate_fixtures.py).
PLACEHOLDER_TARGET = 'remote-predict-target:8500'


_log_lock = threading.Lock()


def log(message):
    with _log_lock:
        try:
            sys.stderr.write(message + '\n')
            sys.stderr.flush()
        except OSError:  # the parent may be gone
            pass


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--models', required=True)
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--op-library')
    p.add_argument('--tls-cert', help='PEM certificate chain file: serve TLS instead of plaintext')
    p.add_argument('--tls-key', help='PEM private key file (with --tls-cert)')
    p.add_argument('--tls-client-ca', help='PEM CA file: require client certificates it signed (mTLS)')
    p.add_argument('--tag', type=int, default=0, help='the value of the server_tag output')
    p.add_argument('--require-metadata', help='KEY=VALUE: refuse requests without this header')
    return p.parse_args()


args = parse_args()
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import grpc  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402  (before the generated modules: they import TF's tensor_pb2)
from tensorflow.core.framework import types_pb2  # noqa: E402
from tensorflow.python.eager import cancellation  # noqa: E402

if args.op_library:
    tf.load_op_library(os.path.abspath(args.op_library))

subprocess.run([os.path.join(ROOT, 'scripts', 'generate-python-protos.sh')], check=True, stdout=sys.stderr)
sys.path.insert(0, GENERATED)
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc  # noqa: E402

# TF's eager cancellation context is one global; make it per thread so concurrent calls
# each run under their own CancellationManager.
_tls = threading.local()
cancellation.context = lambda: getattr(_tls, 'cancellation_manager', None)

GRPC_CODES = {c.value[0]: c for c in grpc.StatusCode}


class RpcError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def load_models(models_dir):
    models = {}
    for name in sorted(os.listdir(models_dir)):
        model_dir = os.path.join(models_dir, name)
        if not os.path.isdir(model_dir):
            continue
        versions = {}
        for v in sorted(os.listdir(model_dir)):
            if v.isdigit() and os.path.exists(os.path.join(model_dir, v, 'saved_model.pb')):
                try:
                    versions[int(v)] = tf.saved_model.load(os.path.join(model_dir, v)).signatures
                except Exception as e:  # noqa: BLE001 - only an unregistered op is expected
                    if 'Op type not registered' not in str(e):
                        raise
                    log(f'skipped {name} version {v}: ' + ' '.join(str(e).split('. ')[0].split()))
                    continue
                log(f'loaded {name} version {v}: signatures {sorted(versions[int(v)])}')
        labels = {}
        if os.path.exists(os.path.join(model_dir, 'labels.json')):
            with open(os.path.join(model_dir, 'labels.json')) as f:
                labels = {k: int(v) for k, v in json.load(f).items()}
        if versions:
            models[name] = {'versions': versions, 'labels': labels}
    return models


class PredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
    def __init__(self, models):
        self.models = models

    def Predict(self, request, context):
        spec = request.model_spec
        finished = threading.Event()
        cm = cancellation.CancellationManager()

        def on_termination():
            if not finished.is_set():
                log(f'CANCELLED {spec.name}')
                cm.start_cancel()

        try:
            if not context.add_callback(on_termination):  # already terminated
                on_termination()
                return predict_pb2.PredictResponse()
            headers = dict(context.invocation_metadata())
            if args.require_metadata:
                key, _, value = args.require_metadata.partition('=')
                if headers.get(key) != value:
                    raise RpcError(grpc.StatusCode.UNAUTHENTICATED, f'header {key} missing or wrong')
            return self._predict(request, cm, headers)
        except (RpcError, tf.errors.OpError) as e:
            code = e.code if isinstance(e, RpcError) else GRPC_CODES[e.error_code]
            message = str(e) if isinstance(e, RpcError) else e.message
            if not cm.is_cancelled:
                log(f'error {spec.name}: {code.name}: ' + ' '.join(message.split()))
            context.abort(code, message)
        finally:
            finished.set()

    def _resolve(self, spec):
        model = self.models.get(spec.name)
        choice = spec.WhichOneof('version_choice')
        if choice == 'version':
            version, request = spec.version.value, f'Specific({spec.name}, {spec.version.value})'
        elif choice == 'version_label':
            version = model and model['labels'].get(spec.version_label)
            if version is None:
                raise RpcError(grpc.StatusCode.NOT_FOUND,
                               f'Unrecognized servable version label: {spec.version_label}')
            request = f'Specific({spec.name}, {version})'
        else:
            version, request = model and max(model['versions']), f'Latest({spec.name})'
        if model is None or version not in model['versions']:
            raise RpcError(grpc.StatusCode.NOT_FOUND, f'Servable not found for request: {request}')
        signature_name = spec.signature_name or 'serving_default'
        signatures = model['versions'][version]
        if signature_name not in signatures:
            raise RpcError(grpc.StatusCode.FAILED_PRECONDITION,
                           f'Serving signature name: "{signature_name}" not found in signature def')
        return version, signature_name, signatures[signature_name]

    def _predict(self, request, cm, headers):
        spec = request.model_spec
        version, signature_name, fn = self._resolve(spec)
        input_specs = fn.structured_input_signature[1]
        output_names = sorted(fn.structured_outputs)

        sent, expected = set(request.inputs), set(input_specs)
        if sent != expected:
            raise RpcError(grpc.StatusCode.INVALID_ARGUMENT,
                           f'input size does not match signature: {len(sent)}!={len(expected)} '
                           f'len({{{",".join(sorted(sent))}}}) != len({{{",".join(sorted(expected))}}}). '
                           f'Sent extra: {{{",".join(sorted(sent - expected))}}}. '
                           f'Missing but required: {{{",".join(sorted(expected - sent))}}}.')
        inputs = {}
        for name, proto in request.inputs.items():
            want = input_specs[name]
            if proto.dtype != want.dtype.as_datatype_enum:
                got = types_pb2.DataType.Name(proto.dtype) if proto.dtype in types_pb2.DataType.values() else proto.dtype
                raise RpcError(grpc.StatusCode.INVALID_ARGUMENT,
                               f'Expects arg {name} to be {types_pb2.DataType.Name(want.dtype.as_datatype_enum)} but {got} is provided')
            try:
                array = tf.make_ndarray(proto)
            except Exception as e:  # noqa: BLE001 - any failure means the tensor is malformed
                raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, f'tensor parsing error: {name}: {e}')
            if not want.shape.is_compatible_with(array.shape):
                raise RpcError(grpc.StatusCode.INVALID_ARGUMENT,
                               f'input {name} has shape {list(array.shape)}, signature expects {want.shape}')
            inputs[name] = tf.constant(array, dtype=want.dtype)

        wanted = list(request.output_filter) or output_names
        served = [n for n in wanted if n == 'server_tag' or n.startswith('metadata:')]
        wanted = [n for n in wanted if n not in served]
        for name in wanted:
            if name not in output_names:
                raise RpcError(grpc.StatusCode.INVALID_ARGUMENT,
                               f'output tensor alias not found in signature: {name} '
                               f'Outputs expected to be in the set {{{",".join(output_names)}}}.')
        if len(set(wanted)) != len(wanted):
            raise RpcError(grpc.StatusCode.INVALID_ARGUMENT, 'duplicate output tensor alias in output_filter')

        _tls.cancellation_manager = cm
        try:
            outputs = fn(**inputs)
        finally:
            _tls.cancellation_manager = None

        response = predict_pb2.PredictResponse()
        response.model_spec.name = spec.name
        response.model_spec.version.value = version
        response.model_spec.signature_name = signature_name
        for name in wanted:
            response.outputs[name].CopyFrom(tf.make_tensor_proto(np.asarray(outputs[name].numpy())))
        for name in served:
            if name == 'server_tag':
                value = np.int32(args.tag)
            else:
                value = headers.get(name[len('metadata:'):], b'')
                value = np.array(value if isinstance(value, bytes) else value.encode(), dtype=object)
            response.outputs[name].CopyFrom(tf.make_tensor_proto(value))
        return response


def override_placeholder_target(address):
    """Kernels created from now on dial `address` where a graph says PLACEHOLDER_TARGET.
    dlopen hands back the handle tf.load_op_library already holds."""
    library = ctypes.CDLL(os.path.abspath(args.op_library))
    library.TfsrpSetTargetOverride.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    library.TfsrpSetTargetOverride.restype = ctypes.c_int
    if library.TfsrpSetTargetOverride(PLACEHOLDER_TARGET.encode(), address.encode()) != 0:
        raise RuntimeError('TfsrpSetTargetOverride failed')
    log(f'target override: {PLACEHOLDER_TARGET} -> {address}')


def watch_stdin(stop):
    mode = os.fstat(0).st_mode
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):  # a parent's pipe; /dev/null or a tty would end at once
        def read():
            while os.read(0, 4096):
                pass
            stop.set()
            log('stdin closed')
        threading.Thread(target=read, daemon=True).start()


def server_credentials():
    def read(path):
        with open(path, 'rb') as f:
            return f.read()
    client_ca = read(args.tls_client_ca) if args.tls_client_ca else None
    return grpc.ssl_server_credentials([(read(args.tls_key), read(args.tls_cert))],
                                       root_certificates=client_ca,
                                       require_client_auth=client_ca is not None)


def main():
    models = load_models(args.models)
    if not models:
        log(f'no models found under {args.models}')
        sys.exit(1)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=MAX_WORKERS),
                         options=[('grpc.so_reuseport', 0),
                                  ('grpc.http2.min_ping_interval_without_data_ms', 100),
                                  ('grpc.http2.max_ping_strikes', 0),
                                  ('grpc.keepalive_permit_without_calls', 1),
                                  ('grpc.max_receive_message_length', -1),
                                  ('grpc.max_send_message_length', -1)])
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(PredictionService(models), server)
    address = f'{args.host}:{args.port}'
    if args.tls_cert:
        port = server.add_secure_port(address, server_credentials())
    else:
        port = server.add_insecure_port(address)
    if args.op_library:
        host = '127.0.0.1' if args.host in ('', '0.0.0.0', '::', '[::]') else args.host
        if ':' in host and not host.startswith('['):
            host = f'[{host}]'
        override_placeholder_target(f'{host}:{port}')
    server.start()

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: stop.set())
    watch_stdin(stop)
    print(f'PORT {port}', flush=True)
    log(f'serving {sorted(models)} on {args.host}:{port}{" over TLS" if args.tls_cert else ""}')
    while not stop.wait(1):
        pass
    server.stop(grace=0.5).wait()
    log('stopped')
    sys.stdout.flush()
    os._exit(0)  # skip TF's static destructors and waiting for any stuck TF call


if __name__ == '__main__':
    main()
