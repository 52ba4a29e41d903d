'use strict';
// What a process pays for requiring the package: direct calls (run(), runReturningStatus(),
// PredictionClient) never map libtensorflow_cc (the SavedModel half loads it on the first
// loadSavedModel()); loading is silent and leaves process.env alone; a missing native build
// says what to run. Each case runs in a child process with a clean environment.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startReferenceServer } = require('./support/reference_server');

const ROOT = path.resolve(__dirname, '..');
const COMPOSED = path.join(ROOT, 'test', 'fixtures', 'composed');

/** Runs `body` (an async function's source, given `api`, `address`) in a child; returns its report. */
function inChild(body, { address = '', env = {}, root = ROOT } = {}) {
  const script = `
    const fs = require('node:fs');
    const mapped = (name) => fs.readFileSync('/proc/self/maps', 'utf8').includes(name);
    (async () => {
      const report = {};
      const api = require(${JSON.stringify(root)});
      await (${body})(api, ${JSON.stringify(address)}, report, mapped);
      process.stdout.write(JSON.stringify(report));
    })().catch((error) => { process.stdout.write(JSON.stringify({ error: error.message })); });
  `;
  const clean = { ...process.env };
  for (const name of ['TF_CPP_MIN_LOG_LEVEL', 'TF_CPP_MAX_VLOG_LEVEL', 'GRPC_VERBOSITY', 'GRPC_TRACE'])
    delete clean[name];
  const child = spawnSync(process.execPath, ['-e', script], {
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.equal(child.status, 0, child.stderr);
  return { report: JSON.parse(child.stdout), stderr: child.stderr };
}

const halfPlusTwo = (address) => ({
  targetAddress: address,
  modelName: 'half_plus_two',
  inputTensorAliases: ['x'],
  inputTensors: [{ dtype: 'float32', shape: [3], data: new Float32Array([1, 2, 5]) }],
  outputTensorAliases: ['y'],
  outputTypes: ['float32'],
});

describe('footprint of a process that requires the package', function () {
  let server;

  before(async function () {
    server = await startReferenceServer();
  });

  after(async function () {
    if (server) await server.stop();
  });

  it('run(), runReturningStatus() and PredictionClient never map libtensorflow_cc; the first loadSavedModel() does, and then works', function () {
    const { report, stderr } = inChild(
      `async (api, address, report, mapped) => {
      const call = (${halfPlusTwo})(address);
      report.afterRequire = mapped('libtensorflow_cc');
      report.run = Array.from((await api.run(call))[0].data);
      report.status = (await api.runReturningStatus(call)).statusCode;
      const { targetAddress, ...perCall } = call;
      report.client = Array.from((await new api.PredictionClient({ targetAddress }).run(perCall))[0].data);
      report.afterCalls = mapped('libtensorflow_cc');
      report.framework = mapped('libtensorflow_framework');
      api.setTargetOverride('remote-predict-target:8500', address);
      const model = await api.loadSavedModel(${JSON.stringify(path.join(COMPOSED, 'half_plus_two_with_remote_predict'))});
      report.predicted = Array.from((await model.predict({ x: call.inputTensors[0] })).y.data);
      model.dispose();
      report.afterLoad = mapped('libtensorflow_cc');
      report.env = process.env.TF_CPP_MIN_LOG_LEVEL ?? null;
    }`,
      { address: server.address },
    );
    assert.deepEqual(report, {
      afterRequire: false,
      run: [2.5, 3, 4.5],
      status: 0,
      client: [2.5, 3, 4.5],
      afterCalls: false,
      framework: true,
      predicted: [3, 4, 7],
      afterLoad: true,
      env: null,
    });
    assert.equal(stderr, '', 'nothing on stderr at load, on successful calls or on loading a SavedModel');
  });

  it("TF_CPP_MIN_LOG_LEVEL=0 is the user's way to see TensorFlow's own log lines", function () {
    const { stderr } = inChild(
      `async (api, address, report) => {
      api.setTargetOverride('remote-predict-target:8500', address);
      (await api.loadSavedModel(${JSON.stringify(path.join(COMPOSED, 'half_plus_two_with_remote_predict'))})).dispose();
    }`,
      { address: server.address, env: { TF_CPP_MIN_LOG_LEVEL: '0' } },
    );
    assert.match(stderr, /Reading SavedModel from/);
  });

  it('without its native build, require() names the file and says what to run', function () {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsrp-unbuilt-'));
    try {
      fs.cpSync(path.join(ROOT, 'dist'), path.join(copy, 'dist'), { recursive: true });
      fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(copy, 'package.json'));
      const { report } = inChild('async () => {}', { root: copy });
      assert.match(
        report.error,
        /^tfserving-remote-predict: its native build is missing or broken \(.*tfsrp_tensorflow_guard\.node: no such file\)\. Run `npm rebuild tfserving-remote-predict`/,
      );
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});
