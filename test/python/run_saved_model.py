#!/usr/bin/env python3
"""Runs one signature of a SavedModel in Python TensorFlow and prints the outputs as JSON.

  run_saved_model.py <saved_model_dir> [--signature S] [--op-library PATH]
                     [--serve MODEL=VERSION:DIR ...] --input NAME=DTYPE[SHAPE]:VALUES ...

NAME is the signature's input name, DTYPE one of float32, float64, int32, int64, bool, string,
SHAPE comma-separated dims ([] for a scalar), VALUES comma-separated, row-major
(e.g. x=float32[3]:1,2,5 or delay_ms=int64[]:250). The op library is loaded first
(--op-library, else $TFSRP_OP_LIBRARY, else build/Release/libtfserving_remote_predict_op.so;
skipped when that default does not exist); map the models' target address to a server with
TFSRP_TARGET_OVERRIDES=from=to[,from=to]. --serve serves the SavedModel in DIR in this process
as MODEL version VERSION (TfsrpServeInProcess of the op library, through ctypes), for graphs
whose target is (or is overridden to) 'inprocess:'.

Prints one line: {"outputs": {"<name>": {"dtype": ..., "shape": [...], "values": [...]}}}
(sorted by name, values flattened row-major, strings decoded as UTF-8, non-finite floats as
null), or {"error": {"type": ..., "message": ...}} and exits 1.
"""
import argparse
import ctypes
import json
import math
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OP_LIBRARY = os.path.join(ROOT, 'build', 'Release', 'libtfserving_remote_predict_op.so')
INPUT_DTYPES = ('float32', 'float64', 'int32', 'int64', 'bool', 'string')
INPUT_SPEC = re.compile(r'^([^=]+)=([a-z0-9]+)\[([0-9, ]*)\]:(.*)$', re.S)


class UsageError(Exception):
    pass


def serve_in_process(op_library, spec):
    """'half_plus_two=2:/path' -> the SavedModel in /path served as half_plus_two version 2."""
    name, _, rest = spec.partition('=')
    version, _, export_dir = rest.partition(':')
    if not name or not version.isdigit() or not export_dir:
        raise UsageError(f'bad --serve {spec!r}: expected MODEL=VERSION:DIR')
    library = ctypes.CDLL(os.path.abspath(op_library))  # the handle tf.load_op_library holds
    serve = library.TfsrpServeInProcess
    serve.argtypes = [ctypes.c_char_p, ctypes.c_int64, ctypes.c_char_p, ctypes.c_char_p,
                      ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
    serve.restype = ctypes.c_int
    error = ctypes.create_string_buffer(1024)
    code = serve(name.encode(), int(version), os.path.abspath(export_dir).encode(), None, None,
                 error, len(error))
    if code != 0:
        raise RuntimeError(f'TfsrpServeInProcess({name}, {version}): code {code}: {error.value.decode()}')


def parse_input(spec):
    """'x=float32[3]:1,2,5' -> (name, dtype, shape, values as strings)."""
    match = INPUT_SPEC.match(spec)
    if not match:
        raise UsageError(f'bad --input {spec!r}: expected NAME=DTYPE[SHAPE]:VALUES')
    name, dtype, dims, values = match.groups()
    if dtype not in INPUT_DTYPES:
        raise UsageError(f'bad --input {spec!r}: dtype {dtype} is not one of {", ".join(INPUT_DTYPES)}')
    shape = [int(d) for d in dims.replace(' ', '').split(',') if d]
    values = values.split(',') if values != '' else []
    count = math.prod(shape)
    if len(values) != count:
        raise UsageError(f'bad --input {spec!r}: shape {shape} needs {count} values, got {len(values)}')
    return name, dtype, shape, values


def to_tensor(tf, np, dtype, shape, values):
    if dtype == 'string':
        array = np.array([v.encode() for v in values], dtype=object)
    elif dtype == 'bool':
        truth = {'true': True, '1': True, 'false': False, '0': False}
        try:
            array = np.array([truth[v.strip().lower()] for v in values], dtype=bool)
        except KeyError as e:
            raise UsageError(f'bad bool value {e.args[0]!r}') from None
    else:
        try:
            array = np.array([float(v) if dtype.startswith('float') else int(v, 0) for v in values],
                             dtype=dtype)
        except ValueError as e:
            raise UsageError(f'bad {dtype} value: {e}') from None
    return tf.constant(array.reshape(shape), dtype=tf.dtypes.as_dtype(dtype))


def json_value(np, dtype, v):
    if dtype == 'string':
        return v.decode('utf-8', errors='replace')
    if dtype in ('float16', 'bfloat16', 'float32', 'float64'):
        if not math.isfinite(v):
            return None
        # The shortest decimal that reads back as the same value of the tensor's dtype.
        return float(np.format_float_positional(np.dtype(dtype).type(v), unique=True, trim='-'))
    if dtype.startswith('complex'):
        return [json_value(np, 'float64', v.real), json_value(np, 'float64', v.imag)]
    return v


def describe(np, tensor):
    dtype = tensor.dtype.name
    flat = np.asarray(tensor.numpy()).reshape(-1)
    return {'dtype': dtype, 'shape': list(tensor.shape),
            'values': [json_value(np, dtype, v) for v in flat.tolist()]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('saved_model_dir')
    parser.add_argument('--signature', default='serving_default')
    parser.add_argument('--op-library')
    parser.add_argument('--input', action='append', default=[], metavar='NAME=DTYPE[SHAPE]:VALUES')
    parser.add_argument('--serve', action='append', default=[], metavar='MODEL=VERSION:DIR')
    args = parser.parse_args()

    def fail(kind, message):
        print(json.dumps({'error': {'type': kind, 'message': message}}), flush=True)
        sys.exit(1)

    try:
        inputs = [parse_input(spec) for spec in args.input]
    except UsageError as e:
        fail('UsageError', str(e))

    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    import numpy as np
    import tensorflow as tf

    op_library = args.op_library or os.environ.get('TFSRP_OP_LIBRARY')
    if not op_library and os.path.exists(DEFAULT_OP_LIBRARY):
        op_library = DEFAULT_OP_LIBRARY
    try:
        if op_library:
            tf.load_op_library(os.path.abspath(op_library))
        for spec in args.serve:
            if not op_library:
                raise UsageError('--serve needs the op library')
            serve_in_process(op_library, spec)
        feeds = {name: to_tensor(tf, np, dtype, shape, values) for name, dtype, shape, values in inputs}
        model = tf.saved_model.load(args.saved_model_dir)
        if args.signature not in model.signatures:
            fail('KeyError', f'no signature {args.signature!r} in {args.saved_model_dir} '
                             f'(has {", ".join(sorted(model.signatures))})')
        outputs = model.signatures[args.signature](**feeds)
        result = {'outputs': {name: describe(np, outputs[name]) for name in sorted(outputs)}}
    except UsageError as e:
        fail('UsageError', str(e))
    except tf.errors.OpError as e:
        fail(type(e).__name__, e.message)
    except Exception as e:  # noqa: BLE001 - report whatever loading or calling raised
        fail(type(e).__name__, str(e))
    print(json.dumps(result), flush=True)


if __name__ == '__main__':
    main()
