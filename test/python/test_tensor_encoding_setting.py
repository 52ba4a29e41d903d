"""The process-level tensor encoding switch, seen on the wire by a recording server."""
import ctypes
import os
import sys
import threading
import unittest
from concurrent import futures

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import grpc  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'test', '.generated', 'py_serving'))
from tensorflow_serving.apis import predict_pb2  # noqa: E402

OP_LIBRARY = os.environ.get('TFSRP_OP_LIBRARY') or os.path.join(
    ROOT, 'build', 'Release', 'libtfserving_remote_predict_op.so')
PREDICT = '/tensorflow.serving.PredictionService/Predict'


class RecordingPredictionService(grpc.GenericRpcHandler):
    """Answers every Predict with y = [1.0] and keeps the last request."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()

    def service(self, handler_call_details):
        if handler_call_details.method != PREDICT:
            return None
        return grpc.unary_unary_rpc_method_handler(
            self.predict,
            request_deserializer=predict_pb2.PredictRequest.FromString,
            response_serializer=predict_pb2.PredictResponse.SerializeToString)

    def predict(self, request, context):
        with self.lock:
            self.requests.append(request)
        response = predict_pb2.PredictResponse()
        response.outputs['y'].CopyFrom(tf.make_tensor_proto([1.0], dtype=tf.float32))
        return response


class TensorEncodingSettingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ops = tf.load_op_library(OP_LIBRARY)
        cls.c_api = ctypes.CDLL(OP_LIBRARY)
        cls.c_api.TfsrpSetTensorEncoding.argtypes = [ctypes.c_char_p]
        cls.c_api.TfsrpTensorEncoding.restype = ctypes.c_char_p
        cls.service = RecordingPredictionService()
        cls.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        cls.server.add_generic_rpc_handlers((cls.service,))
        cls.address = f'127.0.0.1:{cls.server.add_insecure_port("127.0.0.1:0")}'
        cls.server.start()

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
