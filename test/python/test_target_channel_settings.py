"""Channel options and metadata by target, set from Python through the op library's C entry
points (TfsrpSetTargetChannelOptions, TfsrpSetTargetMetadata), seen by recording servers."""
import ctypes
import unittest

from recording_prediction_service import OP_LIBRARY, start_recording_server, tf


class TargetChannelSettingsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ops = tf.load_op_library(OP_LIBRARY)
        c_api = ctypes.CDLL(OP_LIBRARY)
        c_api.TfsrpSetTargetChannelOptions.argtypes = [
            ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
        c_api.TfsrpSetTargetMetadata.argtypes = [
            ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_char_p),
            ctypes.POINTER(ctypes.c_size_t), ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
        cls.c_api = c_api
        cls.servers = [start_recording_server() for _ in range(2)]

    @classmethod
    def tearDownClass(cls):
        for _, server, _ in cls.servers:
            server.stop(None)

    def call(self, target):
        code, message, _ = self.ops.tf_serving_remote_predict(
            input_tensor_aliases=['x'], input_tensors=[tf.constant([1.5], tf.float32)],
            output_tensor_aliases=['y'], output_types=[tf.float32],
            target_address=target, model_name='m', fail_op_on_rpc_error=False)
        return int(code), message.numpy().decode()

    def set_channel_options(self, target, text):
        error = ctypes.create_string_buffer(512)
        result = self.c_api.TfsrpSetTargetChannelOptions(target.encode(), text.encode(), error, len(error))
        return result, error.value.decode()

    def set_metadata(self, target, entries):
        keys = (ctypes.c_char_p * len(entries))(*[k.encode() for k, _ in entries])
        values = (ctypes.c_char_p * len(entries))(*[v for _, v in entries])
        lengths = (ctypes.c_size_t * len(entries))(*[len(v) for _, v in entries])
        error = ctypes.create_string_buffer(512)
        result = self.c_api.TfsrpSetTargetMetadata(
            target.encode(), keys, values, lengths, len(entries), error, len(error))
        return result, error.value.decode()

    def test_metadata_by_target_reaches_the_server_and_can_change(self):
        service, _, address = self.servers[0]
        self.assertEqual(self.set_metadata(address, [('authorization', b'Bearer one'),
                                                     ('trace-bin', b'\x00\xff')]), (0, ''))
        try:
            self.assertEqual(self.call(address), (0, ''))
            self.assertEqual(service.metadata[-1]['authorization'], 'Bearer one')
            self.assertEqual(service.metadata[-1]['trace-bin'], b'\x00\xff')
            self.assertEqual(self.set_metadata(address, [('authorization', b'Bearer two')]), (0, ''))
            self.assertEqual(self.call(address), (0, ''))
            self.assertEqual(service.metadata[-1]['authorization'], 'Bearer two')
        finally:
            self.set_metadata(address, [])
        self.assertEqual(self.call(address), (0, ''))
        self.assertNotIn('authorization', service.metadata[-1])

    def test_bad_metadata_is_refused_naming_the_key(self):
        result, error = self.set_metadata('127.0.0.1:1', [('Authorization', b'x')])
        self.assertEqual(result, -1)
        self.assertIn("'Authorization'", error)

    def test_round_robin_by_target_spreads_a_graphs_calls(self):
        target = 'ipv4:' + ','.join(address for _, _, address in self.servers)
        self.assertEqual(self.set_channel_options(target, 'load_balancing=round_robin;retry_max_attempts=3'), (0, ''))
        try:
            before = [len(service.metadata) for service, _, _ in self.servers]
            for _ in range(20):
                self.assertEqual(self.call(target)[0], 0)
            got = [len(service.metadata) - b for (service, _, _), b in zip(self.servers, before)]
            self.assertEqual(sum(got), 20)
            self.assertTrue(all(n >= 3 for n in got), got)
        finally:
            self.set_channel_options(target, '')

    def test_bad_channel_options_are_refused_naming_the_option(self):
        result, error = self.set_channel_options('127.0.0.1:1', 'keepalive_time_millis=soon')
        self.assertEqual(result, -1)
        self.assertIn('keepalive_time_millis', error)
        result, error = self.set_channel_options('127.0.0.1:1', 'load_balancing=grpclb')
        self.assertEqual(result, -1)
        self.assertIn('load_balancing', error)


if __name__ == '__main__':
    unittest.main()
