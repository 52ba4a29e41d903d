#!/usr/bin/env python3
"""Generates the test SavedModels.

  python3 scripts/generate_fixtures.py [--out DIR] [--composed-out DIR] [--op-library PATH] [--force]

Served models (TF Serving layout <model>/<version>/saved_model.pb) go to --out
(test/fixtures/models): half_plus_two, all_dtypes, slow, and half_plus_two_chain, which
itself calls half_plus_two through the TfServingRemotePredict op.

Composed models (plain SavedModel dirs containing the op, for clients) go to --composed-out
(test/fixtures/composed), each with <name>.signatures.json beside it listing, per signature,
the graph tensor name, dtype and shape of every input and output. Every op in them dials
the placeholder address remote-predict-target:8500 (map it to a server with
TFSRP_TARGET_OVERRIDES or TfsrpSetTargetOverride), except dead_target's.

The composed models need the op library (built first): --op-library, else $TFSRP_OP_LIBRARY,
else build/Release/libtfserving_remote_predict_op.so. Skips the work when both output dirs
already hold models made by this exact script (hash stamp).
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, 'test', 'fixtures', 'models')
DEFAULT_COMPOSED_OUT = os.path.join(ROOT, 'test', 'fixtures', 'composed')
DEFAULT_OP_LIBRARY = os.path.join(ROOT, 'build', 'Release', 'libtfserving_remote_predict_op.so')

# The address every composed model's op dials, unless overridden at run time.
PLACEHOLDER_TARGET = 'remote-predict-target:8500'
DEADLINE_MS = 5000
SLOW_DEADLINE_MS = 60000
DEAD_TARGET = '127.0.0.1:1'
DEAD_TARGET_DEADLINE_MS = 3000
UNREGISTERED_OP = 'NotARegisteredOp'

# JS dtype name (docs/ARCHITECTURE.md#tensors-in-javascript) -> TF dtype name.
ALL_DTYPES = {
    'float32': 'float32', 'float64': 'float64', 'int32': 'int32', 'int64': 'int64',
    'uint64': 'uint64', 'uint32': 'uint32', 'int16': 'int16', 'uint16': 'uint16',
    'int8': 'int8', 'uint8': 'uint8', 'bool': 'bool', 'float16': 'float16',
    'bfloat16': 'bfloat16', 'complex64': 'complex64', 'complex128': 'complex128',
    'string': 'string',
}


def script_hash():
    with open(os.path.abspath(__file__), 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def save(tf, module, path, signatures):
    tf.saved_model.save(module, path, signatures=signatures)
    print(f'wrote {path}', file=sys.stderr)


def half_plus_two(tf, out):
    x_spec = tf.TensorSpec([None], tf.float32, name='x')
    for version, offset in ((1, 1.0), (2, 2.0)):
        m = tf.Module()
        m.predict = tf.function(lambda x, b=offset: {'y': 0.5 * x + b}, input_signature=[x_spec])
        m.times_two = tf.function(lambda x: {'y': 2.0 * x}, input_signature=[x_spec])
        save(tf, m, os.path.join(out, 'half_plus_two', str(version)),
             {'serving_default': m.predict, 'times_two': m.times_two})
    with open(os.path.join(out, 'half_plus_two', 'labels.json'), 'w') as f:
        json.dump({'stable': 2, 'canary': 1}, f)


def all_dtypes(tf, out):
    names = list(ALL_DTYPES)
    specs = [tf.TensorSpec(None, tf.dtypes.as_dtype(ALL_DTYPES[n]), name=n) for n in names]
    m = tf.Module()
    m.identity = tf.function(
        lambda *args: {f'{n}_out': tf.identity(a) for n, a in zip(names, args)},
        input_signature=specs)
    save(tf, m, os.path.join(out, 'all_dtypes', '1'), {'serving_default': m.identity})


def slow(tf, out):
    from tensorflow.python.data.experimental.ops import testing as data_testing

    @tf.function(input_signature=[tf.TensorSpec([], tf.int64, name='delay_ms'),
                                  tf.TensorSpec([None], tf.float32, name='x')])
    def delayed_identity(delay_ms, x):
        # SleepDataset waits on a condition variable (no CPU) and honours cancellation; it sleeps
        # before every GetNext, so take(1) keeps get_single_element from sleeping a second time.
        ds = tf.data.Dataset.from_tensors(x).apply(data_testing.sleep(delay_ms * 1000)).take(1)
        return {'y': ds.get_single_element()}

    m = tf.Module()
    m.delayed_identity = delayed_identity
    save(tf, m, os.path.join(out, 'slow', '1'), {'serving_default': delayed_identity})


# ---------------------------------------------------------------------------------------------
# Models containing the TfServingRemotePredict op.

def remote_predict(ops, tf, model_name, aliases, tensors, output_aliases, output_types, *,
                   target_address=PLACEHOLDER_TARGET, fail_op_on_rpc_error=True,
                   max_rpc_deadline_millis=DEADLINE_MS):
    """One TfServingRemotePredict node; returns (status_code, status_error_message, outputs)."""
    return ops.tf_serving_remote_predict(
        input_tensor_aliases=tf.constant(aliases, tf.string),
        input_tensors=list(tensors),
        output_tensor_aliases=tf.constant(output_aliases, tf.string),
        target_address=target_address,
        model_name=model_name,
        model_version=-1,
        fail_op_on_rpc_error=fail_op_on_rpc_error,
        max_rpc_deadline_millis=max_rpc_deadline_millis,
        signature_name='serving_default',
        output_types=list(output_types))


def x_signature(tf):
    return [tf.TensorSpec([None], tf.float32, name='x')]


def half_plus_two_chain(tf, ops, out):
    """Served model: y = 2 * half_plus_two(x), the inner call going through the op."""
    @tf.function(input_signature=x_signature(tf), autograph=False)
    def predict(x):
        _, _, (inner,) = remote_predict(ops, tf, 'half_plus_two', ['x'], [x], ['y'], [tf.float32])
        return {'y': 2.0 * inner}

    m = tf.Module()
    m.predict = predict
    save(tf, m, os.path.join(out, 'half_plus_two_chain', '1'), {'serving_default': predict})


def half_plus_two_with_remote_predict(tf, ops, path):
    """y = w * x + half_plus_two(x) with a variable w = 0.5 (so loading restores a variable)."""
    m = tf.Module()
    m.w = tf.Variable(0.5, dtype=tf.float32, name='w')

    @tf.function(input_signature=x_signature(tf), autograph=False)
    def predict(x):
        _, _, (b,) = remote_predict(ops, tf, 'half_plus_two', ['x'], [x], ['y'], [tf.float32])
        return {'y': m.w * x + b}

    m.predict = predict
    save(tf, m, path, {'serving_default': predict})


def remote_predict_status(tf, ops, path):
    """Status mode: the op's status code and message are outputs next to y."""
    def status_call(model_name):
        @tf.function(input_signature=x_signature(tf), autograph=False)
        def predict(x):
            code, message, (y,) = remote_predict(ops, tf, model_name, ['x'], [x], ['y'], [tf.float32],
                                                 fail_op_on_rpc_error=False)
            return {'status_code': code, 'status_message': message, 'y': y}
        return predict

    m = tf.Module()
    m.predict = status_call('half_plus_two')
    m.missing_model = status_call('no_such_model')
    save(tf, m, path, {'serving_default': m.predict, 'missing_model': m.missing_model})


def two_hop_chain(tf, ops, path):
    @tf.function(input_signature=x_signature(tf), autograph=False)
    def predict(x):
        _, _, (y,) = remote_predict(ops, tf, 'half_plus_two_chain', ['x'], [x], ['y'], [tf.float32])
        return {'y': y}

    m = tf.Module()
    m.predict = predict
    save(tf, m, path, {'serving_default': predict})


def dead_target(tf, ops, path):
    @tf.function(input_signature=x_signature(tf), autograph=False)
    def predict(x):
        _, _, (y,) = remote_predict(ops, tf, 'half_plus_two', ['x'], [x], ['y'], [tf.float32],
                                    target_address=DEAD_TARGET,
                                    max_rpc_deadline_millis=DEAD_TARGET_DEADLINE_MS)
        return {'y': y}

    m = tf.Module()
    m.predict = predict
    save(tf, m, path, {'serving_default': predict})


def slow_remote_predict(tf, ops, path):
    @tf.function(input_signature=[tf.TensorSpec([], tf.int64, name='delay_ms'),
                                  tf.TensorSpec([None], tf.float32, name='x')], autograph=False)
    def predict(delay_ms, x):
        _, _, (y,) = remote_predict(ops, tf, 'slow', ['delay_ms', 'x'], [delay_ms, x], ['y'],
                                    [tf.float32], max_rpc_deadline_millis=SLOW_DEADLINE_MS)
        return {'y': y}

    m = tf.Module()
    m.predict = predict
    save(tf, m, path, {'serving_default': predict})


def table_remote_predict(tf, ops, path):
    """y = scale * half_plus_two(x), scale = 10 read from a lookup table that only the init op
    (__saved_model_init_op) fills: a loader that skips the init op fails the run."""
    m = tf.Module()
    m.table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant(['scale']), tf.constant([10.0])),
        default_value=-1.0)

    @tf.function(input_signature=x_signature(tf), autograph=False)
    def predict(x):
        _, _, (y,) = remote_predict(ops, tf, 'half_plus_two', ['x'], [x], ['y'], [tf.float32])
        return {'y': m.table.lookup(tf.constant('scale')) * y}

    m.predict = predict
    save(tf, m, path, {'serving_default': predict})


def read_saved_model_proto(path):
    from tensorflow.core.protobuf import saved_model_pb2
    proto = saved_model_pb2.SavedModel()
    with open(os.path.join(path, 'saved_model.pb'), 'rb') as f:
        proto.ParseFromString(f.read())
    return proto


def unregistered_op(tf, ops, path, source):
    """A copy of `source` (half_plus_two_with_remote_predict) whose Mul, in the function the
    serving signature calls, has the unregistered op type NotARegisteredOp. Python's loader
    rebuilds every function body, so tf.saved_model.load fails; a C/C++ session fails when
    it instantiates the signature's functions."""
    shutil.copytree(source, path)
    proto = read_saved_model_proto(path)
    edited = []
    for meta_graph in proto.meta_graphs:
        for function in meta_graph.graph_def.library.function:
            op_types = {node.op for node in function.node_def}
            if 'TfServingRemotePredict' not in op_types:
                continue  # not the model's body (signature wrapper, save, restore)
            for node in function.node_def:
                if node.op == 'Mul':
                    node.op = UNREGISTERED_OP
                    edited.append(f'{function.signature.name}/{node.name}')
    if len(edited) != 1:
        raise RuntimeError(f'expected exactly one Mul next to the op in {source}, edited {edited}')
    with open(os.path.join(path, 'saved_model.pb'), 'wb') as f:
        f.write(proto.SerializeToString())
    print(f'edited {edited[0]} in {path}: op type {UNREGISTERED_OP}', file=sys.stderr)


def signature_listing(tf, path):
    """{signature: {inputs: {name: {tensor, dtype, shape}}, outputs: {...}}} from the serve
    MetaGraphDef's SignatureDefs; shape is null for an unknown rank, -1 for an unknown dim."""
    def describe(tensor_infos):
        described = {}
        for name in sorted(tensor_infos):
            info = tensor_infos[name]
            shape = info.tensor_shape
            described[name] = {
                'tensor': info.name,
                'dtype': tf.dtypes.as_dtype(info.dtype).name,
                'shape': None if shape.unknown_rank else [d.size for d in shape.dim],
            }
        return described

    proto = read_saved_model_proto(path)
    serve = [mg for mg in proto.meta_graphs if 'serve' in mg.meta_info_def.tags]
    if len(serve) != 1:
        raise RuntimeError(f'{path}: expected one MetaGraphDef tagged serve, found {len(serve)}')
    signatures = serve[0].signature_def
    return {key: {'inputs': describe(signatures[key].inputs),
                  'outputs': describe(signatures[key].outputs)}
            for key in sorted(signatures) if key != '__saved_model_init_op'}


COMPOSED = (
    ('half_plus_two_with_remote_predict', half_plus_two_with_remote_predict),
    ('remote_predict_status', remote_predict_status),
    ('two_hop_chain', two_hop_chain),
    ('dead_target', dead_target),
    ('slow_remote_predict', slow_remote_predict),
    ('table_remote_predict', table_remote_predict),
)


def composed(tf, ops, out):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, '.gitignore'), 'w') as f:
        f.write('# generated by scripts/generate_fixtures.py\n*\n')
    names = [name for name, _ in COMPOSED] + ['unregistered_op']
    for name in names:
        shutil.rmtree(os.path.join(out, name), ignore_errors=True)
    for name, builder in COMPOSED:
        builder(tf, ops, os.path.join(out, name))
    unregistered_op(tf, ops, os.path.join(out, 'unregistered_op'),
                    os.path.join(out, 'half_plus_two_with_remote_predict'))
    for name in names:
        listing_path = os.path.join(out, f'{name}.signatures.json')
        with open(listing_path, 'w') as f:
            json.dump(signature_listing(tf, os.path.join(out, name)), f, indent=2, sort_keys=True)
            f.write('\n')
        print(f'wrote {listing_path}', file=sys.stderr)


def read_stamp(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', default=DEFAULT_OUT, help='served models (default: %(default)s)')
    parser.add_argument('--composed-out', default=DEFAULT_COMPOSED_OUT,
                        help='composed client-side models (default: %(default)s)')
    parser.add_argument('--op-library', default=os.environ.get('TFSRP_OP_LIBRARY') or DEFAULT_OP_LIBRARY,
                        help='the op library (default: $TFSRP_OP_LIBRARY or %(default)s)')
    parser.add_argument('--force', action='store_true', help='regenerate even when up to date')
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    composed_out = os.path.abspath(args.composed_out)
    stamp_paths = [os.path.join(out, '.stamp'), os.path.join(composed_out, '.stamp')]
    digest = script_hash()
    if not args.force and all(read_stamp(p) == digest for p in stamp_paths):
        print(f'fixtures up to date in {out} and {composed_out}', file=sys.stderr)
        return
    op_library = os.path.abspath(args.op_library)
    if not os.path.exists(op_library):
        sys.exit(f'generate_fixtures.py: op library not found: {op_library}\n'
                 'build it first (npx cmake-js build), or pass --op-library / set TFSRP_OP_LIBRARY')

    started = time.monotonic()
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    import tensorflow as tf
    ops = tf.load_op_library(op_library)

    for stamp_path in stamp_paths:
        if os.path.exists(stamp_path):
            os.remove(stamp_path)
    os.makedirs(out, exist_ok=True)
    for builder, name in ((half_plus_two, 'half_plus_two'), (all_dtypes, 'all_dtypes'), (slow, 'slow')):
        shutil.rmtree(os.path.join(out, name), ignore_errors=True)
        builder(tf, out)
    shutil.rmtree(os.path.join(out, 'half_plus_two_chain'), ignore_errors=True)
    half_plus_two_chain(tf, ops, out)
    composed(tf, ops, composed_out)
    for stamp_path in stamp_paths:
        with open(stamp_path, 'w') as f:
            f.write(digest + '\n')
    print(f'fixtures written in {time.monotonic() - started:.1f} s', file=sys.stderr)


if __name__ == '__main__':
    main()
