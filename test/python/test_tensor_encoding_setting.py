"""The process-level tensor encoding switch, seen on the wire by a recording server."""
import ctypes
import unittest

from recording_prediction_service import OP_LIBRARY, start_recording_server, tf


class TensorEncodingSettingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ops = tf.load_op_library(OP_LIBRARY)
        cls.c_api = ctypes.CDLL(OP_LIBRARY)
        cls.c_api.TfsrpSetTensorEncoding.argtypes = [ctypes.c_char_p]
        cls.c_api.TfsrpTensorEncoding.restype = ctypes.c_char_p
        cls.service, cls.server, cls.address = start_recording_server()

    @classmethod
    def tearDownClass(cls):
        cls.c_api.TfsrpSetTensorEncoding(b'tensor_content')
        cls.server.stop(None)

    def sent_input(self):
        code, message, _ = self.ops.tf_serving_remote_predict(
            input_tensor_aliases=['x'], input_tensors=[tf.constant([1.5, -2.0], tf.float32)],
            output_tensor_aliases=['y'], output_types=[tf.float32],
            target_address=self.address, model_name='m', fail_op_on_rpc_error=False)
        self.assertEqual(int(code), 0, message.numpy())
        return self.service.requests[-1].inputs['x']

    def test_tensor_content_by_default(self):
        self.assertEqual(self.c_api.TfsrpTensorEncoding(), b'tensor_content')
        sent = self.sent_input()
        self.assertEqual(len(sent.tensor_content), 8)
        self.assertEqual(list(sent.float_val), [])

    def test_typed_fields_when_switched(self):
        self.assertEqual(self.c_api.TfsrpSetTensorEncoding(b'typed_fields'), 0)
        try:
            sent = self.sent_input()
        finally:
            self.c_api.TfsrpSetTensorEncoding(b'tensor_content')
        self.assertEqual(sent.tensor_content, b'')
        self.assertEqual(list(sent.float_val), [1.5, -2.0])
        self.assertEqual([d.size for d in sent.tensor_shape.dim], [2])

    def test_unknown_encoding_is_refused(self):
        self.assertEqual(self.c_api.TfsrpSetTensorEncoding(b'json'), -1)
        self.assertEqual(self.c_api.TfsrpTensorEncoding(), b'tensor_content')


if __name__ == '__main__':
    unittest.main()
