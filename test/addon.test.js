'use strict';
// The addon loads into Node, registers the op, checks the libtensorflow
// version, and a graph holding the op returns the right numbers over gRPC.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const api = require('..');
const { startReferenceServer } = require('./support/reference_server');
const { deadPort } = require('./support/dead_port');

const ROOT = path.resolve(__dirname, '..');


describe('addon', function () {
  let server;

  before(async function () {
    server = await startReferenceServer();
  });

  after(async function () {
    if (server) await server.stop();
  });

  it('runs on the libtensorflow it was built against', function () {
    assert.equal(api.tensorflowVersion, '2.21.0');
  });

  it("registers TfServingRemotePredict in the process's TensorFlow", function () {
    const ops = api.registeredOps();
    assert.ok(ops.includes('TfServingRemotePredict'));
    assert.ok(ops.includes('MatMul'), 'the standard ops are there too');
  });

  it('refuses to load into a libtensorflow of another version', function () {
    const fake = path.join(ROOT, 'build', 'Release', 'libfake_tensorflow_version.so');
    const child = spawnSync(process.execPath, ['-e', "require('.')"], {
      cwd: ROOT,
      env: { ...process.env, LD_PRELOAD: fake },
      encoding: 'utf8',
    });
    assert.equal(child.status, 1, child.stderr);
    assert.match(child.stderr, /libtensorflow 2\.99\.0 is loaded in this process, but tfserving-remote-predict was built against libtensorflow 2\.21\.0/);
  });

  it('runs half_plus_two through a graph holding the op', async function () {
    const result = await api.runRemotePredictGraph({
      targetAddress: server.address,
      modelName: 'half_plus_two',
      inputTensorAliases: ['x'],
      inputTensors: [{ dtype: 'float32', shape: [3], data: new Float32Array([1, 2, 5]) }],
      outputTensorAliases: ['y'],
      outputTypes: ['float32'],
    });
    assert.equal(result.statusCode, 0);
    assert.equal(result.statusErrorMessage, '');
    assert.deepEqual(result.outputTensors[0].shape, [3]);
    assert.deepEqual(Array.from(result.outputTensors[0].data), [2.5, 3.0, 4.5]);
  });

  it('reports UNAVAILABLE for a dead port in status mode, with a zero scalar output', async function () {
    const result = await api.runRemotePredictGraph({
      targetAddress: `127.0.0.1:${await deadPort()}`,
      modelName: 'half_plus_two',
      failOpOnRpcError: false,
      inputTensorAliases: ['x'],
      inputTensors: [{ dtype: 'float32', shape: [1], data: new Float32Array([1]) }],
      outputTensorAliases: ['y'],
      outputTypes: ['float32'],
    });
    assert.equal(result.statusCode, 14);
    assert.notEqual(result.statusErrorMessage, '');
    assert.deepEqual(result.outputTensors[0].shape, []);
    assert.deepEqual(Array.from(result.outputTensors[0].data), [0]);
  });

  it('fails the step with the gRPC code in fail mode', async function () {
    await assert.rejects(
      api.runRemotePredictGraph({
        targetAddress: server.address,
        modelName: 'no_such_model',
        inputTensorAliases: ['x'],
        inputTensors: [{ dtype: 'float32', shape: [1], data: new Float32Array([1]) }],
        outputTensorAliases: ['y'],
        outputTypes: ['float32'],
      }),
      (error) => error instanceof api.GraphRunError && error.code === 5,
    );
  });
});
