"""The TfServingRemotePredict op under TensorFlow, against test/reference_server.py.

Op library: $TFSRP_OP_LIBRARY or build/Release/libtfserving_remote_predict_op.so.
"""
import os
import socket
import subprocess
import sys
import time
import unittest

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.python.framework import op_def_registry  # noqa: E402

from reference_server_process import (  # noqa: E402
    MODELS, OP_LIBRARY, ROOT, start_reference_server, stop_reference_server)
UNAVAILABLE, DEADLINE_EXCEEDED = 14, 4


def dead_address():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return f'127.0.0.1:{s.getsockname()[1]}'


class RemotePredictOpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(OP_LIBRARY):
            raise FileNotFoundError(f'op library not built: {OP_LIBRARY} (set TFSRP_OP_LIBRARY)')
        subprocess.run([sys.executable, os.path.join(ROOT, 'scripts', 'generate_fixtures.py'),
                        '--out', MODELS], check=True)
        cls.lib = tf.load_op_library(OP_LIBRARY)
        cls.server, cls.address = start_reference_server()

    @classmethod
    def tearDownClass(cls):
        stop_reference_server(cls.server)

    def remote_predict(self, inputs, output_types, output_aliases=None, target_address=None,
                       model_name='half_plus_two', fail_op_on_rpc_error=True,
                       max_rpc_deadline_millis=10000):
        """Builds a graph function calling the op; returns (concrete_function, input values)."""
        aliases, values = list(inputs), list(inputs.values())

        @tf.function
        def call(*tensors):
            return self.lib.tf_serving_remote_predict(
                input_tensor_aliases=aliases,
                input_tensors=list(tensors),
                output_tensor_aliases=output_aliases or ['y'],
                target_address=target_address or self.address,
                model_name=model_name,
                model_version=-1,
                fail_op_on_rpc_error=fail_op_on_rpc_error,
                max_rpc_deadline_millis=max_rpc_deadline_millis,
                signature_name='serving_default',
                output_types=output_types)

        return call.get_concrete_function(*values), values

    def run_op(self, inputs, output_types, **kwargs):
        fn, values = self.remote_predict(inputs, output_types, **kwargs)
        return fn(*values)

    def test_half_plus_two(self):
        code, message, outputs = self.run_op({'x': tf.constant([1.0, 2.0, 5.0])}, [tf.float32])
        self.assertEqual(int(code), 0, message.numpy())
        self.assertEqual(len(outputs), 1)
        np.testing.assert_array_equal(outputs[0].numpy(), np.array([2.5, 3.0, 4.5], np.float32))

    def test_outputs_follow_alias_order_for_every_dtype(self):
        names = ['float32', 'float64', 'int32', 'int64', 'uint64', 'uint32', 'int16', 'uint16',
                 'int8', 'uint8', 'bool', 'float16', 'bfloat16', 'complex64', 'complex128', 'string']
        inputs = {}
        for i, name in enumerate(names):
            dtype = tf.dtypes.as_dtype(name)
            if dtype == tf.string:
                inputs[name] = tf.constant([[b'a\x00b', b''], [b'\xff', b'xyz']])
            elif dtype == tf.bool:
                inputs[name] = tf.constant([[True, False], [False, True]])
            else:
                inputs[name] = tf.cast(tf.constant([[1, 2], [3, i]]), dtype)
        order = list(reversed(names))
        code, message, outputs = self.run_op(
            inputs, [tf.dtypes.as_dtype(n) for n in order], model_name='all_dtypes',
            output_aliases=[f'{n}_out' for n in order])
        self.assertEqual(int(code), 0, message.numpy())
        for name, output in zip(order, outputs):
            with self.subTest(dtype=name):
                self.assertEqual(output.dtype, inputs[name].dtype)
                np.testing.assert_array_equal(output.numpy(), inputs[name].numpy())

    def test_dead_port_in_status_mode(self):
        code, message, outputs = self.run_op(
            {'x': tf.constant([1.0])}, [tf.float32], target_address=dead_address(),
            fail_op_on_rpc_error=False, max_rpc_deadline_millis=5000)
        self.assertEqual(int(code), UNAVAILABLE)
        self.assertTrue(message.numpy())
        self.assertEqual(outputs[0].shape, ())
        self.assertEqual(outputs[0].dtype, tf.float32)
        self.assertEqual(float(outputs[0]), 0.0)

    def test_dead_port_in_fail_mode(self):
        with self.assertRaises(tf.errors.UnavailableError):
            self.run_op({'x': tf.constant([1.0])}, [tf.float32], target_address=dead_address(),
                        max_rpc_deadline_millis=5000)

    def test_sub_second_deadline(self):
        inputs = {'delay_ms': tf.constant(2000, tf.int64), 'x': tf.constant([1.0])}
        fn, values = self.remote_predict(inputs, [tf.float32], model_name='slow',
                                         max_rpc_deadline_millis=300)
        start = time.monotonic()
        with self.assertRaises(tf.errors.DeadlineExceededError):
            fn(*values)
        self.assertLess(time.monotonic() - start, 1.0)

    def test_op_def(self):
        op = op_def_registry.get('TfServingRemotePredict')  # the module has no OP_LIST in TF 2.21
        self.assertIsNotNone(op)
        self.assertEqual([a.name for a in op.attr],
                         ['T', 'target_address', 'model_name', 'model_version', 'fail_op_on_rpc_error',
                          'max_rpc_deadline_millis', 'signature_name', 'output_types'])
        attrs = {a.name: a for a in op.attr}
        self.assertEqual({n: a.type for n, a in attrs.items()}, {
            'T': 'list(type)', 'target_address': 'string', 'model_name': 'string', 'model_version': 'int',
            'fail_op_on_rpc_error': 'bool', 'max_rpc_deadline_millis': 'int',
            'signature_name': 'string', 'output_types': 'list(type)'})
        self.assertFalse(attrs['T'].HasField('default_value'))
        self.assertFalse(attrs['output_types'].HasField('default_value'))
        self.assertEqual(attrs['target_address'].default_value.s, b'')
        self.assertEqual(attrs['model_name'].default_value.s, b'')
        self.assertEqual(attrs['model_version'].default_value.i, -1)
        self.assertIs(attrs['fail_op_on_rpc_error'].default_value.b, True)
        self.assertEqual(attrs['max_rpc_deadline_millis'].default_value.i, 30000)
        self.assertEqual(attrs['signature_name'].default_value.s, b'serving_default')
        for attr in ('target_address', 'model_name', 'signature_name'):
            self.assertEqual(attrs[attr].default_value.WhichOneof('value'), 's')

        string, int32 = tf.string.as_datatype_enum, tf.int32.as_datatype_enum
        self.assertEqual([(a.name, a.type, a.type_list_attr) for a in op.input_arg], [
            ('input_tensor_aliases', string, ''), ('input_tensors', 0, 'T'),
            ('output_tensor_aliases', string, '')])
        self.assertEqual([(a.name, a.type, a.type_list_attr) for a in op.output_arg], [
            ('status_code', int32, ''), ('status_error_message', string, ''),
            ('output_tensors', 0, 'output_types')])
        self.assertTrue(op.is_stateful)
        self.assertTrue(op.is_distributed_communication)


if __name__ == '__main__':
    unittest.main()
