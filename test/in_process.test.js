'use strict';
// Models served in this process (serveInProcess(), the target 'inprocess:'): a composed graph
// calling half_plus_two in process answers as it does over gRPC (the reference server), in
// Node, Python and C; TF Serving's status codes and messages; deadlines, cancellation and
// unserving with calls in flight.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const api = require('..');
const { startReferenceServer } = require('./support/reference_server');
const { runInPython, runInC } = require('./support/saved_model_runners');
const { slowCall } = require('./support/slow_model');

const {
  IN_PROCESS_TARGET,
  loadSavedModel,
  PredictionClient,
  RemotePredictError,
  run,
  runReturningStatus,
  SavedModelError,
  serveInProcess,
  setTargetOverride,
  unserveInProcess,
} = api;

const FIXTURES = path.resolve(__dirname, 'fixtures');
const composed = (name) => path.join(FIXTURES, 'composed', name);
const servable = (name, version) => path.join(FIXTURES, 'models', name, String(version));
const PLACEHOLDER = 'remote-predict-target:8500';
const f32 = (...values) => new Float32Array(values);
const x = (...values) => ({ x: { dtype: 'float32', shape: [values.length], data: f32(...values) } });
const text = (bytes) => Buffer.from(bytes).toString('utf8');
const values = (tensor) => (tensor.dtype === 'string' ? tensor.data.map(text) : Array.from(tensor.data, Number));
const plain = (outputs) =>
  Object.fromEntries(
    Object.entries(outputs).map(([name, t]) => [name, { dtype: t.dtype, shape: t.shape, values: values(t) }]),
  );

/**
 * assert.rejects' check: a RemotePredictError with this code (and details, when given).
 * @param {string} codeName
 * @param {string} [details]
 */
const remoteError = (codeName, details) => (/** @type {unknown} */ e) =>
  e instanceof RemotePredictError && e.codeName === codeName && (details === undefined || e.details === details);

/** half_plus_two's options for run(): y = 0.5·x + 1 (version 1) or + 2 (version 2). */
const halfPlusTwo = (targetAddress, extra = {}) => ({
  targetAddress,
  modelName: 'half_plus_two',
  inputTensorAliases: ['x'],
  inputTensors: [{ dtype: 'float32', shape: [3], data: f32(1, 2, 5) }],
  outputTensorAliases: ['y'],
  outputTypes: /** @type {const} */ (['float32']),
  ...extra,
});

describe('models served in process', function () {
  this.timeout(120000);
  let server;
  /** @type {import('..').SavedModel[]} */
  const loaded = [];
  const load = async (dir, options) => {
    const model = await loadSavedModel(dir, options);
    loaded.push(model);
    return model;
  };

  before(async function () {
    server = await startReferenceServer();
    serveInProcess('half_plus_two', await load(servable('half_plus_two', 1)), {
      version: 1,
      versionLabels: ['canary'],
    });
    serveInProcess('half_plus_two', await load(servable('half_plus_two', 2)), {
      version: 2,
      versionLabels: ['stable'],
    });
    serveInProcess('slow', await load(servable('slow', 1)));
  });

  after(async function () {
    for (const name of ['half_plus_two', 'slow', 'half_plus_two_chain']) {
      try {
        unserveInProcess(name);
      } catch (error) {
        if (!(error instanceof SavedModelError) || error.codeName !== 'NOT_FOUND') throw error;
      }
    }
    for (const model of loaded) model.dispose();
    if (server) await server.stop();
  });

  describe('a composed graph calling half_plus_two in process answers as over gRPC', function () {
    const inProcess = { [PLACEHOLDER]: IN_PROCESS_TARGET };
    for (const name of ['half_plus_two_with_remote_predict', 'table_remote_predict', 'remote_predict_status']) {
      it(name, async function () {
        const overGrpc = await load(composed(name), { targetOverrides: { [PLACEHOLDER]: server.address } });
        const local = await load(composed(name), { targetOverrides: inProcess });
        for (const signature of Object.keys(local.signatures)) {
          const expected = plain(await overGrpc.predict(x(1, 2, 5), { signature }));
          assert.deepEqual(plain(await local.predict(x(1, 2, 5), { signature })), expected, signature);
        }
      });
    }

    it('two_hop_chain: half_plus_two_chain served in process, itself calling half_plus_two in process', async function () {
      serveInProcess(
        'half_plus_two_chain',
        await load(servable('half_plus_two_chain', 1), { targetOverrides: inProcess }),
      );
      const overGrpc = await load(composed('two_hop_chain'), { targetOverrides: { [PLACEHOLDER]: server.address } });
      const local = await load(composed('two_hop_chain'), { targetOverrides: inProcess });
      const expected = plain(await overGrpc.predict(x(1, 2, 5, -4.5)));
      assert.deepEqual(plain(await local.predict(x(1, 2, 5, -4.5))), expected);
      assert.deepEqual(expected.y.values, [5, 6, 9, -0.5]);
      unserveInProcess('half_plus_two_chain');
    });

    it('the status-mode fixture gives the same code and message for a missing model', async function () {
      const overGrpc = await load(composed('remote_predict_status'), {
        targetOverrides: { [PLACEHOLDER]: server.address },
      });
      const local = await load(composed('remote_predict_status'), { targetOverrides: inProcess });
      const remote = await overGrpc.predict(x(3), { signature: 'missing_model' });
      const here = await local.predict(x(3), { signature: 'missing_model' });
      assert.equal(here.status_code.data[0], 5);
      assert.equal(here.status_code.data[0], remote.status_code.data[0]);
      assert.equal(text(here.status_message.data[0]), text(remote.status_message.data[0]));
      assert.equal(text(here.status_message.data[0]), 'Servable not found for request: Latest(no_such_model)');
    });

    it("setTargetOverride() redirects an exported gRPC address to 'inprocess:' (no re-export)", async function () {
      setTargetOverride(PLACEHOLDER, IN_PROCESS_TARGET);
      try {
        const model = await load(composed('half_plus_two_with_remote_predict'));
        assert.deepEqual(values((await model.predict(x(1, 2, 5))).y), [3, 4, 7]);
      } finally {
        setTargetOverride(PLACEHOLDER, null);
      }
    });

    it('Python and C: the same answers with half_plus_two served in their own process', async function () {
      const serve = { half_plus_two: { version: 2, dir: servable('half_plus_two', 2) } };
      for (const name of ['half_plus_two_with_remote_predict', 'remote_predict_status']) {
        const model = await load(composed(name), { targetOverrides: inProcess });
        for (const signature of Object.keys(model.signatures)) {
          const node = plain(await model.predict(x(1, 2, 5), { signature }));
          const python = await runInPython(composed(name), {
            signature,
            inputs: { x: 'float32[3]:1,2,5' },
            overrides: inProcess,
            serve,
          });
          const sig = model.signatures[signature];
          const outputNames = Object.keys(sig.outputs);
          const fromC = await runInC(composed(name), {
            inputs: { [sig.inputs.x.tensorName]: 'float32[3]:1,2,5' },
            outputs: outputNames.map((n) => sig.outputs[n].tensorName),
            overrides: inProcess,
            serve,
          });
          outputNames.forEach((output, i) => {
            assert.deepEqual(python[output], node[output], `${name} ${signature} ${output}: Python vs Node`);
            const { dtype, shape, values: cValues } = fromC[i];
            assert.deepEqual(
              { dtype, shape, values: cValues },
              node[output],
              `${name} ${signature} ${output}: C vs Node`,
            );
          });
        }
      }
    });
  });

  describe('run() and PredictionClient with the target inprocess:', function () {
    it('versions, labels, signatures and the output filter as TF Serving', async function () {
      const y = async (extra) => values((await run(halfPlusTwo(IN_PROCESS_TARGET, extra)))[0]);
      assert.deepEqual(await y({}), [2.5, 3, 4.5]); // the latest, version 2
      assert.deepEqual(await y({ modelVersion: 1 }), [1.5, 2, 3.5]);
      assert.deepEqual(await y({ versionLabel: 'canary' }), [1.5, 2, 3.5]);
      assert.deepEqual(await y({ versionLabel: 'stable' }), [2.5, 3, 4.5]);
      assert.deepEqual(await y({ signatureName: 'times_two' }), [2, 4, 10]);
      const client = new PredictionClient({
        targetAddress: IN_PROCESS_TARGET,
        modelName: 'half_plus_two',
        outputTypes: ['float32'],
      });
      const [out] = await client.run({
        inputTensorAliases: ['x'],
        inputTensors: [{ dtype: 'float32', shape: [1], data: f32(4) }],
        outputTensorAliases: ['y'],
      });
      assert.deepEqual(values(out), [4]);
      assert.equal(client.stats().finished.OK, 1);
      client.close();
    });

    it('errors: the same codes and messages as the reference server', async function () {
      /** @type {[string, Record<string, unknown>][]} */
      const cases = [
        ['unknown model', { modelName: 'no_such_model' }],
        ['unknown version', { modelVersion: 9 }],
        ['unknown label', { versionLabel: 'nightly' }],
        ['unknown signature', { signatureName: 'nope' }],
        ['missing input', { inputTensorAliases: ['z'] }],
        ['wrong dtype', { inputTensors: [{ dtype: 'int32', shape: [3], data: new Int32Array(3) }] }],
        ['wrong shape', { inputTensors: [{ dtype: 'float32', shape: [1, 3], data: f32(1, 2, 3) }] }],
        ['unknown output', { outputTensorAliases: ['nope'] }],
      ];
      for (const [what, extra] of cases) {
        const status = async (target) => {
          const r = await runReturningStatus(halfPlusTwo(target, extra));
          return { code: r.statusCode, message: r.statusErrorMessage };
        };
        const remote = await status(server.address);
        assert.notEqual(remote.code, 0, what);
        assert.deepEqual(await status(IN_PROCESS_TARGET), remote, what);
      }
    });

    it('1,000 calls in flight at once: all right, and no thread per call', async function () {
      const threads = () => fs.readdirSync('/proc/self/task').length;
      await run(halfPlusTwo(IN_PROCESS_TARGET)); // the deadline thread and the pool are up
      const before = threads();
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, threads());
      }, 5);
      const calls = Array.from({ length: 1000 }, (_, i) =>
        run(
          halfPlusTwo(IN_PROCESS_TARGET, {
            inputTensors: [{ dtype: 'float32', shape: [1], data: f32(i) }],
          }),
        ).then(([y]) => y.data[0] === 0.5 * i + 2),
      );
      peak = Math.max(peak, threads());
      const right = (await Promise.all(calls)).filter(Boolean).length;
      clearInterval(sampler);
      assert.equal(right, 1000);
      assert.ok(peak - before <= 2, `threads ${before} -> ${peak}`);
    });

    it("a target with something after 'inprocess:' is a TypeError", function () {
      assert.throws(
        () => run(halfPlusTwo('inprocess:half_plus_two')),
        (e) =>
          e instanceof TypeError &&
          /^targetAddress "inprocess:half_plus_two": the in-process server's address is 'inprocess:'/.test(e.message),
      );
    });
  });

  describe('deadlines, cancellation and unserving', function () {
    it('a deadline of 300 ms against a 2 s model: DEADLINE_EXCEEDED in under 1 s', async function () {
      const started = performance.now();
      await assert.rejects(
        run(slowCall(2000, f32(1), { targetAddress: IN_PROCESS_TARGET, deadlineMillis: 300 })),
        remoteError('DEADLINE_EXCEEDED'),
      );
      const ms = performance.now() - started;
      assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
      const [y] = await run(slowCall(50, f32(7), { targetAddress: IN_PROCESS_TARGET }));
      assert.deepEqual(values(y), [7]);
    });

    it('an abort: CANCELLED in under 1 s', async function () {
      const controller = new AbortController();
      const started = performance.now();
      const call = run(slowCall(2000, f32(1), { targetAddress: IN_PROCESS_TARGET, signal: controller.signal }));
      setTimeout(() => controller.abort(), 150);
      await assert.rejects(call, remoteError('CANCELLED'));
      assert.ok(performance.now() - started < 1000);
    });

    it('unserving with calls in flight settles them UNAVAILABLE, saying so; later calls are NOT_FOUND', async function () {
      const model = await load(servable('slow', 1));
      serveInProcess('slow', model, { version: 7 });
      const calls = [1, 2, 3].map((v) =>
        run(slowCall(3000, f32(v), { targetAddress: IN_PROCESS_TARGET, modelVersion: 7, deadlineMillis: 10000 })),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = performance.now();
      unserveInProcess('slow', 7);
      await Promise.all(
        calls.map((call) =>
          assert.rejects(
            call,
            remoteError('UNAVAILABLE', 'model slow version 7 was unserved while the call was running'),
          ),
        ),
      );
      assert.ok(performance.now() - started < 1000);
      await assert.rejects(
        run(slowCall(0, f32(1), { targetAddress: IN_PROCESS_TARGET, modelVersion: 7 })),
        remoteError('NOT_FOUND', 'Servable not found for request: Specific(slow, 7)'),
      );
      const [y] = await run(slowCall(0, f32(8), { targetAddress: IN_PROCESS_TARGET })); // version 1 still served
      assert.deepEqual(values(y), [8]);
    });

    it('dispose() of a served SavedModel unserves it', async function () {
      const model = await load(servable('half_plus_two', 1));
      serveInProcess('half_plus_two', model, { version: 5 });
      assert.deepEqual(values((await run(halfPlusTwo(IN_PROCESS_TARGET, { modelVersion: 5 })))[0]), [1.5, 2, 3.5]);
      model.dispose();
      await assert.rejects(run(halfPlusTwo(IN_PROCESS_TARGET, { modelVersion: 5 })), remoteError('NOT_FOUND'));
    });
  });

  describe('argument checks', function () {
    it('bad arguments throw TypeError / RangeError naming them; a served version twice is ALREADY_EXISTS', async function () {
      const model = await load(servable('half_plus_two', 1));
      // Deliberately invalid arguments (hence any):
      /** @type {[() => unknown, ErrorConstructor, RegExp][]} */
      const bad = [
        [() => serveInProcess(/** @type {any} */ (''), model), TypeError, /^name must be a non-empty string/],
        [() => serveInProcess('m', /** @type {any} */ ({})), TypeError, /^model must be a SavedModel/],
        [
          () => serveInProcess('m', model, /** @type {any} */ ({ version: '1' })),
          TypeError,
          /^options\.version must be an integer/,
        ],
        [
          () => serveInProcess('m', model, { version: -1 }),
          RangeError,
          /^options\.version must be an integer ≥ 0, got -1/,
        ],
        [() => serveInProcess('m', model, { version: 1.5 }), RangeError, /^options\.version/],
        [
          () => serveInProcess('m', model, /** @type {any} */ ({ versionLabels: 'stable' })),
          TypeError,
          /^options\.versionLabels must be an array/,
        ],
        [
          () => serveInProcess('m', model, { versionLabels: [''] }),
          TypeError,
          /^options\.versionLabels\[0\] must be a non-empty string/,
        ],
        [() => serveInProcess('m', model, /** @type {any} */ ({ verison: 1 })), TypeError, /unknown option 'verison'/],
        [() => unserveInProcess(/** @type {any} */ (5)), TypeError, /^name must be a non-empty string/],
        [() => unserveInProcess('m', -2), RangeError, /^version must be an integer ≥ 0/],
      ];
      for (const [call, type, pattern] of bad) {
        assert.throws(call, (e) => e instanceof type && pattern.test(e.message), String(call));
      }
      assert.throws(
        () => serveInProcess('half_plus_two', model, { version: 2 }),
        (e) =>
          e instanceof SavedModelError &&
          e.codeName === 'ALREADY_EXISTS' &&
          /half_plus_two version 2 is served already/.test(e.message),
      );
      assert.throws(
        () => unserveInProcess('never_served'),
        (e) => e instanceof SavedModelError && e.codeName === 'NOT_FOUND',
      );
      model.dispose();
      assert.throws(
        () => serveInProcess('m', model),
        (e) => e instanceof SavedModelError && e.codeName === 'FAILED_PRECONDITION',
      );
    });
  });
});
