'use strict';
// loadSavedModel() on SavedModels that contain TfServingRemotePredict, against
// the reference server over real gRPC; the same fixtures from Python and C.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { monitorEventLoopDelay, performance } = require('node:perf_hooks');

const api = require('..');
const { native } = require('../dist/native');
const { startReferenceServer } = require('./support/reference_server');
const { runInPython, runInC } = require('./support/saved_model_runners');

const { loadSavedModel, SavedModelError, setTargetOverride } = api;

const COMPOSED = path.resolve(__dirname, 'fixtures', 'composed');
const PLACEHOLDER = 'remote-predict-target:8500';
const fixture = (name) => path.join(COMPOSED, name);
const f32 = (...values) => new Float32Array(values);
const x = (...values) => ({ x: { dtype: 'float32', shape: [values.length], data: f32(...values) } });
const slowInputs = (delayMs, ...values) => ({
  delay_ms: { dtype: 'int64', shape: [], data: new BigInt64Array([BigInt(delayMs)]) },
  x: { dtype: 'float32', shape: [values.length], data: f32(...values) },
});
const text = (bytes) => Buffer.from(bytes).toString('utf8');

async function rejectsWithCode(promise, codeName, pattern) {
  /** @type {Error | undefined} */
  let caught;
  await assert.rejects(promise, (error) => {
    caught = /** @type {Error} */ (error);
    return true;
  });
  assert.ok(caught instanceof SavedModelError, `not a SavedModelError: ${caught && caught.stack}`);
  assert.equal(caught.codeName, codeName, caught.message);
  if (pattern) assert.match(caught.message, pattern);
  return caught;
}

describe('loadSavedModel() with the op inside', function () {
  let server;
  let overrides;
  const models = [];
  /**
   * @param {string} name
   * @param {import('..').LoadSavedModelOptions} [options]
   */
  const load = async (name, options = { targetOverrides: overrides }) => {
    const model = await loadSavedModel(fixture(name), options);
    models.push(model);
    return model;
  };

  /** Resolves once the server has logged `CANCELLED slow` after `mark`. */
  async function serverSawCancellation(mark) {
    const deadline = Date.now() + 3000;
    while (!/CANCELLED slow/.test(server.stderr().slice(mark)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.match(server.stderr().slice(mark), /CANCELLED slow/, 'the reference server saw the RPC cancelled');
  }

  before(async function () {
    server = await startReferenceServer();
    overrides = { [PLACEHOLDER]: server.address };
  });

  after(async function () {
    for (const model of models) model.dispose();
    if (server) await server.stop();
  });

  describe('the composed fixtures', function () {
    it('half_plus_two_with_remote_predict: signatures from the SignatureDefs, y = 0.5·x + half_plus_two(x)', async function () {
      const model = await load('half_plus_two_with_remote_predict');
      assert.deepEqual(Object.keys(model.signatures), ['serving_default']);
      const sig = model.signatures.serving_default;
      assert.deepEqual(Object.keys(sig.inputs), ['x']);
      assert.equal(sig.inputs.x.dtype, 'float32');
      assert.deepEqual(sig.inputs.x.shape, [-1]);
      assert.match(sig.inputs.x.tensorName, /:0$/);
      assert.equal(sig.outputs.y.dtype, 'float32');
      assert.deepEqual(model.tags, ['serve']);
      const { y } = await model.predict(x(1, 2, 5));
      assert.deepEqual(Array.from(/** @type {Float32Array} */ (y.data)), [3, 4, 7]);
      assert.deepEqual(y.shape, [3]);
    });

    it('remote_predict_status: status code and message come out of the graph', async function () {
      const model = await load('remote_predict_status');
      const ok = await model.predict(x(1, 2, 5));
      assert.equal(ok.status_code.data[0], 0);
      assert.equal(text(ok.status_message.data[0]), '');
      assert.deepEqual(Array.from(/** @type {Float32Array} */ (ok.y.data)), [2.5, 3, 4.5]);
      const missing = await model.predict(x(1, 2, 5), { signature: 'missing_model' });
      assert.equal(missing.status_code.data[0], 5);
      assert.match(text(missing.status_message.data[0]), /no_such_model/);
      assert.deepEqual(missing.y.shape, []);
      assert.deepEqual(Array.from(/** @type {Float32Array} */ (missing.y.data)), [0]);
    });

    it('two_hop_chain: the server runs a model that itself calls the op', async function () {
      const model = await load('two_hop_chain');
      const { y } = await model.predict(x(1, 2, 5));
      assert.deepEqual(Array.from(/** @type {Float32Array} */ (y.data)), [5, 6, 9]);
    });

    it('table_remote_predict: the init op fills the table the signature reads, y = 10·half_plus_two(x)', async function () {
      const model = await load('table_remote_predict');
      const { y } = await model.predict(x(1, 2, 5));
      assert.deepEqual(Array.from(/** @type {Float32Array} */ (y.data)), [25, 30, 45]);
    });

    it('dead_target: UNAVAILABLE as a SavedModelError', async function () {
      const model = await load('dead_target');
      await rejectsWithCode(model.predict(x(1)), 'UNAVAILABLE');
    });

    it('without an override the exported placeholder address is dialled (and fails)', async function () {
      const model = await load('half_plus_two_with_remote_predict', {});
      await rejectsWithCode(model.predict(x(1)), 'UNAVAILABLE', /remote-predict-target/);
    });

    it('setTargetOverride() redirects graphs process-wide, until removed', async function () {
      const unused = 'unused-placeholder:1';
      setTargetOverride(PLACEHOLDER, server.address);
      try {
        const model = await load('half_plus_two_with_remote_predict', {});
        assert.deepEqual(Array.from(/** @type {Float32Array} */ ((await model.predict(x(2))).y.data)), [4]);
      } finally {
        setTargetOverride(PLACEHOLDER, null);
      }
      const after = await load('half_plus_two_with_remote_predict', {});
      await rejectsWithCode(after.predict(x(1)), 'UNAVAILABLE');
      assert.throws(() => setTargetOverride('', 'a:1'), TypeError);
      assert.throws(() => setTargetOverride(unused, /** @type {any} */ (5)), TypeError); // deliberately not a string
    });
  });

  describe('deadlines and cancellation reach the RPC', function () {
    it('deadlineMillis 300 against a 2 s remote model: DEADLINE_EXCEEDED in under 1 s; the server sees the cancel', async function () {
      const model = await load('slow_remote_predict');
      const mark = server.stderr().length;
      const started = performance.now();
      await rejectsWithCode(
        model.predict(slowInputs(2000, 1), { deadlineMillis: 300 }),
        'DEADLINE_EXCEEDED',
        /the run's deadline of 300 ms was exceeded/,
      );
      const ms = performance.now() - started;
      assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
      await serverSawCancellation(mark);
    });

    it('a deadline longer than the run, under either name, lets it finish', async function () {
      const model = await load('slow_remote_predict');
      for (const options of [
        { deadlineMillis: 5000 },
        { timeoutMillis: 5000 },
        { deadlineMillis: undefined, timeoutMillis: 5000 },
      ]) {
        const { y } = await model.predict(slowInputs(100, 3, -3), options);
        assert.deepEqual(Array.from(/** @type {Float32Array} */ (y.data)), [3, -3], JSON.stringify(options));
      }
    });

    it('timeoutMillis (deprecated alias) 300 against a 2 s remote model: DEADLINE_EXCEEDED in under 1 s; the server sees the cancel', async function () {
      const model = await load('slow_remote_predict');
      const mark = server.stderr().length;
      const started = performance.now();
      await rejectsWithCode(model.predict(slowInputs(2000, 1), { timeoutMillis: 300 }), 'DEADLINE_EXCEEDED');
      const ms = performance.now() - started;
      assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
      await serverSawCancellation(mark);
    });

    it('an abort: CANCELLED in under 1 s; the server sees the cancel', async function () {
      const model = await load('slow_remote_predict');
      const controller = new AbortController();
      const mark = server.stderr().length;
      const started = performance.now();
      const call = model.predict(slowInputs(2000, 1), { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('stop')), 150);
      const error = await rejectsWithCode(call, 'CANCELLED');
      assert.equal(/** @type {Error} */ (error.cause).message, 'stop');
      assert.ok(performance.now() - started < 1000);
      await serverSawCancellation(mark);
      await rejectsWithCode(model.predict(slowInputs(0, 1), { signal: controller.signal }), 'CANCELLED');
    });
  });

  describe('same answers from Node, Python and C', function () {
    const cases = [
      { name: 'half_plus_two_with_remote_predict', signature: 'serving_default', values: [1, 2, 5] },
      { name: 'remote_predict_status', signature: 'serving_default', values: [1, 2, 5] },
      { name: 'remote_predict_status', signature: 'missing_model', values: [3] },
      { name: 'two_hop_chain', signature: 'serving_default', values: [1, 2, 5, -4.5] },
      { name: 'table_remote_predict', signature: 'serving_default', values: [1, 2, 5] },
    ];
    const values = (tensor) => (tensor.dtype === 'string' ? tensor.data.map(text) : Array.from(tensor.data, Number));

    for (const c of cases) {
      it(`${c.name} (${c.signature})`, async function () {
        const model = await load(c.name);
        const sig = model.signatures[c.signature];
        const node = await model.predict(x(...c.values), { signature: c.signature });
        const spec = `float32[${c.values.length}]:${c.values.join(',')}`;
        const python = await runInPython(fixture(c.name), { signature: c.signature, inputs: { x: spec }, overrides });
        const outputNames = Object.keys(sig.outputs);
        const fromC = await runInC(fixture(c.name), {
          inputs: { [sig.inputs.x.tensorName]: spec },
          outputs: outputNames.map((n) => sig.outputs[n].tensorName),
          overrides,
        });
        const side = outputNames.map((name, i) => ({
          output: name,
          node: { dtype: node[name].dtype, shape: node[name].shape, values: values(node[name]) },
          python: python[name],
          c: { dtype: fromC[i].dtype, shape: fromC[i].shape, values: fromC[i].values },
        }));
        this.test.title += ` ${JSON.stringify(side.map((s) => [s.output, s.node.values]))}`;
        for (const s of side) {
          assert.deepEqual(s.python, s.node, `${s.output}: Python vs Node`);
          assert.deepEqual(s.c, s.node, `${s.output}: C vs Node`);
        }
      });
    }
  });

  describe('errors', function () {
    it('a missing directory, a file, a directory that is not a SavedModel', async function () {
      await rejectsWithCode(loadSavedModel(fixture('no_such_fixture')), 'NOT_FOUND', /no_such_fixture does not exist/);
      await rejectsWithCode(
        loadSavedModel(`${fixture('dead_target')}.signatures.json`),
        'INVALID_ARGUMENT',
        /is not a directory/,
      );
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'not-a-saved-model-'));
      await rejectsWithCode(loadSavedModel(empty), 'NOT_FOUND', /is not a SavedModel: it has no saved_model\.pb/);
    });

    it('an unknown tag set, naming the ones there are', async function () {
      await rejectsWithCode(
        loadSavedModel(fixture('dead_target'), { tags: ['gpu'] }),
        'NOT_FOUND',
        /no MetaGraph with the tags \[gpu\]; its tag sets are \[serve\]/,
      );
    });

    it('a graph using an op this process does not have fails to load, naming the op', async function () {
      await rejectsWithCode(
        loadSavedModel(fixture('unregistered_op'), { targetOverrides: overrides }),
        'NOT_FOUND',
        /uses the op 'NotARegisteredOp' \(node '.*'\), which is not registered in this process/,
      );
    });

    it('bad arguments to loadSavedModel() throw synchronously', function () {
      assert.throws(
        () => loadSavedModel(''),
        (e) => e instanceof TypeError && /^exportDir/.test(e.message),
      );
      // Deliberately invalid options:
      assert.throws(
        () => loadSavedModel(fixture('dead_target'), /** @type {any} */ ({ tags: 'serve' })),
        (e) => e instanceof TypeError && /^options\.tags/.test(e.message),
      );
      assert.throws(
        () => loadSavedModel(fixture('dead_target'), /** @type {any} */ ({ targetOverrides: { a: 1 } })),
        (e) => e instanceof TypeError && /^options\.targetOverrides\['a'\]/.test(e.message),
      );
      assert.throws(
        () => loadSavedModel(fixture('dead_target'), /** @type {any} */ ({ tag: ['serve'] })),
        (e) => e instanceof TypeError && /unknown option 'tag'/.test(e.message),
      );
    });

    it('unknown signature, missing and extra inputs, wrong dtype or shape, bad options: TypeError / RangeError', async function () {
      const model = await load('remote_predict_status');
      // Deliberately invalid inputs and options (hence any).
      /** @type {[any, any, ErrorConstructor, RegExp][]} */
      const bad = [
        [
          x(1),
          { signature: 'nope' },
          TypeError,
          /^options\.signature 'nope' is not a signature of .*; its signatures are 'missing_model', 'serving_default'/,
        ],
        [{}, {}, TypeError, /^inputs is missing 'x' of signature 'serving_default', which takes 'x'/],
        [{ ...x(1), z: x(1).x }, {}, TypeError, /^inputs has 'z', which signature 'serving_default' does not take/],
        [
          { x: { dtype: 'int32', shape: [1], data: new Int32Array(1) } },
          {},
          TypeError,
          /^inputs\.x\.dtype must be 'float32' \(signature 'serving_default'\), got 'int32'/,
        ],
        [
          { x: { dtype: 'float32', shape: [1, 1], data: f32(1) } },
          {},
          RangeError,
          /^inputs\.x\.shape \[1, 1\] does not fit \[-1\]/,
        ],
        [{ x: { dtype: 'float32', shape: [2], data: f32(1) } }, {}, RangeError, /^inputs\.x\.data/],
        [
          x(1),
          { outputs: ['nope'] },
          TypeError,
          /^options\.outputs\[0\] must be an output of signature 'serving_default'/,
        ],
        [x(1), { timeoutMillis: 0 }, RangeError, /^options\.timeoutMillis must be a positive integer/],
        [
          x(1),
          { deadlineMillis: 0 },
          RangeError,
          /^options\.deadlineMillis must be a positive integer \(milliseconds\) no greater than 2147483647/,
        ],
        [x(1), { deadlineMillis: 2 ** 31 }, RangeError, /^options\.deadlineMillis must be a positive integer/],
        [x(1), { deadlineMillis: '5' }, TypeError, /^options\.deadlineMillis must be a positive integer .* got "5"$/],
        [
          x(1),
          { deadlineMillis: 5, timeoutMillis: 5 },
          TypeError,
          /^options\.deadlineMillis and options\.timeoutMillis were both given: they are one option \(timeoutMillis is its deprecated name\); give only deadlineMillis$/,
        ],
        [
          x(1),
          { deadlineMillis: 5, timeoutMillis: 0 },
          TypeError,
          /^options\.deadlineMillis and options\.timeoutMillis were both given/,
        ],
        [x(1), { signal: {} }, TypeError, /^options\.signal must be an AbortSignal/],
        [x(1), { deadline: 5 }, TypeError, /unknown option 'deadline'/],
      ];
      for (const [inputs, options, type, pattern] of bad) {
        assert.throws(
          () => model.predict(inputs, options),
          (e) => e instanceof type && pattern.test(e.message),
          `${pattern}`,
        );
      }
      const { y } = await model.predict(x(4), { outputs: ['y'] });
      assert.deepEqual(Array.from(/** @type {Float32Array} */ (y.data)), [4]);
    });
  });

  describe('concurrency and dispose()', function () {
    it('64 concurrent predict() calls on a composed model are all correct; the event loop stays responsive', async function () {
      const model = await load('slow_remote_predict');
      const histogram = monitorEventLoopDelay({ resolution: 10 });
      histogram.enable();
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: 64 }, (_, i) => model.predict(slowInputs(200, i, -i))));
      const ms = performance.now() - started;
      histogram.disable();
      results.forEach(({ y }, i) =>
        assert.deepEqual(Array.from(/** @type {Float32Array} */ (y.data)), [i, -i], `call ${i}`),
      );
      const maxDelayMs = histogram.max / 1e6;
      this.test.title += ` (${ms.toFixed(0)} ms; event loop delay max ${maxDelayMs.toFixed(1)} ms)`;
      // A run holding the event loop would delay it by at least one 200 ms call.
      assert.ok(maxDelayMs < 150, `event loop delayed by ${maxDelayMs} ms`);
    });

    it('96 concurrent predict() calls of a 300 ms remote call finish in about one delay; the thread count stays flat', async function () {
      // A run waiting on its RPC holds no thread: blocking one thread per run would take
      // 300 ms × 96 / (the pool's threads) instead.
      const model = await load('slow_remote_predict');
      await Promise.all(Array.from({ length: 8 }, (_, i) => model.predict(slowInputs(0, i)))); // warm
      const threads = () => fs.readdirSync('/proc/self/task').length;
      const before = threads();
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, threads());
      }, 5);
      const started = performance.now();
      const calls = Array.from({ length: 96 }, (_, i) => model.predict(slowInputs(300, i, -i)));
      peak = Math.max(peak, threads());
      const results = await Promise.all(calls);
      const ms = performance.now() - started;
      clearInterval(sampler);
      results.forEach(({ y }, i) =>
        assert.deepEqual(Array.from(/** @type {Float32Array} */ (y.data)), [i, -i], `call ${i}`),
      );
      this.test.title += ` (${ms.toFixed(0)} ms; threads ${before} -> ${peak})`;
      assert.ok(ms < 3 * 300, `96 calls took ${ms.toFixed(0)} ms`);
      assert.ok(peak - before <= 2, `the thread count grew from ${before} to ${peak}`);
    });

    it('dispose() with calls in flight: they reject CANCELLED, the server sees it, the session is freed', async function () {
      const liveBefore = native.liveSavedModelSessions();
      const model = await loadSavedModel(fixture('slow_remote_predict'), { targetOverrides: overrides });
      assert.equal(native.liveSavedModelSessions(), liveBefore + 1);
      const mark = server.stderr().length;
      const calls = Array.from({ length: 8 }, (_, i) => model.predict(slowInputs(3000, i)));
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(model.pendingCalls, 8);
      const started = performance.now();
      model.dispose();
      model.dispose(); // idempotent
      const settled = await Promise.allSettled(calls);
      assert.ok(performance.now() - started < 1000, 'in-flight calls settled promptly');
      for (const r of settled) {
        assert.equal(r.status, 'rejected');
        assert.equal(r.reason.codeName, 'CANCELLED');
        assert.match(r.reason.message, /disposed while the call was in flight/);
      }
      await serverSawCancellation(mark);
      await rejectsWithCode(model.predict(slowInputs(0, 1)), 'FAILED_PRECONDITION', /has been disposed/);
      assert.equal(native.liveSavedModelSessions(), liveBefore, 'the session was freed');
      assert.ok(model.disposed);
    });
  });
});
