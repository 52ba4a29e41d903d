'use strict';
// Process life: Node exits by itself, promptly, once nothing is pending (no handle of the
// addon keeps the event loop alive); process.exit() with calls in flight does not crash;
// the addon works in several worker_threads at once, and a worker terminated with calls
// in flight takes nothing down with it. Every scenario runs in a child process
// (test/support/process_life_child.js) against the reference server.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');

const { startReferenceServer } = require('./support/reference_server');
const { deadPort } = require('./support/dead_port');

const CHILD = path.join(__dirname, 'support', 'process_life_child.js');
// The child must be gone this soon after its last callback. Leaving takes TensorFlow's
// and gRPC's exit-time work; a handle left referenced keeps the process forever.
const PROMPT_EXIT_MS = 2000;
const KILL_AFTER_MS = 60000;
// What a crash or an abort leaves on stderr.
const CRASH =
  /Segmentation fault|Aborted|core dumped|terminate called|FATAL ERROR|Check failed|pure virtual method|double free|free\(\): |malloc\(\): |AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:/;

/** Runs a scenario; resolves with { code, signal, events, stdout, stderr, exitedAt, killed }. */
function runScenario(name, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, name, JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, KILL_AFTER_MS);
    child.once('error', reject);
    // 'exit' is the moment the process ended; 'close' waits for its pipes too.
    let exitedAt = 0;
    child.once('exit', () => {
      exitedAt = Date.now();
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const events = {};
      for (const line of stdout.split('\n')) {
        const m = /^EVENT (\S+) (\d+) (.*)$/.exec(line);
        if (m) events[m[1]] = { at: Number(m[2]), detail: JSON.parse(m[3]) };
      }
      resolve({ code, signal, events, stdout, stderr, exitedAt, killed });
    });
  });
}

function describeChild(child) {
  return (
    `exit code ${child.code}, signal ${child.signal}${child.killed ? ' (killed: it never exited)' : ''}\n` +
    `stdout:\n${child.stdout}\nstderr:\n${child.stderr}`
  );
}

function assertCleanExit(child, code = 0) {
  assert.equal(child.killed, false, `the child never exited\n${describeChild(child)}`);
  assert.equal(child.signal, null, describeChild(child));
  assert.equal(child.code, code, describeChild(child));
  assert.doesNotMatch(child.stderr, CRASH, describeChild(child));
  assert.equal(child.events.failed, undefined, describeChild(child));
}

describe('process life', function () {
  let server;
  let deadAddress;

  before(async function () {
    server = await startReferenceServer();
    deadAddress = `127.0.0.1:${await deadPort()}`;
  });

  after(async function () {
    if (server) await server.stop();
  });

  describe('Node exits by itself once nothing is pending', function () {
    const cases = [
      ['run', 'after run() and runReturningStatus() against the server'],
      ['failed-call', 'after calls that failed (UNAVAILABLE, a dead port)'],
      ['aborted-call', 'after a call aborted while the server still works on it'],
      ['saved-model-disposed', 'after loadSavedModel + predict + dispose'],
      ['saved-model-kept', 'after loadSavedModel + predict with the model never disposed'],
    ];
    for (const [scenario, title] of cases) {
      it(`${title}: within ${PROMPT_EXIT_MS} ms of its last callback`, async function () {
        const child = await runScenario(scenario, { address: server.address, deadAddress });
        assertCleanExit(child);
        const last = child.events['last-callback'];
        assert.ok(last, `no last callback\n${describeChild(child)}`);
        const lag = child.exitedAt - last.at;
        this.test.title += ` (exited ${lag} ms after it)`;
        assert.ok(lag < PROMPT_EXIT_MS, `exited ${lag} ms after its last callback\n${describeChild(child)}`);
      });
    }
  });

  describe('process.exit() with calls in flight does not crash', function () {
    it('100 run() calls to the slow model on the wire: exit code 0, no signal, no abort', async function () {
      const child = await runScenario('exit-with-calls-in-flight', { address: server.address, calls: 100 });
      assertCleanExit(child);
      assert.equal(child.events.exiting.detail.inFlight, 100, 'all 100 calls were still in flight');
    });

    it('process.exit(3) with 100 calls in flight keeps its exit code', async function () {
      const child = await runScenario('exit-with-calls-in-flight', { address: server.address, calls: 100, code: 3 });
      assertCleanExit(child, 3);
    });

    it('100 calls just started (exit in the same tick): exit code 0, no signal, no abort', async function () {
      const child = await runScenario('exit-at-once-with-calls-in-flight', { address: server.address, calls: 100 });
      assertCleanExit(child);
    });

    it('8 SavedModel runs in flight (slow_remote_predict): exit code 0, no signal, no abort', async function () {
      const child = await runScenario('exit-with-saved-model-runs-in-flight', { address: server.address, runs: 8 });
      assertCleanExit(child);
      assert.equal(child.events.exiting.detail.inFlight, 8);
    });

    it('while calls and SavedModel runs are completing (delays around the exit), 3 times each: exit code 0, no signal, no abort', async function () {
      const inFlight = [];
      for (let round = 0; round < 3; round++) {
        const calls = await runScenario('exit-with-calls-in-flight', {
          address: server.address,
          calls: 200,
          spread: true,
        });
        assertCleanExit(calls);
        const runs = await runScenario('exit-with-saved-model-runs-in-flight', {
          address: server.address,
          runs: 16,
          spread: true,
        });
        assertCleanExit(runs);
        inFlight.push(
          `${calls.events.exiting.detail.inFlight}/200 calls, ${runs.events.exiting.detail.inFlight}/16 runs`,
        );
      }
      this.test.title += ` (in flight at exit: ${inFlight.join('; ')})`;
    });
  });

  describe('worker_threads', function () {
    const COUNT = 4;
    const CALLS = 20;
    const TERMINATE_ROUNDS = 5;

    function checkWorkers(child) {
      assertCleanExit(child);
      const { detail } = child.events.result;
      for (const round of [detail.first, detail.second]) {
        assert.deepEqual(round.codes, Array(COUNT).fill(0), 'every worker exits normally (code 0)');
        assert.equal(round.results.length, COUNT);
        round.results.forEach((r) => {
          assert.equal(r.done, true);
          assert.equal(r.calls, CALLS);
        });
      }
      // predict(x = [id, 2·id]) of half_plus_two_with_remote_predict: y = x + 2.
      assert.deepEqual(
        detail.first.results.map((r) => r.predicted),
        [
          [3, 4],
          [4, 6],
          [5, 8],
          [6, 10],
        ],
      );
      assert.deepEqual(
        detail.second.results.map((r) => r.predicted),
        [
          [13, 24],
          [14, 26],
          [15, 28],
          [16, 30],
        ],
      );
      assert.deepEqual(
        detail.terminated,
        Array(2 * TERMINATE_ROUNDS).fill(1),
        'terminate() ends every hanging worker (exit code 1)',
      );
      assert.deepEqual(detail.mainAfter, [5.5]);
      assert.deepEqual(detail.composedAfter, [6]);
      const lag = child.exitedAt - child.events['last-callback'].at;
      assert.ok(lag < PROMPT_EXIT_MS, `exited ${lag} ms after its last callback`);
      return lag;
    }

    it(`${COUNT} workers at once (${CALLS} run() calls + a SavedModel predict each), twice; 5 × 2 terminated with calls and runs in flight; the main thread keeps working`, async function () {
      const child = await runScenario('workers', {
        address: server.address,
        count: COUNT,
        calls: CALLS,
        terminateRounds: TERMINATE_ROUNDS,
        mainLoadsFirst: true,
      });
      const lag = checkWorkers(child);
      this.test.title += ` (exited ${lag} ms after the last callback)`;
    });

    it('the same when only workers had loaded the addon before the main thread does', async function () {
      const child = await runScenario('workers', {
        address: server.address,
        count: COUNT,
        calls: CALLS,
        terminateRounds: TERMINATE_ROUNDS,
        mainLoadsFirst: false,
      });
      checkWorkers(child);
    });
  });
});
