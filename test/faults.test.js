'use strict';
// Faults: the server killed with calls in flight, the server restarted on the same port,
// servers that never answer (a silent TCP listener and a gRPC handler that never returns),
// messages over gRPC's 4 MiB default, and configured message size limits.
// Each fault is its own `it`; titles carry the counts (calls, timings) for the record.
const assert = require('node:assert/strict');
const net = require('node:net');
const { performance } = require('node:perf_hooks');

const api = require('..');
const { startReferenceServer } = require('./support/reference_server');
const { startHostileServer } = require('./support/hostile_server');
const slowModel = require('./support/slow_model');

const { run, runReturningStatus, PredictionClient, RemotePredictError, StatusCode } = api;

const f32 = (...values) => new Float32Array(values);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let faultCases = 0;
let faultCalls = 0;

function note(test, text) {
  test.title += ` (${text})`;
  console.log(`      ${text}`);
}

/** The reference server without the op library (the plain fixtures are all these tests need), killable. */
const startKillableServer = (port = 0) => startReferenceServer({ opLibrary: null, port });

const slowCall = (delayMs, x = f32(7, -7)) => slowModel.slowCall(delayMs, x);

/** Settles a promise into { ok, value | error, ms } with ms measured from `t0()` at settlement. */
function settleTimed(promise, t0) {
  return promise.then(
    (value) => ({ ok: true, value, at: performance.now() - t0() }),
    (error) => ({ ok: false, error, at: performance.now() - t0() }),
  );
}

function assertRemoteError(error, codeNames, what) {
  assert.ok(error instanceof RemotePredictError, `${what}: not a RemotePredictError: ${error && error.stack}`);
  assert.ok(
    codeNames.includes(error.codeName),
    `${what}: ${error.codeName} (${error.details}), expected ${codeNames.join(' or ')}`,
  );
  assert.equal(error.code, StatusCode[error.codeName]);
  assert.ok(error.details.length > 0, `${what}: empty details`);
}

describe('faults', function () {
  this.timeout(180000);

  after(function () {
    console.log(`      fault cases run: ${faultCases}; calls made: ${faultCalls}`);
  });

  describe('the server dies', function () {
    it('SIGKILL with 200 calls in flight: every call settles UNAVAILABLE/CANCELLED within 2 s of the kill, none hangs', async function () {
      const server = await startKillableServer();
      try {
        // Deadlines far beyond the test: a DEADLINE_EXCEEDED here would mean a call hung.
        const client = new PredictionClient({ targetAddress: server.address, maxRpcDeadlineMillis: 600000 });
        assert.deepEqual(Array.from((await client.run(slowCall(0)))[0].data), [7, -7]);
        const N_FAIL = 150;
        const N_STATUS = 50;
        let killedAt = null;
        const sinceKill = () => (killedAt === null ? -Infinity : killedAt);
        const calls = [];
        for (let i = 0; i < N_FAIL; i++) calls.push(settleTimed(client.run(slowCall(5000, f32(i))), sinceKill));
        for (let i = 0; i < N_STATUS; i++)
          calls.push(settleTimed(client.runReturningStatus(slowCall(5000, f32(i))), sinceKill));
        faultCalls += 1 + N_FAIL + N_STATUS;
        await sleep(1500); // all 200 reach the server's handlers (512 workers) and sleep there
        killedAt = performance.now();
        await server.kill();
        const results = await Promise.all(calls);
        const codes = {};
        let latest = 0;
        results.forEach((r, i) => {
          const what = `call ${i}`;
          latest = Math.max(latest, r.at);
          if (i < N_FAIL) {
            assert.equal(r.ok, false, `${what} resolved after the server was killed`);
            assertRemoteError(r.error, ['UNAVAILABLE', 'CANCELLED'], what);
            codes[r.error.codeName] = (codes[r.error.codeName] || 0) + 1;
          } else {
            assert.equal(r.ok, true, `${what} (status mode) rejected: ${r.error && r.error.message}`);
            const { statusCode, statusErrorMessage, outputTensors } = r.value;
            assert.ok(
              [StatusCode.UNAVAILABLE, StatusCode.CANCELLED].includes(statusCode),
              `${what}: status ${statusCode} ${statusErrorMessage}`,
            );
            assert.notEqual(statusErrorMessage, '');
            assert.deepEqual(
              outputTensors.map((t) => [t.dtype, t.shape.length]),
              [['float32', 0]],
            );
            codes[`status ${statusCode}`] = (codes[`status ${statusCode}`] || 0) + 1;
          }
          assert.ok(r.at >= 0, `${what} settled before the kill (${r.at} ms)`);
          assert.ok(r.at < 2000, `${what} settled ${r.at.toFixed(0)} ms after the kill`);
        });
        faultCases++;
        note(
          this.test,
          `${N_FAIL + N_STATUS} calls in flight (${N_FAIL} run, ${N_STATUS} status mode): ${JSON.stringify(codes)}, the last settled ${latest.toFixed(0)} ms after SIGKILL`,
        );
      } finally {
        await server.kill();
      }
    });

    it('restarted on the same port: later calls on the same PredictionClient succeed', async function () {
      const first = await startKillableServer();
      let second;
      try {
        const client = new PredictionClient({ targetAddress: first.address, maxRpcDeadlineMillis: 2000 });
        assert.deepEqual(Array.from((await client.run(slowCall(0, f32(1))))[0].data), [1]);
        await first.kill();
        const down = await settleTimed(client.run(slowCall(0, f32(2))), () => 0);
        assert.equal(down.ok, false);
        assertRemoteError(down.error, ['UNAVAILABLE'], 'a call while the server is down');
        second = await startKillableServer(first.port);
        assert.equal(second.port, first.port);
        // gRPC reconnects with backoff (1 s, then ×1.6 with jitter); calls meanwhile fail fast.
        const readyAt = performance.now();
        let attempts = 0;
        let value;
        const failures = {};
        while (performance.now() - readyAt < 10000) {
          attempts++;
          try {
            [value] = await client.run(slowCall(0, f32(3, 4)));
            break;
          } catch (e) {
            assert.ok(e instanceof RemotePredictError, e.stack);
            failures[e.codeName] = (failures[e.codeName] || 0) + 1;
            await sleep(100);
          }
        }
        const ms = performance.now() - readyAt;
        faultCalls += 2 + attempts;
        assert.ok(value, `no call succeeded within 10 s of the restart (${JSON.stringify(failures)})`);
        assert.deepEqual(Array.from(value.data), [3, 4]);
        // And it stays healthy: a burst on the same client.
        const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => client.run(slowCall(0, f32(i)))));
        burst.forEach(([y], i) => assert.deepEqual(Array.from(y.data), [i]));
        faultCalls += 20;
        faultCases++;
        note(
          this.test,
          `first success ${ms.toFixed(0)} ms after the new server was ready, after ${attempts} attempt(s) ${JSON.stringify(failures)}; then 20/20`,
        );
      } finally {
        await first.kill();
        if (second) await second.kill();
      }
    });
  });

  describe('a server that never answers: a 300 ms deadline gives DEADLINE_EXCEEDED in under 400 ms', function () {
    const DEADLINE = 300;
    const LIMIT = 400;
    let blackHole;
    let blackHoleSockets;
    let hostile;

    before(async function () {
      blackHoleSockets = new Set();
      blackHole = net.createServer((socket) => {
        blackHoleSockets.add(socket); // accepted, read and never answered
        socket.on('error', () => {});
        socket.on('close', () => blackHoleSockets.delete(socket));
        socket.resume();
      });
      await new Promise((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
      hostile = await startHostileServer();
    });

    after(async function () {
      for (const s of blackHoleSockets) s.destroy();
      if (blackHole) await new Promise((resolve) => blackHole.close(resolve));
      if (hostile) await hostile.stop();
    });

    const options = (targetAddress, modelName) => ({
      targetAddress,
      modelName,
      inputTensorAliases: ['x'],
      inputTensors: [{ dtype: 'float32', shape: [1], data: f32(1) }],
      outputTensorAliases: ['y'],
      outputTypes: ['float32'],
      maxRpcDeadlineMillis: DEADLINE,
    });

    /** Sequential and concurrent calls in both modes; returns the settle times. */
    async function deadlineHonoured(target, modelName) {
      const o = options(target, modelName);
      // Warm-up: channel, connection attempt and kernel exist before we time anything.
      await assert.rejects(
        run(o),
        (/** @type {import('..').RemotePredictError} */ e) => e.codeName === 'DEADLINE_EXCEEDED',
      );
      const times = [];
      // The clock starts before the call: the first call of an option set
      // prepares its kernel synchronously, and the deadline runs from then on.
      const timed = async (call) => {
        const t0 = performance.now();
        const r = await settleTimed(call(), () => t0);
        times.push(r.at);
        return r;
      };
      for (let i = 0; i < 3; i++) {
        const r = await timed(() => run(o));
        assert.equal(r.ok, false);
        assertRemoteError(r.error, ['DEADLINE_EXCEEDED'], 'run()');
        const s = await timed(() => runReturningStatus(o));
        assert.equal(s.ok, true);
        assert.equal(s.value.statusCode, StatusCode.DEADLINE_EXCEEDED, s.value.statusErrorMessage);
        assert.notEqual(s.value.statusErrorMessage, '');
        assert.equal(s.value.outputTensors[0].data[0], 0);
      }
      const concurrent = await Promise.all(
        Array.from({ length: 40 }, (_, i) => timed(() => (i % 2 ? run(o) : runReturningStatus(o)))),
      );
      concurrent.forEach((r, i) => {
        if (i % 2) assertRemoteError(r.error, ['DEADLINE_EXCEEDED'], `concurrent call ${i}`);
        else assert.equal(r.value.statusCode, StatusCode.DEADLINE_EXCEEDED);
      });
      faultCalls += 1 + times.length;
      const max = Math.max(...times);
      const min = Math.min(...times);
      assert.ok(min >= DEADLINE - 5, `a call settled after ${min.toFixed(0)} ms, before its ${DEADLINE} ms deadline`);
      assert.ok(max < LIMIT, `a call took ${max.toFixed(0)} ms against a ${DEADLINE} ms deadline`);
      return { n: times.length, min, max };
    }

    it('a TCP listener that accepts and never speaks', async function () {
      const { n, min, max } = await deadlineHonoured(`127.0.0.1:${blackHole.address().port}`, 'half_plus_two');
      assert.ok(blackHoleSockets.size >= 1, 'the client never connected');
      faultCases++;
      note(
        this.test,
        `${n} calls (run and status mode, 6 sequential + 40 concurrent) settled in ${min.toFixed(0)}–${max.toFixed(0)} ms`,
      );
    });

    it('a gRPC server whose handler never returns (and the server sees the calls end)', async function () {
      const { n, min, max } = await deadlineHonoured(hostile.address, 'hang');
      let stats = await hostile.stats();
      for (let i = 0; i < 20 && stats.open > 0; i++) {
        await sleep(50);
        stats = await hostile.stats();
      }
      assert.ok(stats.hung >= n, `the server saw ${stats.hung} hung calls`);
      assert.equal(stats.open, 0, 'streams still open on the server after their deadlines');
      faultCases++;
      note(this.test, `${n} calls settled in ${min.toFixed(0)}–${max.toFixed(0)} ms; server-side streams all closed`);
    });
  });

  describe('message sizes', function () {
    let server;
    before(async function () {
      server = await startReferenceServer({ opLibrary: null });
    });
    after(async function () {
      if (server) await server.stop();
    });

    const echo = (bytes, patch = {}) => {
      const x = new Float32Array(Math.floor(bytes / 4)).map((_, i) => (i * 7) % 1009);
      return {
        x,
        options: { targetAddress: server.address, ...slowCall(0, x), maxRpcDeadlineMillis: 60000, ...patch },
      };
    };

    it('requests and responses over 4 MiB work (5 MiB and 17 MiB both ways)', async function () {
      const sizes = [5 << 20, 17 << 20];
      const times = [];
      for (const bytes of sizes) {
        const { x, options } = echo(bytes);
        const t0 = performance.now();
        const [y] = await run(options);
        times.push(performance.now() - t0);
        assert.equal(y.data.length, x.length);
        assert.ok(
          Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength).equals(Buffer.from(x.buffer)),
          `the ${bytes}-byte tensor came back changed`,
        );
        const status = await runReturningStatus(options);
        assert.equal(status.statusCode, 0, status.statusErrorMessage);
        assert.equal(status.outputTensors[0].data.length, x.length);
      }
      faultCalls += 2 * sizes.length;
      faultCases++;
      note(this.test, `5 MiB in ${times[0].toFixed(0)} ms, 17 MiB in ${times[1].toFixed(0)} ms round trip`);
    });

    it('maxReceiveMessageBytes / maxSendMessageBytes give RESOURCE_EXHAUSTED naming the limit', async function () {
      const RECEIVE = 100000;
      const SEND = 1 << 20;
      let calls = 0;
      // Receive: the request is within any limit, the echoed response is not.
      {
        const { options } = echo(200000);
        const { targetAddress, ...call } = options;
        const client = new PredictionClient({ targetAddress, channelOptions: { maxReceiveMessageBytes: RECEIVE } });
        const r = await settleTimed(client.run(call), () => 0);
        assert.equal(r.ok, false, 'a 200 kB response passed a 100000-byte receive limit');
        assertRemoteError(r.error, ['RESOURCE_EXHAUSTED'], 'receive limit');
        assert.match(r.error.details, new RegExp(String(RECEIVE)));
        const s = await client.runReturningStatus(call);
        assert.equal(s.statusCode, StatusCode.RESOURCE_EXHAUSTED);
        assert.match(s.statusErrorMessage, new RegExp(String(RECEIVE)));
        const small = echo(50000);
        const { targetAddress: _, ...smallCall } = small.options;
        assert.equal((await client.run(smallCall))[0].data.length, small.x.length, 'a response under the limit');
        calls += 3;
      }
      // Send: refused before it reaches the server.
      {
        const { options } = echo(2 << 20, { channelOptions: { maxSendMessageBytes: SEND } });
        const r = await settleTimed(run(options), () => 0);
        assert.equal(r.ok, false, 'a 2 MiB request passed a 1 MiB send limit');
        assertRemoteError(r.error, ['RESOURCE_EXHAUSTED'], 'send limit');
        assert.match(r.error.details, new RegExp(String(SEND)));
        const s = await runReturningStatus(options);
        assert.equal(s.statusCode, StatusCode.RESOURCE_EXHAUSTED);
        assert.match(s.statusErrorMessage, new RegExp(String(SEND)));
        const under = echo(SEND - 4096, { channelOptions: { maxSendMessageBytes: SEND } });
        assert.equal((await run(under.options))[0].data.length, under.x.length, 'a request under the limit');
        calls += 3;
      }
      faultCalls += calls;
      faultCases++;
      note(
        this.test,
        `receive limit ${RECEIVE} B and send limit ${SEND} B, both modes, and calls under the limits pass`,
      );
    });
  });
});
