'use strict';
// run(), runReturningStatus(), PredictionClient.run() and SavedModel.predict() capture their
// inputs before they return: whatever the caller then does to its buffers (mutate, transfer,
// detach, resize, drop) or to its worker (terminate, exit), the request carries the values it
// had at the call, and nothing crashes. The slow model echoes x back, so the server's view of
// the request is the reply. Also the inputs and options the addon cannot take: synchronous
// TypeError / RangeError naming them.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const v8 = require('node:v8');
const vm = require('node:vm');

const api = require('..');
const { startReferenceServer } = require('./support/reference_server');
const { deadPort } = require('./support/dead_port');
const { slowCall } = require('./support/slow_model');

const { run, runReturningStatus, PredictionClient, loadSavedModel, setTargetCredentials } = api;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const COMPOSED = path.join(__dirname, 'fixtures', 'composed');
const PLACEHOLDER = 'remote-predict-target:8500';
const KiB = 1024;
const MiB = 1024 * KiB;

function pattern(elements, seed) {
  const x = new Float32Array(elements);
  for (let i = 0; i < x.length; i++) x[i] = ((i * 31 + seed) % 4093) - 2000;
  return x;
}

const hex = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** slow echoes x after delay_ms. */
const slowEcho = (address, x, delayMs = 0) =>
  slowCall(delayMs, x, { targetAddress: address, maxRpcDeadlineMillis: 60000 });

describe('inputs are captured before the call returns', function () {
  let server;
  let client;

  before(async function () {
    server = await startReferenceServer();
    client = new PredictionClient({ targetAddress: server.address, maxRpcDeadlineMillis: 60000 });
  });

  after(async function () {
    if (server) await server.stop();
  });

  // The three entry points of a direct call, each returning a promise of the echoed y data.
  const ENTRY_POINTS = {
    'run()': (address, x, delay) => run(slowEcho(address, x, delay)).then(([y]) => y.data),
    'runReturningStatus()': (address, x, delay) =>
      runReturningStatus(slowEcho(address, x, delay)).then((r) => {
        assert.equal(r.statusCode, 0, r.statusErrorMessage);
        return r.outputTensors[0].data;
      }),
    'PredictionClient.run()': (address, x, delay) => {
      const { targetAddress, maxRpcDeadlineMillis, ...call } = slowEcho(address, x, delay);
      return client.run(call).then(([y]) => y.data);
    },
  };

  for (const [entry, call] of Object.entries(ENTRY_POINTS)) {
    describe(entry, function () {
      for (const bytes of [16 * KiB, 1 * MiB, 4 * MiB]) {
        it(`${bytes / KiB} KiB mutated right after the call returns: the server sees the old values`, async function () {
          const x = pattern(bytes / 4, 1);
          const expected = hex(x);
          const pending = call(server.address, x, 50);
          x.fill(7);
          assert.equal(hex(await pending), expected);
        });
      }

      it('4 MiB transferred away, dropped, collected and the memory reused: the server sees the values of the call', async function () {
        const x = pattern(MiB, 2);
        const expected = hex(x);
        const pending = call(server.address, x, 100);
        structuredClone(x.buffer, { transfer: [x.buffer] }); // the new owner is dropped at once
        assert.equal(x.byteLength, 0, 'the input is detached');
        gc();
        const filler = [];
        for (let i = 0; i < 16; i++) filler.push(new Float32Array(MiB).fill(-3));
        assert.equal(hex(await pending), expected);
        assert.equal(filler.length, 16);
      });

      it('a resizable ArrayBuffer shrunk to 0 right after the call: the server sees the values of the call', async function () {
        const buffer = new ArrayBuffer(4 * MiB, { maxByteLength: 8 * MiB });
        const x = new Float32Array(buffer); // length-tracking
        x.set(pattern(MiB, 3));
        const expected = hex(x);
        const pending = call(server.address, x, 50);
        buffer.resize(0);
        assert.equal(x.length, 0);
        gc();
        assert.equal(hex(await pending), expected);
      });

      it('a SharedArrayBuffer-backed input is accepted, as a copy taken at the call', async function () {
        const shared = new Float32Array(new SharedArrayBuffer(1 * MiB));
        shared.set(pattern(shared.length, 4));
        const expected = hex(new Float32Array(shared));
        const pending = call(server.address, shared, 50);
        shared.fill(9);
        assert.equal(hex(new Float32Array(await pending)), expected);
      });
    });
  }

  describe('SavedModel.predict()', function () {
    let model;

    before(async function () {
      model = await loadSavedModel(path.join(COMPOSED, 'slow_remote_predict'), {
        targetOverrides: { [PLACEHOLDER]: server.address },
      });
    });

    after(function () {
      model?.dispose();
    });

    const inputs = (x) => ({
      delay_ms: { dtype: 'int64', shape: [], data: new BigInt64Array([50n]) },
      x: { dtype: 'float32', shape: [x.length], data: x },
    });

    it('4 MiB mutated, then transferred away and collected, right after predict() returns: the graph sees the values of the call', async function () {
      const x = pattern(MiB, 5);
      const expected = hex(x);
      const pending = model.predict(inputs(x));
      x.fill(1);
      structuredClone(x.buffer, { transfer: [x.buffer] });
      gc();
      const out = await pending;
      assert.equal(hex(out[Object.keys(out)[0]].data), expected);
    });

    it('a resizable input shrunk to 0 after predict(): the graph sees the values of the call', async function () {
      const buffer = new ArrayBuffer(1 * MiB, { maxByteLength: 2 * MiB });
      const x = new Float32Array(buffer);
      x.set(pattern(x.length, 6));
      const expected = hex(x);
      const pending = model.predict(inputs(x));
      buffer.resize(0);
      const out = await pending;
      assert.equal(hex(out[Object.keys(out)[0]].data), expected);
    });
  });

  describe('worker threads that end with large calls in flight', function () {
    const rounds = Number(process.env.INPUT_CAPTURE_ROUNDS || 12); // npm run test:stress: 36
    it(`${rounds} rounds of a worker with 24 × 4 MiB calls, terminated or calling process.exit(): the process keeps working and ends normally`, async function () {
      this.timeout(240000 + rounds * 10000);
      const dead = `127.0.0.1:${await deadPort()}`;
      const options = { server: server.address, dead, rounds, calls: 24, bytes: 4 * MiB };
      const child = spawn(
        process.execPath,
        ['--expose-gc', path.join(__dirname, 'support', 'input_capture_child.js'), JSON.stringify(options)],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d) => {
        stdout += d;
      });
      child.stderr.setEncoding('utf8').on('data', (d) => {
        stderr += d;
      });
      const [code, signal] = await new Promise((resolve) => child.once('close', (c, s) => resolve([c, s])));
      const what = `exit code ${code}, signal ${signal}\nstdout:\n${stdout}\nstderr:\n${stderr}`;
      assert.equal(signal, null, what);
      assert.equal(code, 0, what);
      assert.doesNotMatch(stderr, /AddressSanitizer|runtime error:|Segmentation fault/, what);
      const result = JSON.parse(/^RESULT (.*)$/m.exec(stdout)[1]);
      assert.deepEqual(
        result.endings,
        Array.from({ length: rounds }, (_, i) => (i % 2 === 0 ? 'terminate:1' : 'exit:0')),
      );
    });
  });
});

describe('inputs and options the addon cannot take: synchronous errors naming them', function () {
  const base = (extra = {}) => ({
    targetAddress: '127.0.0.1:1',
    modelName: 'm',
    inputTensorAliases: ['x'],
    inputTensors: [{ dtype: 'float32', shape: [1], data: new Float32Array(1) }],
    outputTensorAliases: ['y'],
    outputTypes: ['float32'],
    ...extra,
  });

  it('a rank over 254: TypeError naming the input, from run() itself (no rejection)', function () {
    const shape = Array(255).fill(1);
    const options = base({ inputTensors: [{ dtype: 'float32', shape, data: new Float32Array(1) }] });
    for (const call of [run, runReturningStatus]) {
      assert.throws(() => call(options), {
        name: 'TypeError',
        message: /^inputTensors\[0\]\.shape has 255 dimensions; a TensorFlow tensor has at most 254/,
      });
    }
  });

  it('deadlines over 2^31 - 1 ms: RangeError (run(), the client, predict())', function () {
    for (const value of [2 ** 31, 7.4e12, Number.MAX_SAFE_INTEGER]) {
      assert.throws(() => run(base({ maxRpcDeadlineMillis: value })), {
        name: 'RangeError',
        message: /^maxRpcDeadlineMillis must be a positive integer \(milliseconds\) no greater than 2147483647/,
      });
      assert.throws(() => new PredictionClient({ targetAddress: 'h:1', maxRpcDeadlineMillis: value }), {
        name: 'RangeError',
      });
    }
    assert.doesNotThrow(() => run(base({ maxRpcDeadlineMillis: 2 ** 31 - 1 })).catch(() => {}));
  });

  it('a NUL inside an address: TypeError', function () {
    assert.throws(() => run(base({ targetAddress: '127.0.0.1:1\0garbage' })), {
      name: 'TypeError',
      message: /^targetAddress must not contain a NUL character/,
    });
    assert.throws(() => new PredictionClient({ targetAddress: 'a\0b:1' }), { name: 'TypeError', message: /NUL/ });
    assert.throws(() => api.setTargetOverride('a:1', 'b\0:2'), { name: 'TypeError', message: /NUL/ });
    assert.throws(() => setTargetCredentials('a\0:1', {}), { name: 'TypeError', message: /NUL/ });
  });

  it('garbage PEM: TypeError naming the credentials option (setTargetCredentials, run())', function () {
    const garbage = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
    assert.throws(() => setTargetCredentials('tls-target:1', { rootCertificates: garbage }), {
      name: 'TypeError',
      message: /^credentials\.rootCertificates: certificate 1 of 1 cannot be parsed/,
    });
    assert.throws(() => run(base({ credentials: { rootCertificates: '-----BEGIN nothing' } })), {
      name: 'TypeError',
      message: /^credentials\.rootCertificates holds no PEM certificate/,
    });
    const key = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n';
    assert.throws(() => run(base({ credentials: { privateKey: key, certificateChain: garbage } })), {
      name: 'TypeError',
      message: /^credentials\.privateKey is not a usable PEM private key/,
    });
  });

  it('a unix: path longer than a socket address holds: the error says so', async function () {
    const long = `unix:/tmp/${'d'.repeat(200)}/s.sock`; // 212 bytes after unix:
    await assert.rejects(run(base({ targetAddress: long })), {
      name: 'RemotePredictError',
      message: /the unix socket path is 212 bytes long; the limit is 107 bytes/,
    });
    const { statusCode, statusErrorMessage } = await runReturningStatus(
      base({ targetAddress: `unix:///tmp/${'e'.repeat(120)}` }),
    ).catch((error) => ({ statusCode: error.code, statusErrorMessage: error.message }));
    assert.notEqual(statusCode, 0);
    assert.match(statusErrorMessage, /the unix socket path is 125 bytes long/);
  });
});

describe('SavedModel.predict() failures say what happened', function () {
  let server;
  let model;

  before(async function () {
    server = await startReferenceServer();
    model = await loadSavedModel(path.join(COMPOSED, 'slow_remote_predict'), {
      targetOverrides: { [PLACEHOLDER]: server.address },
    });
  });

  after(async function () {
    model?.dispose();
    if (server) await server.stop();
  });

  const inputs = (delayMs) => ({
    delay_ms: { dtype: 'int64', shape: [], data: new BigInt64Array([BigInt(delayMs)]) },
    x: { dtype: 'float32', shape: [1], data: new Float32Array([1]) },
  });

  it('timeoutMillis: 1: DEADLINE_EXCEEDED naming the deadline', async function () {
    await assert.rejects(model.predict(inputs(500), { timeoutMillis: 1 }), {
      name: 'SavedModelError',
      code: 4,
      message: /^DEADLINE_EXCEEDED: the run's deadline of 1 ms was exceeded$/,
    });
  });

  it('an abort mid-call: CANCELLED naming the AbortSignal', async function () {
    const controller = new AbortController();
    const pending = model.predict(inputs(2000), { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(pending, {
      name: 'SavedModelError',
      code: 1,
      message: 'CANCELLED: the call was aborted through its AbortSignal',
    });
  });

  it('timeoutMillis over 2^31 - 1: RangeError', function () {
    assert.throws(() => model.predict(inputs(0), { timeoutMillis: 2 ** 31 }), {
      name: 'RangeError',
      message: /^options\.timeoutMillis must be/,
    });
  });
});
