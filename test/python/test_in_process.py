"""Models served in this Python process (TfsrpServeInProcess / TfsrpUnserveInProcess of the op
library, through ctypes) and reached through the target 'inprocess:': a composed fixture
calling half_plus_two in process answers as it does over gRPC (the reference server, run by
run_saved_model.py in a child process), with the same status codes and messages."""
import ctypes
import json
import os
import subprocess
import sys
import unittest

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import tensorflow as tf  # noqa: E402

from reference_server_process import (  # noqa: E402
    MODELS, OP_LIBRARY, ROOT, start_reference_server, stop_reference_server)

COMPOSED = os.path.join(ROOT, 'test', 'fixtures', 'composed')
PYTHON_RUNNER = os.path.join(ROOT, 'test', 'python', 'run_saved_model.py')
PLACEHOLDER_TARGET = 'remote-predict-target:8500'
IN_PROCESS = 'inprocess:'
NOT_FOUND, ALREADY_EXISTS = 5, 6


class InProcessServingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ops = tf.load_op_library(OP_LIBRARY)
        c_api = ctypes.CDLL(OP_LIBRARY)  # the handle tf.load_op_library holds
        c_api.TfsrpServeInProcess.argtypes = [
            ctypes.c_char_p, ctypes.c_int64, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
            ctypes.c_char_p, ctypes.c_size_t]
        c_api.TfsrpUnserveInProcess.argtypes = [
            ctypes.c_char_p, ctypes.c_int64, ctypes.c_char_p, ctypes.c_size_t]
        c_api.TfsrpSetTargetOverride.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        cls.c_api = c_api
        for version, labels in ((1, 'canary'), (2, 'stable')):
            code, error = cls.serve('half_plus_two', version, labels)
            if code != 0:
                raise RuntimeError(f'TfsrpServeInProcess: {code} {error}')
        cls.server, cls.address = start_reference_server()

    @classmethod
    def tearDownClass(cls):
        cls.c_api.TfsrpUnserveInProcess(b'half_plus_two', -1, None, 0)
        stop_reference_server(cls.server)

    @classmethod
    def serve(cls, name, version, labels=None, export_dir=None):
        export_dir = export_dir or os.path.join(MODELS, name, str(version))
        error = ctypes.create_string_buffer(1024)
        code = cls.c_api.TfsrpServeInProcess(name.encode(), version, export_dir.encode(), None,
                                             labels.encode() if labels else None, error, len(error))
        return code, error.value.decode()

    def call(self, target, model_name='half_plus_two', **attrs):
        code, message, (y,) = self.ops.tf_serving_remote_predict(
            input_tensor_aliases=['x'], input_tensors=[tf.constant([1.0, 2.0, 5.0], tf.float32)],
            output_tensor_aliases=['y'], output_types=[tf.float32],
            target_address=target, model_name=model_name, fail_op_on_rpc_error=False, **attrs)
        return int(code), message.numpy().decode(), y.numpy().tolist()

    def over_grpc(self, name, signature):
        env = {**os.environ, 'TFSRP_TARGET_OVERRIDES': f'{PLACEHOLDER_TARGET}={self.address}',
               'TFSRP_OP_LIBRARY': OP_LIBRARY}
        out = subprocess.run([sys.executable, PYTHON_RUNNER, os.path.join(COMPOSED, name),
                              '--signature', signature, '--input', 'x=float32[3]:1,2,5'],
                             env=env, check=True, capture_output=True, text=True).stdout
        return json.loads(out.strip().split('\n')[-1])['outputs']

    def test_composed_fixtures_answer_as_over_grpc(self):
        self.c_api.TfsrpSetTargetOverride(PLACEHOLDER_TARGET.encode(), IN_PROCESS.encode())
        try:
            for name in ('half_plus_two_with_remote_predict', 'remote_predict_status'):
                model = tf.saved_model.load(os.path.join(COMPOSED, name))
                for signature in sorted(model.signatures):
                    outputs = model.signatures[signature](x=tf.constant([1.0, 2.0, 5.0]))
                    expected = self.over_grpc(name, signature)
                    for output, tensor in outputs.items():
                        value = tensor.numpy()
                        got = value.decode() if isinstance(value, bytes) else value.reshape(-1).tolist()
                        want = expected[output]['values']
                        self.assertEqual(got, want[0] if isinstance(value, bytes) else want,
                                         f'{name} {signature} {output}')
        finally:
            self.c_api.TfsrpSetTargetOverride(PLACEHOLDER_TARGET.encode(), None)

    def test_versions_labels_and_tf_serving_errors_as_the_reference_server(self):
        self.assertEqual(self.call(IN_PROCESS), (0, '', [2.5, 3.0, 4.5]))
        self.assertEqual(self.call(IN_PROCESS, model_version=1), (0, '', [1.5, 2.0, 3.5]))
        for attrs in ({'model_name': 'no_such_model'}, {'model_version': 9},
                      {'signature_name': 'nope'}):
            remote, local = self.call(self.address, **attrs), self.call(IN_PROCESS, **attrs)
            self.assertNotEqual(remote[0], 0)
            self.assertEqual(local[:2], remote[:2], attrs)

    def test_serving_twice_unserving_and_bad_directories(self):
        self.assertEqual(self.serve('half_plus_two', 2)[0], ALREADY_EXISTS)
        code, error = self.serve('doubled', 1, export_dir=os.path.join(MODELS, 'no_such_dir'))
        self.assertNotEqual(code, 0)
        self.assertIn('no_such_dir', error)
        self.assertEqual(self.serve('chain_copy', 3, export_dir=os.path.join(MODELS, 'half_plus_two', '1'))[0], 0)
        self.assertEqual(self.call(IN_PROCESS, model_name='chain_copy')[2], [1.5, 2.0, 3.5])
        self.assertEqual(self.c_api.TfsrpUnserveInProcess(b'chain_copy', -1, None, 0), 0)
        error = ctypes.create_string_buffer(256)
        self.assertEqual(self.c_api.TfsrpUnserveInProcess(b'chain_copy', -1, error, len(error)), NOT_FOUND)
        self.assertEqual(error.value.decode(), 'model chain_copy is not served in this process')
        self.assertEqual(self.call(IN_PROCESS, model_name='chain_copy')[:2],
                         (NOT_FOUND, 'Servable not found for request: Latest(chain_copy)'))


if __name__ == '__main__':
    unittest.main()
