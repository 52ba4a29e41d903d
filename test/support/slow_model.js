'use strict';
// Calls of the reference server's `slow` model, which echoes x (float32[n]) back as y after
// sleeping delay_ms: a request that stays in flight as long as a test needs, and whose
// reply shows exactly what the server received.

/**
 * The options of a run() call of `slow` (no targetAddress); `extra` is merged in.
 * @template {{}} E
 * @param {number} delayMs
 * @param {Float32Array} x
 * @param {E} [extra]
 */
function slowCall(delayMs, x, extra = /** @type {E} */ ({})) {
  return {
    modelName: 'slow',
    inputTensorAliases: ['delay_ms', 'x'],
    inputTensors: [
      { dtype: 'int64', shape: [], data: new BigInt64Array([BigInt(delayMs)]) },
      { dtype: 'float32', shape: [x.length], data: x },
    ],
    outputTensorAliases: ['y'],
    outputTypes: /** @type {const} */ (['float32']), // outputs typed Tensor<'float32'>
    ...extra,
  };
}

module.exports = { slowCall };
