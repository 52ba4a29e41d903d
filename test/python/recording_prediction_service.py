"""A PredictionService for op tests: answers every Predict with y = [1.0] and keeps each request
and its metadata. Also the paths the tests share."""
import os
import sys
import threading
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
    def __init__(self):
        self.requests = []
        self.metadata = []
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
            self.metadata.append(dict(context.invocation_metadata()))
        response = predict_pb2.PredictResponse()
        response.outputs['y'].CopyFrom(tf.make_tensor_proto([1.0], dtype=tf.float32))
        return response


def start_recording_server():
    """Returns (service, server, 'host:port'), the server started on a free loopback port."""
    service = RecordingPredictionService()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((service,))
    address = f'127.0.0.1:{server.add_insecure_port("127.0.0.1:0")}'
    server.start()
    return service, server, address
