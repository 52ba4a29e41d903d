'use strict';
// Scenarios for test/process_life.test.js, each run in its own process:
//
//   node process_life_child.js <scenario> '<json options>'
//
// It writes one line per event to stdout: `EVENT <name> <Date.now()> <json>`. The parent
// reads them: `last-callback` is the last thing the scenario's code does (its exit must
// follow promptly), `result` carries what the scenario found. Nothing here calls
// process.exit unless the scenario is about exiting.
//
// The same file is the body of the worker threads of the `workers` scenario
// (workerData.role === 'worker').
const assert = require('node:assert/strict');
const path = require('node:path');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

const { slowCall } = require('./slow_model');

const ROOT = path.resolve(__dirname, '..', '..');
const COMPOSED = path.join(ROOT, 'test', 'fixtures', 'composed');
const PLACEHOLDER = 'remote-predict-target:8500';
const api = () => require(ROOT);

function emit(name, detail = {}) {
  process.stdout.write(`EVENT ${name} ${Date.now()} ${JSON.stringify(detail)}\n`);
}

const f32 = (...values) => new Float32Array(values);

function halfPlusTwo(address, values) {
  return {
    targetAddress: address,
    modelName: 'half_plus_two',
    inputTensorAliases: ['x'],
    inputTensors: [{ dtype: 'float32', shape: [values.length], data: f32(...values) }],
    outputTensorAliases: ['y'],
    outputTypes: ['float32'],
  };
}

function slow(address, delayMs, value, extra = {}) {
  return slowCall(delayMs, f32(value), { targetAddress: address, maxRpcDeadlineMillis: 120000, ...extra });
}

const x = (...values) => ({ x: { dtype: 'float32', shape: [values.length], data: f32(...values) } });
const slowInputs = (delayMs, value) => ({
  delay_ms: { dtype: 'int64', shape: [], data: new BigInt64Array([BigInt(delayMs)]) },
  x: { dtype: 'float32', shape: [1], data: f32(value) },
});

function loadComposed(name, address) {
  return api().loadSavedModel(path.join(COMPOSED, name), { targetOverrides: { [PLACEHOLDER]: address } });
}

/** 0.5·x + 2, exactly as float32 computes it. */
const expectedHalfPlusTwo = (values) => Array.from(f32(...values.map((v) => Math.fround(0.5 * v) + 2)));
/** half_plus_two_with_remote_predict: 0.5·x + (0.5·x + 2). */
const expectedComposed = (values) =>
  values.map((v) => Math.fround(Math.fround(0.5 * v) + Math.fround(Math.fround(0.5 * v) + 2)));

// (a) Nothing pending after using the API: the process must exit by itself.
const idle = {
  async run({ address }) {
    const [y] = await api().run(halfPlusTwo(address, [1, 2, 5]));
    assert.deepEqual(Array.from(y.data), [2.5, 3, 4.5]);
    const status = await api().runReturningStatus(halfPlusTwo(address, [4]));
    assert.equal(status.statusCode, 0);
    emit('last-callback', { y: Array.from(y.data) });
  },

  async 'failed-call'({ deadAddress }) {
    const error = await api()
      .run({ ...halfPlusTwo(deadAddress, [1]), maxRpcDeadlineMillis: 5000 })
      .then(
        () => null,
        (e) => e,
      );
    assert.ok(error, 'the call to a dead port succeeded');
    assert.equal(error.codeName, 'UNAVAILABLE', error.message);
    const status = await api().runReturningStatus(halfPlusTwo(deadAddress, [1]));
    assert.equal(status.statusCode, 14);
    emit('last-callback', { codeName: error.codeName });
  },

  async 'aborted-call'({ address }) {
    // The server is still sleeping on it when the process has nothing left to do.
    const controller = new AbortController();
    const call = api().run(slow(address, 3000, 1, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    const error = await call.then(
      () => null,
      (e) => e,
    );
    assert.equal(error && error.codeName, 'CANCELLED', error && error.message);
    emit('last-callback', { codeName: error.codeName });
  },

  async 'saved-model-disposed'({ address }) {
    const model = await loadComposed('half_plus_two_with_remote_predict', address);
    const { y } = await model.predict(x(1, 2, 5));
    assert.deepEqual(Array.from(y.data), expectedComposed([1, 2, 5]));
    model.dispose();
    emit('last-callback', { y: Array.from(y.data) });
  },

  async 'saved-model-kept'({ address }) {
    const model = await loadComposed('half_plus_two_with_remote_predict', address);
    const { y } = await model.predict(x(1, 2, 5));
    assert.deepEqual(Array.from(y.data), expectedComposed([1, 2, 5]));
    globalThis.keptModel = model; // never disposed
    emit('last-callback', { y: Array.from(y.data) });
  },
};

// (b) process.exit() with calls in flight.
const exiting = {
  async 'exit-with-calls-in-flight'({ address, calls = 100, afterMs = 300, code = 0, spread = false }) {
    await api().run(halfPlusTwo(address, [0])); // channel and kernel exist
    let settled = 0;
    // spread: delays over 50–650 ms, so calls keep completing while the process exits.
    const delay = (i) => (spread ? 50 + ((i * 37) % 600) : 10000);
    for (let i = 0; i < calls; i++) {
      api()
        .run(slow(address, delay(i), i))
        .then(
          () => {
            settled++;
          },
          () => {
            settled++;
          },
        );
    }
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    emit('exiting', { inFlight: calls - settled });
    process.exit(code);
  },

  async 'exit-at-once-with-calls-in-flight'({ address, calls = 100 }) {
    // Calls still being scheduled (not yet on the wire) when the process leaves.
    for (let i = 0; i < calls; i++)
      api()
        .run(slow(address, 10000, i))
        .catch(() => {});
    emit('exiting', { inFlight: calls });
    process.exit(0);
  },

  async 'exit-with-saved-model-runs-in-flight'({ address, runs = 8, afterMs = 500, spread = false }) {
    const model = await loadComposed('slow_remote_predict', address);
    let settled = 0;
    const delay = (i) => (spread ? afterMs - 200 + ((i * 37) % 400) : 10000);
    for (let i = 0; i < runs; i++) {
      model.predict(slowInputs(delay(i), i)).then(
        () => {
          settled++;
        },
        () => {
          settled++;
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    emit('exiting', { inFlight: runs - settled });
    process.exit(0);
  },
};

// (c) Worker threads.
async function workerBody({ task, address, id, calls = 20 }) {
  const { run } = api();
  if (task === 'work') {
    const values = Array.from({ length: calls }, (_, i) => id * 1000 + i);
    const outputs = await Promise.all(values.map((v) => run(halfPlusTwo(address, [v, -v]))));
    outputs.forEach(([y], i) => assert.deepEqual(Array.from(y.data), expectedHalfPlusTwo([values[i], -values[i]])));
    const model = await loadComposed('half_plus_two_with_remote_predict', address);
    const { y } = await model.predict(x(id, 2 * id));
    assert.deepEqual(Array.from(y.data), expectedComposed([id, 2 * id]));
    model.dispose();
    parentPort.postMessage({ done: true, calls: outputs.length, predicted: Array.from(y.data) });
    return; // and the worker ends by itself
  }
  if (task === 'hang') {
    // Calls and SavedModel runs in flight when the main thread terminates this worker
    // (it does as soon as it hears from us, in about 300 ms): most complete within
    // 0.2–0.6 s, so around and just after the worker's environment is torn down, the
    // rest up to 1.6 s later, with the process still alive.
    await run(halfPlusTwo(address, [0]));
    const model = await loadComposed('slow_remote_predict', address);
    const delay = (i) => (i % 5 === 4 ? 600 + ((i * 37) % 1000) : 200 + ((i * 7) % 400));
    for (let i = 0; i < calls; i++) run(slow(address, delay(i), i)).catch(() => {});
    for (let i = 0; i < 8; i++) model.predict(slowInputs(delay(i * 3), id)).catch(() => {});
    setTimeout(() => parentPort.postMessage({ inFlight: true }), 300);
    setInterval(() => {}, 1000); // never ends by itself
  }
}

function startWorker(data) {
  const worker = new Worker(__filename, { workerData: { role: 'worker', ...data } });
  const messages = [];
  const exited = new Promise((resolve, reject) => {
    worker.on('message', (m) => messages.push(m));
    worker.on('error', reject);
    worker.on('exit', (code) => resolve(code));
  });
  const message = () =>
    new Promise((resolve, reject) => {
      if (messages.length) return resolve(messages.shift());
      worker.once('message', () => resolve(messages.shift()));
      worker.once('error', reject);
    });
  return { worker, exited, message };
}

const workers = {
  async workers({ address, count = 4, calls = 20, mainLoadsFirst = true, terminateRounds = 5 }) {
    if (mainLoadsFirst) await api().run(halfPlusTwo(address, [1]));
    // Round 1: `count` workers at once, each with its own calls and a SavedModel predict.
    const round = async (base) => {
      const started = Array.from({ length: count }, (_, i) =>
        startWorker({ task: 'work', address, id: base + i + 1, calls }),
      );
      const results = await Promise.all(started.map((w) => w.message()));
      const codes = await Promise.all(started.map((w) => w.exited));
      return { results, codes };
    };
    const first = await round(0);
    // Workers terminated with calls and SavedModel runs in flight, 2 at a time, `terminateRounds`
    // times in a row: completions keep arriving while, and after, their environments go.
    const terminated = [];
    for (let r = 0; r < terminateRounds; r++) {
      const hanging = [0, 1].map((i) => startWorker({ task: 'hang', address, id: 101 + 2 * r + i, calls: 100 }));
      await Promise.all(hanging.map((w) => w.message()));
      terminated.push(...(await Promise.all(hanging.map((w) => w.worker.terminate()))));
    }
    // The last of their calls and runs complete up to 1.6 s later, into environments that are gone.
    await new Promise((resolve) => setTimeout(resolve, 1800));
    // The main thread and new workers keep working afterwards.
    const [y] = await api().run(halfPlusTwo(address, [7]));
    assert.deepEqual(Array.from(y.data), [5.5]);
    const model = await loadComposed('half_plus_two_with_remote_predict', address);
    const composed = Array.from((await model.predict(x(4))).y.data);
    model.dispose();
    const second = await round(10);
    emit('result', {
      first,
      second,
      terminated,
      mainAfter: Array.from(y.data),
      composedAfter: composed,
      mainLoaded: mainLoadsFirst,
    });
    emit('last-callback');
  },
};

const scenarios = { ...idle, ...exiting, ...workers };

if (!isMainThread && workerData && workerData.role === 'worker') {
  workerBody(workerData).catch((error) => {
    throw error;
  });
} else if (require.main === module) {
  const [name, json = '{}'] = process.argv.slice(2);
  const scenario = scenarios[name];
  if (!scenario) {
    console.error(`unknown scenario ${name}; one of ${Object.keys(scenarios).join(', ')}`);
    process.exitCode = 2;
  } else {
    emit('start', { scenario: name });
    scenario(JSON.parse(json)).catch((error) => {
      emit('failed', { message: String(error && error.stack) });
      process.exitCode = 1;
    });
  }
}
