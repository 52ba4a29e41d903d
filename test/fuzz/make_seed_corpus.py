#!/usr/bin/env python3
"""Writes a seed corpus for the PredictResponse decoder fuzzer: valid responses of several
dtypes and encodings, serialized by Python's protobuf (the generated modules of
scripts/generate-python-protos.sh, test/.generated/py_full; no TensorFlow import).

  python3 test/fuzz/make_seed_corpus.py OUT_DIR
"""
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'test', '.generated', 'py_full'))
from tensorflow.core.framework import tensor_pb2, tensor_shape_pb2, types_pb2  # noqa: E402
from tensorflow_serving.apis import predict_pb2  # noqa: E402


def tensor(dtype, dims, **fields):
    t = tensor_pb2.TensorProto(dtype=dtype,
                               tensor_shape=tensor_shape_pb2.TensorShapeProto(
                                   dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in dims]))
    for name, value in fields.items():
        if isinstance(value, (bytes, bool, int)):
            setattr(t, name, value)
        else:
            getattr(t, name).extend(value)
    return t


def response(outputs, model=True):
    r = predict_pb2.PredictResponse()
    for name, t in outputs.items():
        r.outputs[name].CopyFrom(t)
    if model:
        r.model_spec.name = 'half_plus_two'
        r.model_spec.version.value = 123
        r.model_spec.signature_name = 'serving_default'
    return r.SerializeToString(deterministic=True)


def seeds():
    f32 = lambda *v: struct.pack(f'<{len(v)}f', *v)  # noqa: E731
    yield 'float_content', response({'y': tensor(types_pb2.DT_FLOAT, [3], tensor_content=f32(2.5, 3, 4.5))})
    yield 'float_val', response({'y': tensor(types_pb2.DT_FLOAT, [2, 2], float_val=[1, 2, 3, 4])})
    yield 'float_scalar', response({'y': tensor(types_pb2.DT_FLOAT, [], float_val=[7])})
    yield 'float_fill', response({'y': tensor(types_pb2.DT_FLOAT, [16], float_val=[1.5])})
    yield 'double', response({'d': tensor(types_pb2.DT_DOUBLE, [2], double_val=[1e300, -0.0])})
    yield 'int32', response({'i': tensor(types_pb2.DT_INT32, [3], int_val=[-1, 0, 2**31 - 1])})
    yield 'int64', response({'l': tensor(types_pb2.DT_INT64, [2], int64_val=[-2**63, 2**63 - 1])})
    yield 'uint64', response({'u': tensor(types_pb2.DT_UINT64, [2], uint64_val=[0, 2**64 - 1])})
    yield 'uint32', response({'u': tensor(types_pb2.DT_UINT32, [2], uint32_val=[0, 2**32 - 1])})
    yield 'int8', response({'b': tensor(types_pb2.DT_INT8, [3], int_val=[-128, 127, 0])})
    yield 'uint8_content', response({'b': tensor(types_pb2.DT_UINT8, [4], tensor_content=b'\x00\x01\xfe\xff')})
    yield 'int16', response({'s': tensor(types_pb2.DT_INT16, [2], int_val=[-32768, 32767])})
    yield 'uint16', response({'s': tensor(types_pb2.DT_UINT16, [2], int_val=[0, 65535])})
    yield 'bool', response({'b': tensor(types_pb2.DT_BOOL, [3], bool_val=[True, False, True])})
    yield 'half', response({'h': tensor(types_pb2.DT_HALF, [2], half_val=[0x3c00, 0x7e00])})
    yield 'bfloat16', response({'h': tensor(types_pb2.DT_BFLOAT16, [2], half_val=[0x3f80, 0x7f80])})
    yield 'complex64', response({'c': tensor(types_pb2.DT_COMPLEX64, [2], scomplex_val=[1, -1, 2, -2])})
    yield 'complex128', response({'c': tensor(types_pb2.DT_COMPLEX128, [1], dcomplex_val=[1, -1])})
    yield 'string', response({'t': tensor(types_pb2.DT_STRING, [3], string_val=[b'', b'hello', b'\x00\xff'])})
    yield 'string_scalar', response({'t': tensor(types_pb2.DT_STRING, [], string_val=[b'x' * 40])})
    yield 'empty_shapes', response({'a': tensor(types_pb2.DT_FLOAT, [0]),
                                    'b': tensor(types_pb2.DT_INT64, [2, 0, 3])})
    yield 'several', response({
        'y': tensor(types_pb2.DT_FLOAT, [2], tensor_content=f32(1, 2)),
        'z': tensor(types_pb2.DT_INT32, [2, 1], tensor_content=struct.pack('<2i', 5, -5)),
        'w': tensor(types_pb2.DT_STRING, [1], string_val=[b'w'])})
    yield 'no_model_spec', response({'y': tensor(types_pb2.DT_FLOAT, [1], float_val=[3])}, model=False)
    yield 'empty', b''


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    count = 0
    for name, data in seeds():
        with open(os.path.join(out, f'seed_{name}'), 'wb') as f:
            f.write(data)
        count += 1
    print(f'wrote {count} seeds to {out}', file=sys.stderr)


if __name__ == '__main__':
    main()
