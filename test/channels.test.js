'use strict';
// Production channels over real gRPC against reference servers
// (test/reference_server.py, each answering `server_tag` with its own --tag):
// round robin over several addresses, retries and a server killed mid-run,
// keepalive against a stopped server, metadata (run(), clients, graphs),
// waitForReady, channel options for graphs, call counters.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const api = require('..');
const { startReferenceServer } = require('./support/reference_server');
const { deadPort } = require('./support/dead_port');

const {
  run,
  runReturningStatus,
  PredictionClient,
  RemotePredictError,
  SavedModelError,
  loadSavedModel,
  setTargetChannelOptions,
  setTargetMetadata,
  stats,
  LATENCY_BUCKETS_MILLIS,
} = api;

const COMPOSED = path.resolve(__dirname, 'fixtures', 'composed');
const PLACEHOLDER = 'remote-predict-target:8500';
const f32 = (...values) => new Float32Array(values);
const X = { dtype: 'float32', shape: [1], data: f32(1) };
const text = (bytes) => Buffer.from(bytes).toString('latin1');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Options of a PredictionClient whose calls of half_plus_two return the answering server's tag. */
const TAG_DEFAULTS = Object.freeze({
  modelName: 'half_plus_two',
  outputTensorAliases: ['server_tag'],
  outputTypes: ['int32'],
  deadlineMillis: 20000,
});
/** A run() of half_plus_two that returns the answering server's tag. */
const TAG_CALL = Object.freeze({ ...TAG_DEFAULTS, inputTensorAliases: ['x'], inputTensors: [X] });
const INPUTS = Object.freeze({ inputTensorAliases: ['x'], inputTensors: [X] });

/**
 * Runs `count` calls of `call(i)` with `concurrency` in flight; resolves with
 * one { tag } or { error } per call, in order of completion, each with its
 * start and end times (`started`, `at`).
 * @param {(done: number, last: { at: number, error?: unknown }) => boolean | void} [onResult] called
 *   after each call with the number of results so far and the last one; returning true starts no more calls
 */
async function runMany(count, concurrency, call, onResult = () => {}) {
  const results = [];
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (next < count && !stopped) {
      const i = next++;
      const started = performance.now();
      try {
        results.push({ tag: await call(i), started, at: performance.now() });
      } catch (error) {
        results.push({ error, started, at: performance.now() });
      }
      if (onResult(results.length, results[results.length - 1]) === true) stopped = true;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/** Calls until every server in `tags` has answered (all subchannels connected), for at most 30 s. */
async function warmUp(call, tags) {
  const seen = new Set();
  const start = performance.now();
  while (tags.some((t) => !seen.has(t)) && performance.now() - start < 30000) {
    for (const r of await runMany(30, 6, call)) if (r.tag !== undefined) seen.add(r.tag);
  }
  assert.deepEqual([...seen].sort(), [...tags].sort(), 'every server answers before the measurement');
}

function countTags(results) {
  const count = {};
  for (const r of results) if (r.tag !== undefined) count[r.tag] = (count[r.tag] ?? 0) + 1;
  return count;
}

describe('production channels', function () {
  this.timeout(180000);
  const servers = [];
  let list; // ipv4:a,b,c
  let authServer;

  before(async function () {
    this.timeout(300000);
    servers.push(...(await Promise.all([1, 2, 3].map((tag) => startReferenceServer({ opLibrary: null, tag })))));
    list = `ipv4:${servers.map((s) => s.address).join(',')}`;
  });

  after(async function () {
    for (const s of [...servers, authServer]) {
      if (s === undefined) continue;
      try {
        s.child.kill('SIGCONT');
      } catch {
        /* gone */
      }
      await s.stop();
    }
  });

  describe('validation', function () {
    const base = { targetAddress: 'localhost:1', ...TAG_CALL };
    /** @type {(options: any, ErrorType: ErrorConstructor, pattern: RegExp) => void} */ // options: deliberately invalid values
    const throwsNaming = (options, ErrorType, pattern) =>
      assert.throws(
        () => run({ ...base, ...options }),
        (e) => e instanceof ErrorType && pattern.test(e.message),
        `${JSON.stringify(options)}`,
      );

    it('channel options: TypeError / RangeError naming the option', function () {
      throwsNaming({ channelOptions: { loadBalancing: 'grpclb' } }, TypeError, /^channelOptions\.loadBalancing/);
      throwsNaming(
        { channelOptions: { keepalive: {} } },
        TypeError,
        /^channelOptions\.keepalive\.timeMillis is required/,
      );
      throwsNaming(
        { channelOptions: { keepalive: { timeMillis: 0 } } },
        RangeError,
        /^channelOptions\.keepalive\.timeMillis/,
      );
      throwsNaming(
        { channelOptions: { keepalive: { timeMillis: 1, permitWithoutCalls: 1 } } },
        TypeError,
        /^channelOptions\.keepalive\.permitWithoutCalls/,
      );
      throwsNaming({ channelOptions: { keepalive: { timeMillis: 1, pings: 2 } } }, TypeError, /unknown option 'pings'/);
      throwsNaming(
        { channelOptions: { retry: { maxAttempts: 6 } } },
        RangeError,
        /^channelOptions\.retry\.maxAttempts/,
      );
      throwsNaming(
        { channelOptions: { retry: { maxAttempts: 1 } } },
        RangeError,
        /^channelOptions\.retry\.maxAttempts/,
      );
      throwsNaming(
        { channelOptions: { retry: { backoffMultiplier: 0 } } },
        RangeError,
        /^channelOptions\.retry\.backoffMultiplier/,
      );
      throwsNaming(
        { channelOptions: { retry: { initialBackoffMillis: 500, maxBackoffMillis: 100 } } },
        RangeError,
        /^channelOptions\.retry\.maxBackoffMillis/,
      );
      throwsNaming(
        { channelOptions: { retry: { retryableStatusCodes: ['OK'] } } },
        TypeError,
        /^channelOptions\.retry\.retryableStatusCodes\[0\]/,
      );
      throwsNaming(
        { channelOptions: { retry: { retryableStatusCodes: [] } } },
        TypeError,
        /^channelOptions\.retry\.retryableStatusCodes/,
      );
      throwsNaming(
        { channelOptions: { retry: { retryableStatusCodes: [17] } } },
        RangeError,
        /^channelOptions\.retry\.retryableStatusCodes\[0\]/,
      );
      throwsNaming({ channelOptions: { connections: 0 } }, RangeError, /^channelOptions\.connections/);
      throwsNaming({ channelOptions: { connections: 1.5 } }, RangeError, /^channelOptions\.connections/);
      throwsNaming({ channelOptions: { connections: '2' } }, TypeError, /^channelOptions\.connections/);
      throwsNaming(
        { channelOptions: { reconnectBackoff: { initialMillis: 900, maxMillis: 100 } } },
        RangeError,
        /^channelOptions\.reconnectBackoff\.maxMillis/,
      );
      assert.throws(
        () => new PredictionClient({ targetAddress: 'a:1', channelOptions: { connections: 65 } }),
        /^RangeError: channelOptions\.connections/,
      );
    });

    it('metadata and waitForReady: TypeError naming the key; RangeError over the size limit', function () {
      throwsNaming({ metadata: { Authorization: 'x' } }, TypeError, /^metadata\['Authorization'\]/);
      throwsNaming({ metadata: { 'grpc-timeout': '1S' } }, TypeError, /^metadata\['grpc-timeout'\].*reserved/);
      throwsNaming({ metadata: { 'content-type': 'x' } }, TypeError, /^metadata\['content-type'\].*reserved/);
      throwsNaming({ metadata: { 'x-text': 'line\nbreak' } }, TypeError, /^metadata\['x-text'\].*printable ASCII/);
      throwsNaming({ metadata: { 'x-text': Buffer.from('a') } }, TypeError, /^metadata\['x-text'\].*'-bin'/);
      throwsNaming({ metadata: { 'x-n': 5 } }, TypeError, /^metadata\['x-n'\] must be a string/);
      throwsNaming({ metadata: ['x'] }, TypeError, /^metadata must be an object/);
      throwsNaming({ metadata: { 'x-big': 'a'.repeat(9000) } }, RangeError, /^metadata\['x-big'\].*8192 bytes/);
      throwsNaming({ waitForReady: 'yes' }, TypeError, /^waitForReady must be a boolean/);
      assert.throws(() => setTargetMetadata('a:1', { 'Bad Key': 'x' }), /^TypeError: metadata\['Bad Key'\]/);
      assert.throws(
        () => setTargetChannelOptions('a:1', { loadBalancing: /** @type {any} */ ('x') }),
        /^TypeError: options\.loadBalancing/,
      ); // deliberately not a policy
      assert.throws(() => setTargetChannelOptions('', {}), TypeError);
    });
  });

  describe('load balancing', function () {
    it(`round_robin spreads 3,000 calls over an ipv4: list within ±20% of even`, async function () {
      /** @type {import('..').ChannelOptions} */
      const channelOptions = { loadBalancing: 'round_robin' };
      const call = () => run({ targetAddress: list, channelOptions, ...TAG_CALL }).then(([t]) => t.data[0]);
      await warmUp(call, [1, 2, 3]);
      const results = await runMany(3000, 32, call);
      assert.equal(results.filter((r) => r.error).length, 0, String(results.find((r) => r.error)?.error));
      const count = countTags(results);
      for (const tag of [1, 2, 3]) {
        assert.ok(
          count[tag] >= 800 && count[tag] <= 1200,
          `server ${tag}: ${count[tag]} of 3000 calls (${JSON.stringify(count)})`,
        );
      }
      this.test.title += ` (${[1, 2, 3].map((tag) => count[tag]).join(' / ')})`;
    });

    it('pick_first (the default) sends every call to one address', async function () {
      const results = await runMany(60, 6, () => run({ targetAddress: list, ...TAG_CALL }).then(([t]) => t.data[0]));
      assert.equal(Object.keys(countTags(results)).length, 1, JSON.stringify(countTags(results)));
    });

    it('dns:/// targets are accepted, with connections and keepalive', async function () {
      const [tag] = await run({
        targetAddress: `dns:///localhost:${servers[0].port}`,
        channelOptions: { loadBalancing: 'round_robin', connections: 3, keepalive: { timeMillis: 10000 } },
        ...TAG_CALL,
      });
      assert.equal(tag.data[0], 1);
    });
  });

  describe('metadata', function () {
    const echo = ['metadata:x-request-id', 'metadata:trace-bin', 'metadata:authorization'];
    const echoDefaults = { ...TAG_DEFAULTS, outputTensorAliases: echo, outputTypes: ['string', 'string', 'string'] };
    const echoCall = { ...echoDefaults, ...INPUTS };

    it('run(): text and binary headers reach the server', async function () {
      const binary = Buffer.from([0, 1, 0xff, 0x80]);
      const [id, trace, auth] = await run({
        targetAddress: servers[0].address,
        ...echoCall,
        metadata: { 'x-request-id': 'r-17', 'trace-bin': binary },
      });
      assert.equal(text(id.data[0]), 'r-17');
      assert.deepEqual(Buffer.from(/** @type {Uint8Array} */ (trace.data[0])), binary);
      assert.equal(text(auth.data[0]), '');
    });

    it("clients add their headers to each call's (the call's win); targets add theirs", async function () {
      const client = new PredictionClient({
        targetAddress: servers[0].address,
        metadata: { 'x-request-id': 'client', authorization: 'Bearer c' },
        ...echoDefaults,
      });
      const [id, , auth] = await client.run({ ...INPUTS, metadata: { 'x-request-id': 'call' } });
      assert.equal(text(id.data[0]), 'call');
      assert.equal(text(auth.data[0]), 'Bearer c');

      setTargetMetadata(servers[0].address, { authorization: 'Bearer target', 'x-request-id': 'target' });
      try {
        const [tid, , tauth] = await run({
          targetAddress: servers[0].address,
          ...echoCall,
          metadata: { 'x-request-id': 'own' },
        });
        assert.equal(text(tid.data[0]), 'own');
        assert.equal(text(tauth.data[0]), 'Bearer target');
      } finally {
        setTargetMetadata(servers[0].address, null);
      }
      const [, , none] = await run({ targetAddress: servers[0].address, ...echoCall });
      assert.equal(text(none.data[0]), '');
    });
  });

  describe('waitForReady and graphs', function () {
    let authPort;
    const TOKEN = 'Bearer t0k3n';

    it('waitForReady: a call made before the server starts succeeds once it does', async function () {
      authPort = await deadPort();
      const target = `127.0.0.1:${authPort}`;
      const failFast = performance.now();
      await assert.rejects(
        run({ targetAddress: target, ...TAG_CALL }),
        (/** @type {import('..').RemotePredictError} */ e) => e.codeName === 'UNAVAILABLE',
      );
      assert.ok(performance.now() - failFast < 5000, 'without waitForReady the call fails at once');

      const started = performance.now();
      const waiting = run({
        targetAddress: target,
        ...TAG_CALL,
        deadlineMillis: 90000,
        waitForReady: true,
        metadata: { authorization: TOKEN },
        channelOptions: { reconnectBackoff: { maxMillis: 500 } },
      });
      await sleep(500);
      authServer = await startReferenceServer({
        opLibrary: null,
        port: authPort,
        tag: 9,
        requireMetadata: `authorization=${TOKEN}`,
      });
      const ready = performance.now();
      const [tag] = await waiting;
      assert.equal(tag.data[0], 9);
      const after = performance.now() - ready;
      this.test.title += ` (server ready after ${((ready - started) / 1000).toFixed(1)} s, call answered ${(after / 1000).toFixed(1)} s later)`;
    });

    it("setTargetMetadata(): a loaded SavedModel's remote calls carry the header, changed at any time", async function () {
      if (authServer === undefined) this.skip();
      // The fail-fast call above left the channel with default options backing off (gRPC waits
      // 1 s, then 1.6 times longer, before dialling an unreachable address again): the graph's
      // kernel gets a channel that retries sooner, through the target's channel options.
      setTargetChannelOptions(authServer.address, { reconnectBackoff: { maxMillis: 200 } });
      const model = await loadSavedModel(path.join(COMPOSED, 'half_plus_two_with_remote_predict'), {
        targetOverrides: { [PLACEHOLDER]: authServer.address },
      });
      try {
        await assert.rejects(
          model.predict({ x: X }),
          (e) => e instanceof SavedModelError && e.codeName === 'UNAUTHENTICATED',
        );
        setTargetMetadata(authServer.address, { authorization: TOKEN });
        const { y } = await model.predict({ x: X });
        assert.deepEqual(Array.from(/** @type {Float32Array} */ (y.data)), [3]);
        setTargetMetadata(authServer.address, { authorization: 'Bearer wrong' });
        await assert.rejects(
          model.predict({ x: X }),
          (/** @type {import('..').SavedModelError} */ e) => e.codeName === 'UNAUTHENTICATED',
        );
      } finally {
        setTargetMetadata(authServer.address, null);
        setTargetChannelOptions(authServer.address, null);
        model.dispose();
      }
    });

    it("setTargetChannelOptions(): a graph's kernels get the target's channel options", async function () {
      const target = `ipv4:${servers[0].address}`;
      setTargetChannelOptions(target, { maxReceiveMessageBytes: 8, loadBalancing: 'round_robin' });
      const model = await loadSavedModel(path.join(COMPOSED, 'half_plus_two_with_remote_predict'), {
        targetOverrides: { [PLACEHOLDER]: target },
      });
      try {
        await assert.rejects(
          model.predict({ x: X }),
          (/** @type {import('..').SavedModelError} */ e) => e.codeName === 'RESOURCE_EXHAUSTED',
        );
      } finally {
        setTargetChannelOptions(target, null);
        model.dispose();
      }
      // Removed: kernels created afterwards (another model) use gRPC's defaults again.
      const again = await loadSavedModel(path.join(COMPOSED, 'half_plus_two_with_remote_predict'), {
        targetOverrides: { [PLACEHOLDER]: target },
      });
      try {
        assert.deepEqual(Array.from(/** @type {Float32Array} */ ((await again.predict({ x: X })).y.data)), [3]);
      } finally {
        again.dispose();
      }
    });
  });

  describe('counters', function () {
    it('client.stats() and stats(): started, finished by code, in flight, latency histogram', async function () {
      const before = stats();
      const client = new PredictionClient({ targetAddress: servers[0].address, ...TAG_DEFAULTS });
      const calls = [
        client.run(INPUTS),
        client.run(INPUTS),
        client.runReturningStatus({ ...INPUTS, modelName: 'no_such_model' }),
        client.run({ ...INPUTS, modelName: 'no_such_model' }).catch((e) => e),
      ];
      assert.equal(client.stats().inFlight, 4);
      assert.equal(client.stats().started, 4);
      await Promise.all(calls);
      const s = client.stats();
      assert.deepEqual(s.finished, { OK: 2, NOT_FOUND: 2 });
      assert.equal(s.inFlight, 0);
      assert.deepEqual(s.latency.boundsMillis, LATENCY_BUCKETS_MILLIS);
      assert.equal(s.latency.counts.length, LATENCY_BUCKETS_MILLIS.length + 1);
      assert.equal(s.latency.count, 4);
      assert.equal(
        s.latency.counts.reduce((a, b) => a + b),
        4,
      );
      assert.ok(s.latency.sumMillis > 0);
      const after = stats();
      assert.equal(after.started - before.started, 4);
      assert.equal((after.finished.NOT_FOUND ?? 0) - (before.finished.NOT_FOUND ?? 0), 2);
      // An aborted call counts as CANCELLED; invalid options count nowhere.
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(client.run({ ...INPUTS, signal: controller.signal }));
      assert.throws(() => client.run({ ...INPUTS, deadlineMillis: -1 }));
      assert.deepEqual(client.stats().finished, { OK: 2, NOT_FOUND: 2, CANCELLED: 1 });
      assert.equal(client.stats().started, 5);
    });
  });

  describe('failures', function () {
    it('keepalive: a server that stops answering pings fails the call within the keepalive timeout, not at its deadline', async function () {
      const server = servers[0];
      const channelOptions = { keepalive: { timeMillis: 200, timeoutMillis: 500 } };
      const call = { targetAddress: server.address, channelOptions, ...TAG_CALL, deadlineMillis: 10000 };
      const [tag] = await run(call); // connected
      assert.equal(tag.data[0], 1);
      server.child.kill('SIGSTOP');
      try {
        // kill() returns before the process has stopped: a request sent meanwhile could be answered.
        const stopped = () => fs.readFileSync(`/proc/${server.child.pid}/stat`, 'utf8').split(') ')[1].startsWith('T');
        while (!stopped()) await new Promise((resolve) => setTimeout(resolve, 5));
        const start = performance.now();
        const result = await runReturningStatus(call);
        const elapsed = performance.now() - start;
        assert.equal(result.statusCode, 14, result.statusErrorMessage);
        assert.ok(elapsed < 3000, `failed after ${elapsed.toFixed(0)} ms (deadline 10000 ms)`);
        this.test.title += ` (${elapsed.toFixed(0)} ms)`;
      } finally {
        server.child.kill('SIGCONT');
      }
    });

    it('round_robin with retries on UNAVAILABLE: a server killed mid-run fails no call; restarted, it rejoins', async function () {
      /** @type {import('..').ChannelOptions} */
      const channelOptions = {
        loadBalancing: 'round_robin',
        retry: { maxAttempts: 5, initialBackoffMillis: 50, maxBackoffMillis: 500 },
        reconnectBackoff: { maxMillis: 500 },
      };
      const call = () => run({ targetAddress: list, channelOptions, ...TAG_CALL }).then(([t]) => t.data[0]);
      await warmUp(call, [1, 2, 3]);
      const victim = servers[1];
      let killedAt;
      // Until 600 calls have ended more than 1 s after the kill, however fast calls are.
      let lateEnded = 0;
      const results = await runMany(100000, 32, call, (done, last) => {
        if (done === 1000) {
          killedAt = performance.now();
          victim.child.kill('SIGKILL');
        }
        if (killedAt !== undefined && last.at > killedAt + 1000) lateEnded += 1;
        return lateEnded >= 600;
      });
      const failed = results.filter((r) => r.error);
      assert.equal(failed.length, 0, `${failed.length} calls failed: ${failed[0]?.error}`);
      const late = results.filter((r) => r.at > killedAt + 1000);
      assert.ok(late.length > 500);
      assert.equal(
        countTags(late)[2],
        undefined,
        `calls reached the killed server: ${JSON.stringify(countTags(late))}`,
      );
      assert.ok(countTags(late)[1] > 0 && countTags(late)[3] > 0);

      servers[1] = await startReferenceServer({ opLibrary: null, port: victim.port, tag: 2 });
      const ready = performance.now();
      let seen = 0;
      while (seen === 0 && performance.now() - ready < 30000) {
        const round = await runMany(30, 6, call);
        assert.equal(round.filter((r) => r.error).length, 0);
        seen = countTags(round)[2] ?? 0;
      }
      const rejoined = performance.now() - ready;
      assert.ok(seen > 0, 'the restarted server got no call within 30 s');
      assert.ok(rejoined < 5000, `rejoined ${rejoined.toFixed(0)} ms after it was ready`);
      this.test.title += ` (rejoined ${(rejoined / 1000).toFixed(1)} s after it was ready)`;
    });

    it('round_robin without retries: only calls in flight to a killed server fail, with UNAVAILABLE; traffic moves to the others', async function () {
      // Its own channel (the first test's may still be backing off from the restarted server).
      /** @type {import('..').ChannelOptions} */
      const channelOptions = { loadBalancing: 'round_robin', reconnectBackoff: { maxMillis: 1000 } };
      const call = () => run({ targetAddress: list, channelOptions, ...TAG_CALL }).then(([t]) => t.data[0]);
      await warmUp(call, [1, 2, 3]);
      const victim = servers[2];
      /** @type {number} */
      let killedAt; // set by runMany's onResult, before the results are read
      const concurrency = 32;
      // Until 600 calls have ended more than 1 s after the kill, however fast calls are.
      let lateEnded = 0;
      const results = await runMany(100000, concurrency, call, (done, last) => {
        if (done === 1000) {
          killedAt = performance.now();
          victim.child.kill('SIGKILL');
        }
        if (killedAt !== undefined && last.at > killedAt + 1000) lateEnded += 1;
        return lateEnded >= 600;
      });
      const failed = results.filter((r) => r.error);
      for (const { error } of failed) {
        assert.ok(error instanceof RemotePredictError && error.codeName === 'UNAVAILABLE', String(error));
      }
      // The calls in flight on the connection when it drops fail together. SIGKILL takes a moment
      // to close the process's sockets (after its memory is torn down): calls sent in that moment
      // were in flight to it too.
      assert.ok(failed.length <= concurrency, `${failed.length} calls failed; at most ${concurrency} were in flight`);
      assert.ok(
        failed.every((r) => r.at >= killedAt),
        'no call failed before the kill',
      );
      const ends = failed.map((r) => r.at);
      assert.ok(
        failed.length === 0 || Math.max(...ends) - Math.min(...ends) < 1000,
        'the failed calls ended together, when the connection to the killed server dropped',
      );
      const late = results.filter((r) => r.at > killedAt + 1000);
      const lateFailures = late.filter((r) => r.error !== undefined);
      assert.ok(
        late.length > 500 && lateFailures.length === 0,
        `calls after the kill succeed: ${late.length} ended more than 1 s after it, ${lateFailures.length} failed` +
          (lateFailures.length > 0 ? ` (${String(lateFailures[0].error)})` : ''),
      );
      assert.equal(countTags(late)[3], undefined);
      assert.ok(countTags(late)[1] > 0 && countTags(late)[2] > 0);
      this.test.title +=
        ` (${failed.length} failed, ${(Math.min(...ends) - killedAt).toFixed(0)}-` +
        `${(Math.max(...ends) - killedAt).toFixed(0)} ms after the kill)`;
    });
  });
});
