'use strict';
// @tensorflow/tfjs tensors as inputs (recognised structurally: the package does
// not depend on tfjs) and toTfjs() on outputs, over gRPC against the reference server.
const assert = require('node:assert/strict');

const api = require('..');
const { startReferenceServer } = require('./support/reference_server');

let tf;
try {
  tf = require('@tensorflow/tfjs');
} catch {
  tf = undefined;
}

const utf8 = (text) => new TextEncoder().encode(text);

const { NON_TFJS, tfjsInputs } = require('./support/non_tfjs_inputs');

describe('tfjs tensors', function () {
  let server;

  before(async function () {
    if (!tf) this.skip();
    server = await startReferenceServer();
  });

  after(async function () {
    if (server) await server.stop();
  });

  it('package.json keeps tfjs out of dependencies', function () {
    const pkg = require('../package.json');
    assert.equal((pkg.dependencies || {})['@tensorflow/tfjs'], undefined);
    assert.ok(pkg.devDependencies['@tensorflow/tfjs']);
  });

  it('a tfjs tensor is an input; toTfjs() makes the output a tfjs tensor', async function () {
    const x = tf.tensor1d([1, 2, 5]);
    assert.ok(api.isTfjsTensor(x));
    const [y] = await api.run({
      targetAddress: server.address,
      modelName: 'half_plus_two',
      inputTensorAliases: ['x'],
      inputTensors: [x],
      outputTensorAliases: ['y'],
      outputTypes: ['float32'],
    });
    const yTf = api.toTfjs(y, tf);
    assert.ok(yTf instanceof tf.Tensor);
    assert.equal(yTf.dtype, 'float32');
    assert.deepEqual(yTf.shape, [3]);
    assert.deepEqual(Array.from(yTf.dataSync()), [2.5, 3, 4.5]);
    tf.dispose([x, yTf]);
  });

  it('float32, int32, bool, string and complex64 tfjs tensors round-trip through all_dtypes', async function () {
    const fromTfjs = tfjsInputs(tf);
    const names = Object.keys(api.DTYPES);
    const inputs = names.map((dtype) => fromTfjs[dtype] || { dtype, ...NON_TFJS[dtype] });
    const outputs = await api.run({
      targetAddress: server.address,
      modelName: 'all_dtypes',
      inputTensorAliases: names,
      inputTensors: inputs,
      outputTensorAliases: names.map((n) => `${n}_out`),
      outputTypes: names,
    });
    const byName = Object.fromEntries(names.map((n, i) => [n, outputs[i]]));

    assert.deepEqual(
      /** @type {Uint8Array[]} */ (byName.string.data).map((b) => Buffer.from(b).toString()),
      ['', 'héllo', 'a,b'],
    );
    assert.deepEqual(Array.from(/** @type {Uint8Array} */ (byName.bool.data)), [1, 0, 1]);
    assert.deepEqual(Array.from(/** @type {Float32Array} */ (byName.complex64.data)), [1, 2, -3, 4]);

    for (const [dtype, original] of Object.entries(fromTfjs)) {
      const back = api.toTfjs(byName[dtype], tf);
      assert.equal(back.dtype, original.dtype, dtype);
      assert.deepEqual(back.shape, original.shape, dtype);
      if (dtype === 'string') {
        assert.deepEqual(back.dataSync(), original.dataSync());
        assert.deepEqual(
          back.bytes ? (await back.bytes()).map((b) => Array.from(b)) : null,
          ['', 'héllo', 'a,b'].map((s) => Array.from(utf8(s))),
        );
      } else {
        assert.deepEqual(Array.from(back.dataSync()), Array.from(original.dataSync()), dtype);
      }
      tf.dispose(back);
    }
    assert.throws(
      () => api.toTfjs(byName.int64, tf),
      (e) => e instanceof TypeError && /^toTfjs: tfjs has no dtype 'int64'.*BigInt64Array/.test(e.message),
    );
    tf.dispose(Object.values(fromTfjs));
  });

  it('a disposed tfjs tensor is a TypeError naming the input, before any call', function () {
    const x = tf.tensor1d([1]);
    x.dispose();
    assert.throws(
      () =>
        api.run({
          targetAddress: server.address,
          modelName: 'half_plus_two',
          inputTensorAliases: ['x'],
          inputTensors: [x],
          outputTensorAliases: ['y'],
          outputTypes: ['float32'],
        }),
      (e) =>
        e instanceof TypeError && /^inputTensors\[0\] is a tfjs tensor whose values cannot be read/.test(e.message),
    );
  });
});
