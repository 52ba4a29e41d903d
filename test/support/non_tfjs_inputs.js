'use strict';
// The all_dtypes inputs of the tfjs tests: tfjs tensors for the dtypes tfjs has (float32, int32,
// bool, string and complex64), made with the given tfjs module (@tensorflow/tfjs or tfjs-node),
// and plain tensors for the others.

/** @param {any} tf a tfjs module */
function tfjsInputs(tf) {
  return {
    float32: tf.tensor2d([
      [1.5, -0],
      [NaN, Infinity],
    ]),
    int32: tf.tensor1d([-(2 ** 31), 2 ** 31 - 1], 'int32'),
    bool: tf.tensor([true, false, true], [3], 'bool'),
    string: tf.tensor(['', 'héllo', 'a,b'], [3], 'string'),
    complex64: tf.complex([1, -3], [2, 4]),
  };
}

const NON_TFJS = {
  float64: { shape: [1], data: new Float64Array([0.1]) },
  int64: { shape: [1], data: new BigInt64Array([-(2n ** 63n)]) },
  uint64: { shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) },
  uint32: { shape: [1], data: new Uint32Array([1]) },
  int16: { shape: [1], data: new Int16Array([1]) },
  uint16: { shape: [1], data: new Uint16Array([1]) },
  int8: { shape: [1], data: new Int8Array([1]) },
  uint8: { shape: [1], data: new Uint8Array([1]) },
  float16: { shape: [1], data: new Uint16Array([0x3c00]) },
  bfloat16: { shape: [1], data: new Uint16Array([0x3f80]) },
  complex128: { shape: [1], data: new Float64Array([1, 2]) },
};

module.exports = { NON_TFJS, tfjsInputs };
