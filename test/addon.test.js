'use strict';
// The addon loads into Node, registers the op and checks the libtensorflow
// version. (Graphs holding the op: saved_model.test.js.)
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const api = require('..');

const ROOT = path.resolve(__dirname, '..');

/**
 * A prepared call (a native handle) for a target nothing listens on.
 * @param {import('../dist/native').NativeAddon} native
 * @returns {import('../dist/native').NativePreparedCall}
 */
function prepareUnusedCall(native) {
  return native.prepare({
    targetAddress: '127.0.0.1:1',
    modelName: 'm',
    modelVersion: -1,
    versionLabel: '',
    signatureName: 'serving_default',
    maxRpcDeadlineMillis: 1000,
    failOpOnRpcError: true,
    inputTensorAliases: [],
    inputTypes: [],
    outputTensorAliases: [],
    outputTypes: [],
    maxSendMessageBytes: 0,
    maxReceiveMessageBytes: 0,
    tlsCredentialsId: 0,
    channelOptions: '',
  });
}

describe('addon', function () {
  it('runs on the libtensorflow it was built against', function () {
    assert.equal(api.tensorflowVersion, '2.21.0');
  });

  it("registers TfServingRemotePredict in the process's TensorFlow; the standard ops come with the SavedModel half", function () {
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        `
      const api = require('.');
      const before = api.registeredOps();
      api.loadSavedModel('test/fixtures/composed/half_plus_two_with_remote_predict').then((model) => {
        model.dispose();
        const after = api.registeredOps();
        process.stdout.write(JSON.stringify([before.includes('TfServingRemotePredict'), before.includes('MatMul'), after.includes('MatMul')]));
      });`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), [true, false, true]);
  });

  it('refuses to load into a libtensorflow of another version', function () {
    const fake = path.join(ROOT, 'build', 'Release', 'libfake_tensorflow_version.so');
    const child = spawnSync(process.execPath, ['-e', "require('.')"], {
      cwd: ROOT,
      env: { ...process.env, LD_PRELOAD: fake },
      encoding: 'utf8',
    });
    assert.equal(child.status, 1, child.stderr);
    assert.match(
      child.stderr,
      /libtensorflow 2\.99\.0 is loaded in this process, but tfserving-remote-predict was built against libtensorflow 2\.21\.0/,
    );
  });

  it('native handles are type-tagged: a handle of another kind, or any other value, is a TypeError naming the argument', function () {
    const { native } = require('../dist/native');
    const { awaitResult } = require('../dist/call-results');
    const prepared = prepareUnusedCall(native);
    const handle = native.call(
      prepared,
      [],
      awaitResult(() => {}),
      true,
    );
    // @ts-expect-error -- deliberately the other kind of handle: the addon must refuse it
    assert.throws(() => native.cancel(prepared), {
      name: 'TypeError',
      message: 'handle is not a handle of the right kind',
    });
    // @ts-expect-error -- deliberately the other kind of handle: the addon must refuse it
    assert.throws(() => native.call(handle, [], 0, false), {
      name: 'TypeError',
      message: 'prepared is not a handle of the right kind',
    });
    for (const wrong of /** @type {any[]} */ ([{}, 42, null, undefined])) {
      // deliberately not handles
      assert.throws(() => native.cancel(wrong), { name: 'TypeError' });
      assert.throws(() => native.call(wrong, [], 0, false), { name: 'TypeError' });
    }
    native.cancel(handle);
  });

  it('SavedModel and run handles are type-tagged too: another kind of handle, or any other value, is a TypeError naming the argument', async function () {
    const { native } = require('../dist/native');
    const { nativeSavedModelOf } = require('../dist/saved-model');
    const model = await api.loadSavedModel(path.join(ROOT, 'test', 'fixtures', 'models', 'half_plus_two', '1'));
    const handle = nativeSavedModelOf(model);
    assert.ok(handle !== undefined);
    const { x } = model.signatures.serving_default.inputs;
    const { y } = model.signatures.serving_default.outputs;
    const request = {
      inputs: [{ tensorName: x.tensorName, tensor: { dtype: 1, shape: [1], data: new Float32Array([2]) } }],
      outputs: [y.tensorName],
      timeoutMillis: 0,
    };
    /** @type {Promise<import('../dist/native').NativeSavedModelRunResult>} */
    const finished = new Promise((resolve) => {
      const run = native.runSavedModel(handle, request, resolve);
      // @ts-expect-error -- deliberately the other kind of handle: the addon must refuse it
      assert.throws(() => native.cancelSavedModelRun(handle), {
        name: 'TypeError',
        message: 'handle is not a handle of the right kind',
      });
      // @ts-expect-error -- deliberately the other kind of handle: the addon must refuse it
      assert.throws(() => native.runSavedModel(run, request, () => {}), {
        name: 'TypeError',
        message: 'model is not a handle of the right kind',
      });
      // @ts-expect-error -- deliberately the other kind of handle: the addon must refuse it
      assert.throws(() => native.disposeSavedModel(run), {
        name: 'TypeError',
        message: 'model is not a handle of the right kind',
      });
      // @ts-expect-error -- deliberately the other kind of handle: the addon must refuse it
      assert.throws(() => native.serveInProcess(run, 'm', 1, []), {
        name: 'TypeError',
        message: 'model is not a handle of the right kind',
      });
    });
    const prepared = prepareUnusedCall(native);
    // @ts-expect-error -- a handle of the other module: the addon must refuse it
    assert.throws(() => native.disposeSavedModel(prepared), {
      name: 'TypeError',
      message: 'model is not a handle of the right kind',
    });
    for (const wrong of /** @type {any[]} */ ([{}, 42, null, undefined])) {
      // deliberately not handles
      assert.throws(() => native.cancelSavedModelRun(wrong), { name: 'TypeError' });
      assert.throws(() => native.runSavedModel(wrong, request, () => {}), { name: 'TypeError' });
      assert.throws(() => native.disposeSavedModel(wrong), { name: 'TypeError' });
    }
    const result = await finished;
    assert.equal(result.code, 0, result.message);
    assert.deepEqual(Array.from(new Float32Array(/** @type {ArrayBuffer} */ (result.outputs?.[0].data))), [2]);
    model.dispose();
  });
});
