"""SavedModels that contain TfServingRemotePredict (test/fixtures/composed), run against
test/reference_server.py: in Python TensorFlow (tf.saved_model.load), through the C API
(build/Release/saved_model_runner) and through test/python/run_saved_model.py.

The fixtures dial the placeholder remote-predict-target:8500; this process maps it to the
reference server with TfsrpSetTargetOverride, the runners with TFSRP_TARGET_OVERRIDES.

Op library: $TFSRP_OP_LIBRARY or build/Release/libtfserving_remote_predict_op.so;
C runner: $TFSRP_SAVED_MODEL_RUNNER or build/Release/saved_model_runner.
"""
import ctypes
import json
import os
import subprocess
import sys
import time
import unittest

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from reference_server_process import (  # noqa: E402
    MODELS, OP_LIBRARY, ROOT, start_reference_server, stop_reference_server)
RUNNER = os.environ.get('TFSRP_SAVED_MODEL_RUNNER') or os.path.join(
    ROOT, 'build', 'Release', 'saved_model_runner')
PYTHON_RUNNER = os.path.join(ROOT, 'test', 'python', 'run_saved_model.py')
COMPOSED = os.path.join(ROOT, 'test', 'fixtures', 'composed')
PLACEHOLDER_TARGET = 'remote-predict-target:8500'
NOT_FOUND, UNAVAILABLE = 5, 14
X = [1.0, 2.0, 5.0]


def set_target_override(from_address, to_address):
    library = ctypes.CDLL(OP_LIBRARY)  # the handle tf.load_op_library holds
    library.TfsrpSetTargetOverride.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    library.TfsrpSetTargetOverride.restype = ctypes.c_int
    if library.TfsrpSetTargetOverride(from_address.encode(),
                                      to_address.encode() if to_address else None) != 0:
        raise RuntimeError('TfsrpSetTargetOverride failed')


def signature_listing(name):
    with open(os.path.join(COMPOSED, f'{name}.signatures.json')) as f:
        return json.load(f)


class ComposedFixturesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for path, what in ((OP_LIBRARY, 'op library (set TFSRP_OP_LIBRARY)'),
                           (RUNNER, 'saved_model_runner (set TFSRP_SAVED_MODEL_RUNNER)')):
            if not os.path.exists(path):
                raise FileNotFoundError(f'{what} not built: {path}')
        subprocess.run([sys.executable, os.path.join(ROOT, 'scripts', 'generate_fixtures.py'),
                        '--out', MODELS, '--composed-out', COMPOSED, '--op-library', OP_LIBRARY],
                       check=True)
        tf.load_op_library(OP_LIBRARY)
        cls.server, cls.address = start_reference_server()
        set_target_override(PLACEHOLDER_TARGET, cls.address)

    @classmethod
    def tearDownClass(cls):
        set_target_override(PLACEHOLDER_TARGET, None)
        stop_reference_server(cls.server)

    def signature(self, name, signature='serving_default'):
        return tf.saved_model.load(os.path.join(COMPOSED, name)).signatures[signature]

    def run_runner(self, argv):
        """Runs a runner with the placeholder mapped to the server; returns (exit code, JSON)."""
        env = dict(os.environ, TFSRP_TARGET_OVERRIDES=f'{PLACEHOLDER_TARGET}={self.address}',
                   TFSRP_OP_LIBRARY=OP_LIBRARY, TF_CPP_MIN_LOG_LEVEL='2')
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        lines = done.stdout.splitlines()
        self.assertEqual(len(lines), 1, f'stdout: {done.stdout!r}\nstderr: {done.stderr}')
        return done.returncode, json.loads(lines[0])

    def run_c(self, name, inputs, outputs, signature='serving_default'):
        """saved_model_runner with tensors named by signature input/output names."""
        listing = signature_listing(name)[signature]
        argv = [RUNNER, OP_LIBRARY, os.path.join(COMPOSED, name)]
        for alias, (dtype, shape, values) in inputs.items():
            tensor = listing['inputs'][alias]['tensor']
            argv += ['--input', f'{tensor}={dtype}[{",".join(map(str, shape))}]:{",".join(map(str, values))}']
        for alias in outputs:
            argv += ['--output', listing['outputs'][alias]['tensor']]
        code, result = self.run_runner(argv)
        if code == 0:
            by_tensor = {o['tensor']: o for o in result['outputs']}
            result = {alias: by_tensor[listing['outputs'][alias]['tensor']] for alias in outputs}
        return code, result

    # ---- Python TensorFlow ----

    def test_half_plus_two_with_remote_predict(self):
        model = tf.saved_model.load(os.path.join(COMPOSED, 'half_plus_two_with_remote_predict'))
        self.assertEqual(float(model.w), 0.5)  # the variable was restored
        y = model.signatures['serving_default'](x=tf.constant(X))['y']
        np.testing.assert_array_equal(y.numpy(), np.array([3, 4, 7], np.float32))

    def test_status_mode_ok(self):
        out = self.signature('remote_predict_status')(x=tf.constant(X))
        self.assertEqual(sorted(out), ['status_code', 'status_message', 'y'])
        self.assertEqual(int(out['status_code']), 0)
        self.assertEqual(out['status_message'].numpy(), b'')
        np.testing.assert_array_equal(out['y'].numpy(), np.array([2.5, 3, 4.5], np.float32))

    def test_status_mode_missing_model(self):
        out = self.signature('remote_predict_status', 'missing_model')(x=tf.constant(X))
        self.assertEqual(int(out['status_code']), NOT_FOUND)
        self.assertIn(b'no_such_model', out['status_message'].numpy())
        self.assertEqual(out['y'].shape, ())
        self.assertEqual(out['y'].dtype, tf.float32)
        self.assertEqual(float(out['y']), 0.0)

    def test_two_hop_chain(self):
        # Client -> half_plus_two_chain on the server -> (the server's own op) half_plus_two.
        y = self.signature('two_hop_chain')(x=tf.constant(X))['y']
        np.testing.assert_array_equal(y.numpy(), np.array([5, 6, 9], np.float32))

    def test_dead_target(self):
        fn = self.signature('dead_target')
        with self.assertRaises(tf.errors.UnavailableError):
            fn(x=tf.constant(X))

    def test_slow_remote_predict(self):
        fn = self.signature('slow_remote_predict')
        start = time.monotonic()
        y = fn(delay_ms=tf.constant(300, tf.int64), x=tf.constant(X))['y']
        self.assertGreaterEqual(time.monotonic() - start, 0.3)
        np.testing.assert_array_equal(y.numpy(), np.array(X, np.float32))

    def test_unregistered_op(self):
        with self.assertRaisesRegex(Exception, 'NotARegisteredOp'):
            self.signature('unregistered_op')(x=tf.constant(X))

    def test_signature_listings_match_the_models(self):
        for name in ('half_plus_two_with_remote_predict', 'remote_predict_status', 'two_hop_chain',
                     'dead_target', 'slow_remote_predict', 'unregistered_op'):
            listing = signature_listing(name)
            self.assertNotIn('__saved_model_init_op', listing)
            if name == 'unregistered_op':
                self.assertEqual(listing, signature_listing('half_plus_two_with_remote_predict'))
                continue
            signatures = tf.saved_model.load(os.path.join(COMPOSED, name)).signatures
            with self.subTest(model=name):
                self.assertEqual(sorted(listing), sorted(signatures))
                for key, fn in signatures.items():
                    inputs = fn.structured_input_signature[1]
                    self.assertEqual({k: (v.dtype.name, [-1 if d is None else d for d in v.shape.as_list()])
                                      for k, v in inputs.items()},
                                     {k: (v['dtype'], v['shape']) for k, v in listing[key]['inputs'].items()})
                    self.assertEqual({k: v.dtype.name for k, v in fn.structured_outputs.items()},
                                     {k: v['dtype'] for k, v in listing[key]['outputs'].items()})
                    for alias, info in listing[key]['inputs'].items():
                        self.assertEqual(info['tensor'], f'{key}_{alias}:0')

    # ---- C API: saved_model_runner ----

    def test_c_runner_half_plus_two_with_remote_predict(self):
        code, out = self.run_c('half_plus_two_with_remote_predict', {'x': ('float32', [3], [1, 2, 5])}, ['y'])
        self.assertEqual(code, 0, out)
        self.assertEqual((out['y']['dtype'], out['y']['shape'], out['y']['values']), ('float32', [3], [3, 4, 7]))

    def test_c_runner_status_outputs(self):
        code, out = self.run_c('remote_predict_status', {'x': ('float32', [3], [1, 2, 5])},
                               ['status_code', 'status_message', 'y'], signature='missing_model')
        self.assertEqual(code, 0, out)
        self.assertEqual(out['status_code'], {'tensor': out['status_code']['tensor'], 'dtype': 'int32',
                                              'shape': [], 'values': [NOT_FOUND]})
        self.assertEqual(out['status_message']['dtype'], 'string')
        self.assertIn('no_such_model', out['status_message']['values'][0])
        self.assertEqual((out['y']['shape'], out['y']['values']), ([], [0]))

    def test_c_runner_two_hop_chain_and_slow(self):
        code, out = self.run_c('two_hop_chain', {'x': ('float32', [3], [1, 2, 5])}, ['y'])
        self.assertEqual(code, 0, out)
        self.assertEqual(out['y']['values'], [5, 6, 9])
        code, out = self.run_c('slow_remote_predict', {'delay_ms': ('int64', [], [100]),
                                                       'x': ('float32', [2], [0.1, 7])}, ['y'])
        self.assertEqual(code, 0, out)
        self.assertEqual(np.float32(out['y']['values'][0]), np.float32(0.1))  # %.9g round-trips

    def test_c_runner_dead_target(self):
        code, out = self.run_c('dead_target', {'x': ('float32', [1], [1])}, ['y'])
        self.assertEqual(code, 1)
        self.assertEqual(out['error']['code'], UNAVAILABLE, out)

    def test_c_runner_unregistered_op(self):
        code, out = self.run_c('unregistered_op', {'x': ('float32', [3], [1, 2, 5])}, ['y'])
        self.assertEqual(code, 1)
        self.assertIn('NotARegisteredOp', out['error']['message'])

    # ---- Python CLI: run_saved_model.py ----

    def test_python_runner(self):
        code, out = self.run_runner([sys.executable, PYTHON_RUNNER, os.path.join(COMPOSED, 'remote_predict_status'),
                                     '--input', 'x=float32[3]:1,2,5'])
        self.assertEqual(code, 0, out)
        self.assertEqual(out, {'outputs': {
            'status_code': {'dtype': 'int32', 'shape': [], 'values': [0]},
            'status_message': {'dtype': 'string', 'shape': [], 'values': ['']},
            'y': {'dtype': 'float32', 'shape': [3], 'values': [2.5, 3, 4.5]}}})
        code, out = self.run_runner([sys.executable, PYTHON_RUNNER, os.path.join(COMPOSED, 'dead_target'),
                                     '--input', 'x=float32[1]:1'])
        self.assertEqual(code, 1)
        self.assertEqual(out['error']['type'], 'UnavailableError')


if __name__ == '__main__':
    unittest.main()
