'use strict';
// Plain inputs for the all_dtypes dtypes tfjs lacks (tfjs has float32, int32, bool, string and
// complex64): the tfjs tests send these as plain tensors next to tfjs ones.

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

module.exports = { NON_TFJS };
