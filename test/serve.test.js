'use strict';
// `tfserving-remote-predict serve`: a composed SavedModel answering REST
// requests, its op pointed at the reference server by --target-override.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');

const { startReferenceServer } = require('./support/reference_server');
const { tensorFromJson, tensorToJson } = require('../dist/cli/json-tensors');

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'composed', 'half_plus_two_with_remote_predict');
const SLOW_FIXTURE = path.join(ROOT, 'test', 'fixtures', 'composed', 'slow_remote_predict');

/** @typedef {Error & { code: number | null, output: string }} ServeExit How startServe() rejects when serve exits. */

/** Starts `serve`; resolves with { url, child, output() } once it listens. */
function startServe(args) {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    output += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d) => {
    output += d;
  });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 60000);
    exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`serve exited ${code}:\n${output}`), { code, output }));
    });
    child.stdout.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], child, exited, output: () => output });
      }
    });
  });
}

/** @returns {Promise<{ status: number, json: any }>} `json` as JSON.parse() gives it. */
async function request(url, body, method = body === undefined ? 'GET' : 'POST') {
  const response = await fetch(url, {
    method,
    body: typeof body === 'string' ? body : body && JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: response.status, json: await response.json() };
}

describe('serve: a composed SavedModel behind REST', function () {
  let server;
  let serve;

  before(async function () {
    server = await startReferenceServer();
    serve = await startServe([
      '--saved-model',
      FIXTURE,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--target-override',
      `remote-predict-target:8500=${server.address}`,
    ]);
  });

  after(async function () {
    if (serve) serve.child.kill('SIGTERM');
    if (server) await server.stop();
  });

  it('POST :predict runs the graph, its op calling the reference server', async function () {
    const { status, json } = await request(`${serve.url}:predict`, { inputs: { x: [1, 2, 5] } });
    assert.equal(status, 200, JSON.stringify(json));
    assert.deepEqual(json, { outputs: { y: [3, 4, 7] } });
    assert.match(serve.url, /\/v1\/models\/half_plus_two_with_remote_predict$/);
  });

  it('GET gives the signatures', async function () {
    const { status, json } = await request(serve.url);
    assert.equal(status, 200);
    assert.equal(json.model, 'half_plus_two_with_remote_predict');
    assert.deepEqual(json.signatures.serving_default.inputs.x.shape, [-1]);
  });

  it('bad requests are 400 with a message naming the problem; unknown paths 404', async function () {
    /** @type {[unknown, RegExp][]} */
    const cases = [
      ['not json', /not JSON/],
      [{ inputs: { x: [1, 'a'] } }, /inputs\.x must hold numbers/],
      [{ inputs: { x: [[1], [2]] } }, /inputs\.x\.shape \[2, 1\] does not fit \[-1\]/],
      [{ inputs: { z: [1] } }, /inputs is missing 'x'/],
      [{ inputs: { x: [1], z: [1] } }, /inputs has 'z'/],
      [{ inputs: [1, 2] }, /"inputs" must be an object/],
      [{ signature_name: 'nope', inputs: { x: [1] } }, /"nope" is not a signature/],
    ];
    for (const [body, pattern] of cases) {
      const { status, json } = await request(`${serve.url}:predict`, body);
      assert.equal(status, 400, JSON.stringify(json));
      assert.match(json.error, pattern);
    }
    assert.equal((await request(`${serve.url.replace(/[^/]+$/, 'other')}:predict`, { inputs: {} })).status, 404);
    assert.equal((await request(`${serve.url}:predict`)).status, 405);
  });

  it('a failing remote call maps to an HTTP status (UNAVAILABLE → 503)', async function () {
    const dead = await startServe([
      '--saved-model',
      path.join(ROOT, 'test', 'fixtures', 'composed', 'dead_target'),
      '--host',
      '127.0.0.1',
      '--port',
      '0',
    ]);
    try {
      const { status, json } = await request(`${dead.url}:predict`, { inputs: { x: [1] } });
      assert.equal(status, 503);
      assert.match(json.error, /^UNAVAILABLE/);
    } finally {
      dead.child.kill('SIGTERM');
      assert.equal(await dead.exited, 0, 'SIGTERM stops serve cleanly');
    }
  });

  describe('--deadline MS (and --timeout MS, its deprecated alias)', function () {
    /** Serves slow_remote_predict (its op calls the reference server's `slow` model) with `args`. */
    const startSlow = (...args) =>
      startServe([
        '--saved-model',
        SLOW_FIXTURE,
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--target-override',
        `remote-predict-target:8500=${server.address}`,
        ...args,
      ]);
    /** A run whose remote call takes delayMs: { status, json, millis }. */
    const slowRun = async (url, delayMs) => {
      const started = Date.now();
      const { status, json } = await request(`${url}:predict`, { inputs: { delay_ms: delayMs, x: [1, 2] } });
      return { status, json, millis: Date.now() - started };
    };

    for (const flag of ['--deadline', '--timeout']) {
      it(`${flag} 300: a run past it answers 504 DEADLINE_EXCEEDED; one within it 200`, async function () {
        const slow = await startSlow(flag, '300');
        try {
          const late = await slowRun(slow.url, 3000);
          assert.equal(late.status, 504, JSON.stringify(late.json));
          assert.match(late.json.error, /^DEADLINE_EXCEEDED/);
          assert.ok(late.millis >= 250 && late.millis < 2500, `answered after ${late.millis} ms`);
          const inTime = await slowRun(slow.url, 0);
          assert.equal(inTime.status, 200, JSON.stringify(inTime.json));
          assert.deepEqual(inTime.json, { outputs: { y: [1, 2] } });
          const deprecation = /serve: --timeout is deprecated: use --deadline/;
          if (flag === '--timeout') assert.match(slow.output(), deprecation);
          else assert.doesNotMatch(slow.output(), deprecation);
        } finally {
          slow.child.kill('SIGTERM');
          assert.equal(await slow.exited, 0);
        }
      });
    }

    it('without either, a run has no deadline', async function () {
      const slow = await startSlow();
      try {
        const { status, json } = await slowRun(slow.url, 1000);
        assert.equal(status, 200, JSON.stringify(json));
      } finally {
        slow.child.kill('SIGTERM');
        assert.equal(await slow.exited, 0);
      }
    });

    it('both, or a bad value, exit 2 with the usage', async function () {
      /** @type {[string[], RegExp][]} */
      const cases = [
        [
          ['--deadline', '300', '--timeout', '300'],
          /--deadline and --timeout \(its deprecated alias\) exclude each other/,
        ],
        [['--deadline', '0'], /--deadline: '0' is not a number of milliseconds in \[1, 2147483647\]/],
        [['--deadline', 'soon'], /--deadline: 'soon' is not a number of milliseconds/],
        [['--timeout', '2147483648'], /--timeout: '2147483648' is not a number of milliseconds/],
      ];
      for (const [args, message] of cases) {
        await assert.rejects(
          startServe(['--saved-model', SLOW_FIXTURE, '--port', '0', ...args]),
          (/** @type {ServeExit} */ e) => {
            assert.equal(e.code, 2, e.output);
            assert.match(e.output, message);
            assert.match(e.output, /Usage:\n {2}tfserving-remote-predict serve --saved-model DIR/);
            return true;
          },
        );
      }
    });
  });

  it('usage errors exit 2; a directory that is not a SavedModel exits 1', async function () {
    await assert.rejects(
      startServe([]),
      (/** @type {ServeExit} */ e) => e.code === 2 && /--saved-model DIR is required/.test(e.output),
    );
    await assert.rejects(
      startServe(['--saved-model', FIXTURE, '--target-override', 'nonsense']),
      (/** @type {ServeExit} */ e) => e.code === 2 && /'nonsense' is not FROM=TO/.test(e.output),
    );
    await assert.rejects(
      startServe(['--saved-model', ROOT]),
      (/** @type {ServeExit} */ e) => e.code === 1 && /is not a SavedModel/.test(e.output),
    );
  });
});

describe('JSON tensors', function () {
  it('nested arrays ↔ tensors, with dtype checks and ranges', function () {
    const t = /** @type {import('../dist').PlainTensorInput<'int32'>} */ (
      tensorFromJson(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        'int32',
        'v',
      )
    );
    assert.deepEqual(t.shape, [2, 3]);
    assert.deepEqual(Array.from(t.data), [1, 2, 3, 4, 5, 6]);
    // tensorToJson() takes an output Tensor; these inputs have its form at run time.
    assert.deepEqual(tensorToJson(/** @type {import('../dist').Tensor} */ ({ ...t, data: Int32Array.from(t.data) })), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual(tensorFromJson(7, 'float32', 'v').shape, []);
    const big = tensorFromJson(['9223372036854775807', -1], 'int64', 'v');
    assert.deepEqual(tensorToJson(/** @type {import('../dist').Tensor} */ (big)), ['9223372036854775807', -1]);
    assert.deepEqual(
      tensorToJson(/** @type {import('../dist').Tensor} */ (tensorFromJson([true, false], 'bool', 'v'))),
      [true, false],
    );
    assert.deepEqual(tensorToJson({ dtype: 'string', shape: [1], data: [Buffer.from('hé')] }), ['hé']);
    assert.throws(
      () => tensorFromJson([300], 'int8', 'v'),
      (e) => e instanceof RangeError && /300 is out of range for int8/.test(e.message),
    );
    assert.throws(
      () => tensorFromJson([1.5], 'int32', 'v'),
      (e) => e instanceof TypeError && /must hold integers/.test(e.message),
    );
    assert.throws(
      () => tensorFromJson([[1], [2, 3]], 'float32', 'v'),
      (e) => e instanceof RangeError && /not rectangular/.test(e.message),
    );
    assert.throws(
      () => tensorFromJson([1], 'float16', 'v'),
      (e) => e instanceof TypeError && /float16 cannot be written as JSON/.test(e.message),
    );
  });
});
