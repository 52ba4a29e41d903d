#!/usr/bin/env python3
"""Generates the test SavedModels (TF Serving layout <model>/<version>/saved_model.pb).

Skips the work when OUT already holds models made by this exact script (hash stamp).
"""
import argparse
import hashlib
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, 'test', 'fixtures', 'models')

# JS dtype name (DESIGN.md §5) -> TF dtype name.
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


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--out', default=DEFAULT_OUT)
    parser.add_argument('--force', action='store_true')
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    stamp_path = os.path.join(out, '.stamp')
    digest = script_hash()
    if not args.force and os.path.exists(stamp_path):
        with open(stamp_path) as f:
            if f.read().strip() == digest:
                print(f'fixtures up to date in {out}', file=sys.stderr)
                return

    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    import tensorflow as tf

    if os.path.exists(stamp_path):
        os.remove(stamp_path)
    for builder, name in ((half_plus_two, 'half_plus_two'), (all_dtypes, 'all_dtypes'), (slow, 'slow')):
        shutil.rmtree(os.path.join(out, name), ignore_errors=True)
        builder(tf, out)
    with open(stamp_path, 'w') as f:
        f.write(digest + '\n')


if __name__ == '__main__':
    main()
