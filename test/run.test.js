'use strict';
// run() / runReturningStatus() / PredictionClient over real gRPC against the
// reference PredictionService (test/reference_server.py).
const assert = require('node:assert/strict');
const { getEventListeners } = require('node:events');
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');

const api = require('..');
const { native } = require('../dist/native');
const { startReferenceServer } = require('./support/reference_server');
const { deadPort } = require('./support/dead_port');

const { run, runReturningStatus, PredictionClient, RemotePredictError } = api;

const f32 = (...values) => new Float32Array(values);
const floatBits = (...bits) => new Float32Array(new Uint32Array(bits).buffer);
const doubleBits = (...bits) => new Float64Array(new BigUint64Array(bits).buffer);
const utf8 = (text) => new TextEncoder().encode(text);

const threadCount = () => fs.readdirSync('/proc/self/task').length;

/** Byte-exact comparison of tensor data (NaN payloads and -0 included). */
function assertSameData(actual, expected, what) {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${what}: expected an array of Uint8Array`);
    const hex = (list) => list.map((b) => Buffer.from(typeof b === 'string' ? utf8(b) : b).toString('hex'));
    assert.deepEqual(hex(actual), hex(expected), what);
    actual.forEach((b, i) => assert.ok(b instanceof Uint8Array, `${what}[${i}] is a Uint8Array`));
    return;
  }
  assert.equal(actual.constructor, expected.constructor, `${what}: data class`);
  const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
  assert.equal(bytes(actual), bytes(expected), what);
}

function assertTensor(actual, expected, what) {
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assertSameData(actual.data, expected.data, what);
}

/** Inputs of all_dtypes: one tensor per dtype, values chosen to catch any lossy step. */
const EXTREMES = {
  float32: {
    shape: [2, 4],
    data: new Float32Array([0, -0, 1.5, NaN, Infinity, -Infinity, 3.4028234663852886e38, 1.401298464324817e-45]),
  },
  float64: {
    shape: [7],
    data: new Float64Array([-0, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity, 0.1]),
  },
  int32: { shape: [3], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0]) },
  int64: { shape: [2, 2], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n]) },
  uint64: { shape: [4], data: new BigUint64Array([0n, 2n ** 64n - 1n, 2n ** 63n, 1n]) },
  uint32: { shape: [3], data: new Uint32Array([0, 2 ** 32 - 1, 2 ** 31]) },
  int16: { shape: [2], data: new Int16Array([-32768, 32767]) },
  uint16: { shape: [2], data: new Uint16Array([0, 65535]) },
  int8: { shape: [3], data: new Int8Array([-128, 127, -1]) },
  uint8: { shape: [3], data: new Uint8Array([0, 255, 128]) },
  bool: { shape: [2, 2], data: new Uint8Array([1, 0, 0, 1]) },
  // +0, -0, 1, max, min subnormal, +inf, -inf, quiet NaN, NaN with a payload.
  float16: {
    shape: [9],
    data: new Uint16Array([0x0000, 0x8000, 0x3c00, 0x7bff, 0x0001, 0x7c00, 0xfc00, 0x7e00, 0x7e01]),
  },
  bfloat16: { shape: [6], data: new Uint16Array([0x3f80, 0x7f7f, 0x0001, 0x7f80, 0xff80, 0x7fc0]) },
  complex64: { shape: [3], data: new Float32Array([1, -2, NaN, Infinity, -0, 3.4028234663852886e38]) },
  complex128: { shape: [2], data: new Float64Array([Number.MAX_VALUE, -Number.MIN_VALUE, -Infinity, NaN]) },
  string: { shape: [5], data: ['', 'hello', new Uint8Array([0, 255, 128, 10, 0]), 'héllo ✓ 🚀', new Uint8Array(0)] },
};

const SCALARS = {
  float32: { shape: [], data: f32(-1.25) },
  float64: { shape: [], data: doubleBits(0x7ff8000000000123n) }, // NaN with a payload
  int32: { shape: [], data: new Int32Array([-7]) },
  int64: { shape: [], data: new BigInt64Array([-(2n ** 63n)]) },
  uint64: { shape: [], data: new BigUint64Array([2n ** 64n - 1n]) },
  uint32: { shape: [], data: new Uint32Array([4e9]) },
  int16: { shape: [], data: new Int16Array([-2]) },
  uint16: { shape: [], data: new Uint16Array([2]) },
  int8: { shape: [], data: new Int8Array([-3]) },
  uint8: { shape: [], data: new Uint8Array([3]) },
  bool: { shape: [], data: new Uint8Array([1]) },
  float16: { shape: [], data: new Uint16Array([0xfbff]) },
  bfloat16: { shape: [], data: new Uint16Array([0x8001]) },
  complex64: { shape: [], data: floatBits(0x7fc00123, 0xff800000) },
  complex128: { shape: [], data: new Float64Array([-0, 2.5]) },
  string: { shape: [], data: [new Uint8Array([0xc3, 0x28])] }, // not valid UTF-8
};

/** Zero-element tensors of every dtype, [0] or [2, 0, 3]. */
const EMPTY = Object.fromEntries(
  Object.entries(EXTREMES).map(([dtype, { data }], i) => {
    const shape = i % 2 ? [0] : [2, 0, 3];
    return [
      dtype,
      {
        shape,
        data: Array.isArray(data)
          ? []
          : new /** @type {new (length: number) => import('..').TypedArray} */ (data.constructor)(0),
      },
    ];
  }),
);

const DTYPE_NAMES = Object.keys(EXTREMES);

/** The expected output of a tensor sent (strings come back as bytes). */
function echoed(dtype, { shape, data }) {
  return { dtype, shape, data: Array.isArray(data) ? data.map((s) => (typeof s === 'string' ? utf8(s) : s)) : data };
}

describe('run() and runReturningStatus() over gRPC', function () {
  let server;
  let target;

  before(async function () {
    server = await startReferenceServer();
    target = server.address;
  });

  after(async function () {
    if (server) await server.stop();
  });

  const halfPlusTwo = (patch = {}) => ({
    targetAddress: target,
    modelName: 'half_plus_two',
    inputTensorAliases: ['x'],
    inputTensors: [{ dtype: 'float32', shape: [3], data: f32(1, 2, 5) }],
    outputTensorAliases: ['y'],
    outputTypes: /** @type {const} */ (['float32']), // outputs typed Tensor<'float32'>
    ...patch,
  });

  const slow = (delayMs, patch = {}) => ({
    targetAddress: target,
    modelName: 'slow',
    inputTensorAliases: ['delay_ms', 'x'],
    inputTensors: [
      { dtype: 'int64', shape: [], data: new BigInt64Array([BigInt(delayMs)]) },
      { dtype: 'float32', shape: [2], data: f32(7, -7) },
    ],
    outputTensorAliases: ['y'],
    outputTypes: /** @type {const} */ (['float32']), // outputs typed Tensor<'float32'>
    ...patch,
  });

  const allDtypes = (inputs, outputNames = DTYPE_NAMES) => ({
    targetAddress: target,
    modelName: 'all_dtypes',
    inputTensorAliases: DTYPE_NAMES,
    inputTensors: DTYPE_NAMES.map((dtype) => ({ dtype, ...inputs[dtype] })),
    outputTensorAliases: outputNames.map((name) => `${name}_out`),
    outputTypes: outputNames,
  });

  /** Rejects with a RemotePredictError of this code; returns it. */
  async function rejectsWith(promise, codeName) {
    /** @type {Error | undefined} */
    let caught;
    await assert.rejects(promise, (error) => {
      caught = /** @type {Error} */ (error);
      return true;
    });
    assert.ok(caught instanceof RemotePredictError, `not a RemotePredictError: ${caught && caught.stack}`);
    assert.equal(caught.codeName, codeName, caught.message);
    assert.equal(caught.code, api.StatusCode[codeName]);
    assert.equal(caught.message, `${codeName}: ${caught.details}`);
    return caught;
  }

  /** Resolves in status mode with this code and zero-filled scalars of the declared dtypes. */
  async function statusIs(promise, codeName, outputTypes) {
    const result = await promise;
    assert.equal(result.statusCode, api.StatusCode[codeName], result.statusErrorMessage);
    assert.notEqual(result.statusErrorMessage, '');
    assert.equal(result.outputTensors.length, outputTypes.length);
    result.outputTensors.forEach((tensor, i) => {
      assert.equal(tensor.dtype, outputTypes[i]);
      assert.deepEqual(tensor.shape, []);
      if (tensor.dtype === 'string') assertSameData(tensor.data, [new Uint8Array(0)], 'zero string');
      else
        assert.ok(
          Array.from(tensor.data).every((v) => v == 0),
          `${tensor.dtype} zero`,
        );
    });
    return result;
  }

  describe('half_plus_two', function () {
    it('run() resolves with the outputs', async function () {
      const [y] = await run(halfPlusTwo());
      assertTensor(y, { dtype: 'float32', shape: [3], data: f32(2.5, 3, 4.5) }, 'y');
    });

    it('runReturningStatus() resolves with status 0 and the outputs', async function () {
      const { statusCode, statusErrorMessage, outputTensors } = await runReturningStatus(halfPlusTwo());
      assert.equal(statusCode, 0);
      assert.equal(statusErrorMessage, '');
      assertTensor(outputTensors[0], { dtype: 'float32', shape: [3], data: f32(2.5, 3, 4.5) }, 'y');
    });

    it('selects the model version, the version label and the signature', async function () {
      const y = async (patch) => Array.from((await run(halfPlusTwo(patch)))[0].data);
      assert.deepEqual(await y({ modelVersion: 1 }), [1.5, 2, 3.5]);
      assert.deepEqual(await y({ modelVersion: 2 }), [2.5, 3, 4.5]);
      assert.deepEqual(await y({ modelVersion: -1 }), [2.5, 3, 4.5]);
      assert.deepEqual(await y({ versionLabel: 'canary' }), [1.5, 2, 3.5]);
      assert.deepEqual(await y({ versionLabel: 'stable' }), [2.5, 3, 4.5]);
      assert.deepEqual(await y({ signatureName: 'times_two' }), [2, 4, 10]);
      assert.deepEqual(await y({ signatureName: 'times_two', versionLabel: 'canary' }), [2, 4, 10]);
    });

    it('accepts a zero-element input', async function () {
      const [y] = await run(halfPlusTwo({ inputTensors: [{ dtype: 'float32', shape: [0], data: f32() }] }));
      assertTensor(y, { dtype: 'float32', shape: [0], data: f32() }, 'y');
    });
  });

  describe('calls like earlier ones (kept call shapes)', function () {
    it('one options object reused, changed in place between calls: each call sends what it holds then', async function () {
      const options = /** @type {any} */ (halfPlusTwo()); // changed in place below
      const y = async () => Array.from(/** @type {Float32Array} */ ((await run(options))[0].data));
      assert.deepEqual(await y(), [2.5, 3, 4.5]);
      options.modelVersion = 1;
      assert.deepEqual(await y(), [1.5, 2, 3.5]);
      delete options.modelVersion;
      options.signatureName = 'times_two';
      assert.deepEqual(await y(), [2, 4, 10]);
      options.signatureName = 'serving_default';
      options.inputTensorAliases[0] = 'not_an_input';
      await rejectsWith(run(options), 'INVALID_ARGUMENT');
      options.inputTensorAliases[0] = 'x';
      options.outputTypes[0] = 'float64';
      await assert.rejects(run(options), RemotePredictError);
      options.outputTypes[0] = 'float32';
      options.inputTensors[0].data = f32(0, 0, 4);
      assert.deepEqual(await y(), [2, 2, 4]);
    });

    it('a deadline changed on the same options object applies to the next call', async function () {
      const options = /** @type {any} */ (slow(300, { deadlineMillis: 5000 })); // changed in place below
      assert.deepEqual(Array.from(/** @type {Float32Array} */ ((await run(options))[0].data)), [7, -7]);
      options.deadlineMillis = 50;
      await rejectsWith(run(options), 'DEADLINE_EXCEEDED');
    });

    it('inputs of another dtype under the same options make their own call', async function () {
      const options = halfPlusTwo();
      await run(options);
      const float64 = { ...options, inputTensors: [{ dtype: 'float64', shape: [3], data: new Float64Array(3) }] };
      await assert.rejects(run(/** @type {any} */ (float64)), RemotePredictError);
      assert.deepEqual(Array.from((await run(options))[0].data), [2.5, 3, 4.5]);
    });

    it('after such calls, what is wrong is still reported first in option order, synchronously', async function () {
      const options = halfPlusTwo();
      await run(options);
      const badTensor = { dtype: 'float32', shape: [3], data: f32(1) };
      assert.throws(() => run({ ...options, inputTensors: [badTensor] }), {
        name: 'RangeError',
        message: /^inputTensors\[0\]\.data has 1 value, but shape \[3\]/,
      });
      assert.throws(() => run({ ...options, modelName: '', inputTensors: [badTensor] }), {
        name: 'TypeError',
        message: /^modelName must be a non-empty string/,
      });
      assert.throws(() => run({ ...options, inputTensors: [] }), {
        name: 'RangeError',
        message: /^inputTensorAliases has 1 entry but inputTensors has 0/,
      });
      assert.throws(() => run({ ...options, signal: /** @type {any} */ ('aborted') }), {
        name: 'TypeError',
        message: /^signal must be an AbortSignal/,
      });
      assert.throws(() => run({ ...options, outputTypes: ['float32', 'int64'] }), {
        name: 'RangeError',
        message: /^outputTensorAliases has 1 entry but outputTypes has 2/,
      });
      assert.throws(() => run({ ...options, deadlineMillis: 5, maxRpcDeadlineMillis: 5 }), {
        name: 'TypeError',
        message: /^deadlineMillis and maxRpcDeadlineMillis were both given/,
      });
    });

    it('a client call with its aliases changed in place between calls sends what they hold then', async function () {
      const client = new PredictionClient({
        targetAddress: target,
        modelName: 'half_plus_two',
        outputTypes: ['float32'],
      });
      const call = { inputTensorAliases: ['x'], inputTensors: halfPlusTwo().inputTensors, outputTensorAliases: ['y'] };
      assert.deepEqual(Array.from((await client.run(call))[0].data), [2.5, 3, 4.5]);
      call.outputTensorAliases[0] = 'not_an_output';
      await rejectsWith(client.run(call), 'INVALID_ARGUMENT');
      call.outputTensorAliases[0] = 'y';
      assert.deepEqual(Array.from((await client.run({ ...call, signatureName: 'times_two' }))[0].data), [2, 4, 10]);
      assert.deepEqual(Array.from((await client.run(call))[0].data), [2.5, 3, 4.5]);
    });
  });

  describe('every dtype round-trips exactly through all_dtypes', function () {
    it('extremes: int64/uint64 limits, NaN and infinities, empty and binary strings, bool, float16 bits', async function () {
      const outputs = await run(allDtypes(EXTREMES));
      DTYPE_NAMES.forEach((dtype, i) => assertTensor(outputs[i], echoed(dtype, EXTREMES[dtype]), dtype));
    });

    it('scalars (shape [])', async function () {
      const outputs = await run(allDtypes(SCALARS));
      DTYPE_NAMES.forEach((dtype, i) => assertTensor(outputs[i], echoed(dtype, SCALARS[dtype]), dtype));
    });

    it('zero-element shapes ([0] and [2, 0, 3])', async function () {
      const outputs = await run(allDtypes(EMPTY));
      DTYPE_NAMES.forEach((dtype, i) => assertTensor(outputs[i], echoed(dtype, EMPTY[dtype]), dtype));
    });

    it('the same through runReturningStatus()', async function () {
      const { statusCode, outputTensors } = await runReturningStatus(allDtypes(EXTREMES));
      assert.equal(statusCode, 0);
      DTYPE_NAMES.forEach((dtype, i) => assertTensor(outputTensors[i], echoed(dtype, EXTREMES[dtype]), dtype));
    });

    it('outputs follow the order of outputTensorAliases (several inputs, several outputs)', async function () {
      for (const order of [
        ['string', 'int64', 'float32', 'bool'],
        ['complex128', 'uint8'],
        [...DTYPE_NAMES].reverse(),
      ]) {
        const outputs = await run(allDtypes(EXTREMES, order));
        assert.equal(outputs.length, order.length);
        order.forEach((dtype, i) => assertTensor(outputs[i], echoed(dtype, EXTREMES[dtype]), `${dtype} at ${i}`));
      }
    });

    it("with setTensorEncoding('typed_fields') too", async function () {
      assert.throws(() => api.setTensorEncoding(/** @type {any} */ ('json')), TypeError); // deliberately no encoding
      api.setTensorEncoding('typed_fields');
      try {
        for (const inputs of [EXTREMES, SCALARS, EMPTY]) {
          const outputs = await run(allDtypes(inputs));
          DTYPE_NAMES.forEach((dtype, i) => assertTensor(outputs[i], echoed(dtype, inputs[dtype]), dtype));
        }
      } finally {
        api.setTensorEncoding('tensor_content');
      }
    });

    it('output typed arrays view the returned buffer from its start', async function () {
      const [int64] = await run(allDtypes(EXTREMES, ['int64']));
      assert.ok(int64.data instanceof BigInt64Array);
      assert.equal(int64.data.byteOffset, 0);
      assert.equal(int64.data.byteLength, int64.data.buffer.byteLength);
    });
  });

  describe('RPC errors: run() rejects with RemotePredictError, runReturningStatus() resolves with the status', function () {
    it('unknown model → NOT_FOUND', async function () {
      const error = await rejectsWith(run(halfPlusTwo({ modelName: 'no_such_model' })), 'NOT_FOUND');
      assert.match(error.details, /no_such_model/);
      const outputTypes = DTYPE_NAMES;
      await statusIs(
        runReturningStatus({ ...allDtypes(EXTREMES), modelName: 'no_such_model' }),
        'NOT_FOUND',
        outputTypes,
      );
    });

    it('unknown version or version label → NOT_FOUND', async function () {
      await rejectsWith(run(halfPlusTwo({ modelVersion: 99 })), 'NOT_FOUND');
      await rejectsWith(run(halfPlusTwo({ versionLabel: 'no_such_label' })), 'NOT_FOUND');
      await statusIs(runReturningStatus(halfPlusTwo({ modelVersion: 99 })), 'NOT_FOUND', ['float32']);
    });

    it('unknown signature → FAILED_PRECONDITION', async function () {
      const error = await rejectsWith(run(halfPlusTwo({ signatureName: 'no_such_signature' })), 'FAILED_PRECONDITION');
      assert.match(error.details, /no_such_signature/);
      await statusIs(runReturningStatus(halfPlusTwo({ signatureName: 'no_such_signature' })), 'FAILED_PRECONDITION', [
        'float32',
      ]);
    });

    it('a request the server refuses → INVALID_ARGUMENT', async function () {
      const wrongDtype = { inputTensors: [{ dtype: 'float64', shape: [1], data: new Float64Array([1]) }] };
      await rejectsWith(run(halfPlusTwo(wrongDtype)), 'INVALID_ARGUMENT');
      await statusIs(runReturningStatus(halfPlusTwo(wrongDtype)), 'INVALID_ARGUMENT', ['float32']);
      await rejectsWith(run(halfPlusTwo({ outputTensorAliases: ['no_such_output'] })), 'INVALID_ARGUMENT');
    });

    it('a 200 ms deadline against a 2 s model → DEADLINE_EXCEEDED in under 1 s', async function () {
      let started = performance.now();
      await rejectsWith(run(slow(2000, { maxRpcDeadlineMillis: 200 })), 'DEADLINE_EXCEEDED');
      const failMs = performance.now() - started;
      started = performance.now();
      await statusIs(runReturningStatus(slow(2000, { maxRpcDeadlineMillis: 200 })), 'DEADLINE_EXCEEDED', ['float32']);
      const statusMs = performance.now() - started;
      this.test.title += ` (${failMs.toFixed(0)} ms, status mode ${statusMs.toFixed(0)} ms)`;
      assert.ok(failMs >= 190 && failMs < 1000, `run() took ${failMs} ms`);
      assert.ok(statusMs >= 190 && statusMs < 1000, `runReturningStatus() took ${statusMs} ms`);
    });

    it('deadlineMillis (the name run() documents) 200 against a 2 s model → DEADLINE_EXCEEDED in under 1 s', async function () {
      let started = performance.now();
      await rejectsWith(run(slow(2000, { deadlineMillis: 200 })), 'DEADLINE_EXCEEDED');
      const failMs = performance.now() - started;
      started = performance.now();
      await statusIs(runReturningStatus(slow(2000, { deadlineMillis: 200 })), 'DEADLINE_EXCEEDED', ['float32']);
      const statusMs = performance.now() - started;
      assert.ok(failMs >= 190 && failMs < 1000, `run() took ${failMs} ms`);
      assert.ok(statusMs >= 190 && statusMs < 1000, `runReturningStatus() took ${statusMs} ms`);
      const [y] = await run(slow(100, { deadlineMillis: 900 }));
      assertTensor(y, { dtype: 'float32', shape: [2], data: f32(7, -7) }, 'y');
    });

    it('a deadline longer than the model succeeds (deadlines are not truncated to seconds)', async function () {
      const [y] = await run(slow(100, { maxRpcDeadlineMillis: 900 }));
      assertTensor(y, { dtype: 'float32', shape: [2], data: f32(7, -7) }, 'y');
    });

    it('a dead port → UNAVAILABLE', async function () {
      const dead = `127.0.0.1:${await deadPort()}`;
      await rejectsWith(run(halfPlusTwo({ targetAddress: dead })), 'UNAVAILABLE');
      await statusIs(runReturningStatus(halfPlusTwo({ targetAddress: dead, outputTypes: ['int64'] })), 'UNAVAILABLE', [
        'int64',
      ]);
    });
  });

  describe('abort through an AbortSignal', function () {
    it("aborting a call in flight cancels the RPC → CANCELLED in well under the model's 2 s", async function () {
      const controller = new AbortController();
      const started = performance.now();
      const call = run(slow(2000, { signal: controller.signal }));
      setTimeout(() => controller.abort(), 100);
      const error = await rejectsWith(call, 'CANCELLED');
      const ms = performance.now() - started;
      assert.ok(ms < 1000, `took ${ms} ms`);
      assert.equal(error.cause, controller.signal.reason);
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'abort listener removed');
      // The server saw the cancellation: the RPC itself was cancelled.
      const deadline = Date.now() + 2000;
      while (!/CANCELLED slow/.test(server.stderr()) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.match(server.stderr(), /CANCELLED slow/);
    });

    it('status mode: statusCode 1 (CANCELLED) and zero scalars', async function () {
      const controller = new AbortController();
      const started = performance.now();
      const call = runReturningStatus(slow(2000, { signal: controller.signal, outputTypes: ['float32'] }));
      setTimeout(() => controller.abort(), 100);
      await statusIs(call, 'CANCELLED', ['float32']);
      assert.ok(performance.now() - started < 1000);
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'abort listener removed');
    });

    it('an already-aborted signal settles as CANCELLED without a native call', async function () {
      const saved = Object.getOwnPropertyDescriptor(native, 'call');
      let calls = 0;
      native.call = (...args) => {
        calls += 1;
        return saved.value(...args);
      };
      try {
        const signal = AbortSignal.abort();
        const error = await rejectsWith(run(halfPlusTwo({ signal })), 'CANCELLED');
        assert.equal(error.cause, signal.reason);
        await statusIs(
          runReturningStatus(halfPlusTwo({ signal, outputTypes: ['string', 'bool'], outputTensorAliases: ['y', 'z'] })),
          'CANCELLED',
          ['string', 'bool'],
        );
        assert.equal(calls, 0);
      } finally {
        Object.defineProperty(native, 'call', saved);
      }
    });

    it('a completed call leaves no listener and a later abort changes nothing', async function () {
      const controller = new AbortController();
      const [y] = await run(halfPlusTwo({ signal: controller.signal }));
      assert.deepEqual(Array.from(y.data), [2.5, 3, 4.5]);
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
      controller.abort();
    });
  });

  describe('PredictionClient', function () {
    it('calls its target with its defaults, overridden per call', async function () {
      const client = new PredictionClient({
        targetAddress: target,
        modelName: 'half_plus_two',
        versionLabel: 'canary',
        outputTensorAliases: ['y'],
        outputTypes: ['float32'],
        maxRpcDeadlineMillis: 5000,
      });
      const x = { inputTensorAliases: ['x'], inputTensors: [{ dtype: 'float32', shape: [3], data: f32(1, 2, 5) }] };
      assert.deepEqual(Array.from((await client.run(x))[0].data), [1.5, 2, 3.5]);
      assert.deepEqual(Array.from((await client.run({ ...x, modelVersion: 2 }))[0].data), [2.5, 3, 4.5]);
      assert.deepEqual(Array.from((await client.run({ ...x, versionLabel: 'stable' }))[0].data), [2.5, 3, 4.5]);
      const status = await client.runReturningStatus({ ...x, modelName: 'no_such_model' });
      assert.equal(status.statusCode, 5);
      await rejectsWith(client.run({ ...x, signatureName: 'nope' }), 'FAILED_PRECONDITION');
    });
  });

  describe('PredictionClient deadlines and close()', function () {
    const call = (delayMs, patch = {}) => {
      const { targetAddress, modelName, ...rest } = slow(delayMs, patch);
      return rest;
    };

    it("the default deadline (either name) applies; a call's own, under either name, replaces it", async function () {
      for (const name of ['deadlineMillis', 'maxRpcDeadlineMillis']) {
        // (A computed key types the object with an index signature, which the constructor's check refuses.)
        const client = new PredictionClient(
          /** @type {import('..').PredictionClientOptions & { modelName: 'slow' }} */ ({
            targetAddress: target,
            modelName: 'slow',
            [name]: 200,
          }),
        );
        await rejectsWith(client.run(call(2000)), 'DEADLINE_EXCEEDED');
        for (const own of ['deadlineMillis', 'maxRpcDeadlineMillis']) {
          const [y] = await client.run(call(300, { [own]: 5000 }));
          assert.deepEqual(Array.from(y.data), [7, -7], `default ${name}, per call ${own}`);
        }
      }
      const patient = new PredictionClient({ targetAddress: target, modelName: 'slow', deadlineMillis: 5000 });
      const status = await patient.runReturningStatus(call(2000, { maxRpcDeadlineMillis: 200 }));
      assert.equal(status.statusCode, api.StatusCode.DEADLINE_EXCEEDED);
    });

    it('close(): calls in flight finish unaffected; later calls reject FAILED_PRECONDITION; idempotent', async function () {
      const client = new PredictionClient({ targetAddress: target, modelName: 'slow', deadlineMillis: 10000 });
      const inFlight = /** @type {const} */ ([client.run(call(400)), client.runReturningStatus(call(400))]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      client.close();
      assert.equal(client.closed, true);
      const [[y], status] = await Promise.all(inFlight);
      assert.deepEqual(Array.from(y.data), [7, -7]);
      assert.equal(status.statusCode, 0);
      assert.deepEqual(Array.from(status.outputTensors[0].data), [7, -7]);
      client.close();
      const error = await rejectsWith(client.run(call(0)), 'FAILED_PRECONDITION');
      assert.match(error.message, /^FAILED_PRECONDITION: this PredictionClient \(target .*\) has been closed/);
      await rejectsWith(client.runReturningStatus(call(0)), 'FAILED_PRECONDITION');
      // Another client of the same target is not affected (the channel is shared).
      const other = new PredictionClient({ targetAddress: target, modelName: 'slow' });
      assert.deepEqual(Array.from((await other.run(call(0)))[0].data), [7, -7]);
    });
  });

  describe('message sizes and channel options', function () {
    const echo = (elements) => {
      const x = new Float32Array(elements).map((_, i) => i % 1000);
      return {
        x,
        options: slow(0, {
          inputTensors: [
            { dtype: 'int64', shape: [], data: new BigInt64Array([0n]) },
            { dtype: 'float32', shape: [elements], data: x },
          ],
          maxRpcDeadlineMillis: 30000,
        }),
      };
    };

    it("sends and receives tensors over gRPC's 4 MiB default by default", async function () {
      const { x, options } = echo((5 * 1024 * 1024) / 4 + 3); // 5 MiB of float32
      const [y] = await run(options);
      assert.equal(y.data.length, x.length);
      assert.ok(Buffer.from(y.data.buffer).equals(Buffer.from(x.buffer)), 'the 5 MiB tensor came back unchanged');
    });

    it("a client's maxReceiveMessageBytes refuses a larger response with RESOURCE_EXHAUSTED naming the limit", async function () {
      const { options } = echo(4096);
      const { targetAddress, ...call } = options;
      const client = new PredictionClient({ targetAddress, channelOptions: { maxReceiveMessageBytes: 4000 } });
      const error = await rejectsWith(client.run(call), 'RESOURCE_EXHAUSTED');
      assert.match(error.details, /4000/);
      const small = echo(16);
      const { targetAddress: _, ...smallCall } = small.options;
      assert.deepEqual(Array.from((await client.run(smallCall))[0].data), Array.from(small.x));
    });

    it('maxSendMessageBytes refuses a larger request with RESOURCE_EXHAUSTED naming the limit', async function () {
      const { options } = echo(4096);
      const error = await rejectsWith(
        run({ ...options, channelOptions: { maxSendMessageBytes: 4000 } }),
        'RESOURCE_EXHAUSTED',
      );
      assert.match(error.details, /4000/);
      const status = await runReturningStatus({ ...options, channelOptions: { maxSendMessageBytes: 4000 } });
      assert.equal(status.statusCode, api.StatusCode.RESOURCE_EXHAUSTED);
      // The same target without the limit is another channel and succeeds.
      assert.equal((await run(options))[0].data.length, 4096);
    });
  });

  describe('results handed over a slice of completions at a time', function () {
    it('calls completing together each get their own outputs, in buffers of their own', async function () {
      const big = (i) => Float32Array.from({ length: 4096 }, (_, k) => i * 10000 + k); // 16 KiB: not shared
      const N = 60;
      const smallCalls = [];
      const bigCalls = [];
      const allCalls = [];
      for (let i = 0; i < N; i++) {
        smallCalls.push(
          run(halfPlusTwo({ inputTensors: [{ dtype: 'float32', shape: [3], data: f32(i, -i, i / 4) }] })),
        );
        bigCalls.push(run(halfPlusTwo({ inputTensors: [{ dtype: 'float32', shape: [4096], data: big(i) }] })));
        allCalls.push(run(allDtypes(EXTREMES)));
      }
      const [smalls, bigs, alls] = await Promise.all([
        Promise.all(smallCalls),
        Promise.all(bigCalls),
        Promise.all(allCalls),
      ]);
      for (let i = 0; i < N; i++) {
        assert.deepEqual(Array.from(smalls[i][0].data), [i / 2 + 2, -i / 2 + 2, i / 8 + 2], `small ${i}`);
        assertSameData(
          bigs[i][0].data,
          Float32Array.from(big(i), (v) => v / 2 + 2),
          `big ${i}`,
        );
        alls[i].forEach((tensor, k) =>
          assertTensor(tensor, { dtype: DTYPE_NAMES[k], ...EXTREMES[DTYPE_NAMES[k]] }, `all_dtypes ${i}`),
        );
      }
      // Every numeric output owns its whole buffer: transferring (detaching) one leaves the others intact.
      const numeric = [
        ...smalls.map(([y]) => y.data),
        ...bigs.map(([y]) => y.data),
        ...alls.flatMap((outputs) => outputs.flatMap((t) => (t.dtype === 'string' ? [] : [t.data]))),
      ];
      for (const data of numeric) {
        assert.equal(data.byteOffset, 0);
        assert.equal(data.buffer.byteLength, data.byteLength);
      }
      const first = smalls[0][0].data;
      structuredClone(first.buffer, { transfer: [/** @type {ArrayBuffer} */ (first.buffer)] });
      assert.equal(first.length, 0, 'detached');
      assert.deepEqual(Array.from(smalls[1][0].data), [2.5, 1.5, 2.125]);
    });
  });

  describe('two copies of the package over one addon (a test runner evaluating modules afresh)', function () {
    it("each call settles with its own outputs, whichever copy's handler receives them", async function () {
      const dist = require('node:path').join(__dirname, '..', 'dist');
      const saved = Object.keys(require.cache).filter((file) => file.startsWith(dist) && file.endsWith('.js'));
      const kept = new Map(saved.map((file) => [file, require.cache[file]]));
      for (const file of saved) delete require.cache[file];
      /** @type {typeof api} */
      let fresh;
      try {
        fresh = require('..');
      } finally {
        for (const file of Object.keys(require.cache))
          if (file.startsWith(dist) && file.endsWith('.js')) delete require.cache[file];
        for (const [file, module] of kept) require.cache[file] = module;
      }
      assert.notEqual(fresh.run, run, 'a second copy of the JS');
      assert.equal(require('../dist/native').native, native, 'the original copy is back in the cache');
      const call = (runner, i) =>
        runner(halfPlusTwo({ inputTensors: [{ dtype: 'float32', shape: [1], data: f32(i) }] })).then(
          ([y]) => y.data[0],
        );
      const calls = [];
      for (let i = 0; i < 100; i++) calls.push(call(i % 2 === 0 ? run : fresh.run, i));
      assert.deepEqual(
        await Promise.all(calls),
        Array.from({ length: 100 }, (_, i) => i / 2 + 2),
      );
    });
  });

  describe('1000 concurrent calls', function () {
    it('all settle with correct values; the thread count stays flat', async function () {
      const N = 1000;
      const DELAY_MS = 300;
      const call = (i) =>
        run(
          slow(DELAY_MS, {
            maxRpcDeadlineMillis: 60000,
            inputTensors: [
              { dtype: 'int64', shape: [], data: new BigInt64Array([BigInt(DELAY_MS)]) },
              { dtype: 'float32', shape: [2], data: f32(i, -i) },
            ],
          }),
        );
      await Promise.all([call(-1), call(-2)]); // channel and kernel exist, pools warmed up
      const before = threadCount();
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, threadCount());
      }, 5);
      const started = performance.now();
      const calls = Array.from({ length: N }, (_, i) => call(i));
      peak = Math.max(peak, threadCount());
      let results;
      try {
        results = await Promise.allSettled(calls);
      } finally {
        clearInterval(sampler);
      }
      const ms = performance.now() - started;
      peak = Math.max(peak, threadCount());
      const after = threadCount();
      const failures = results.filter((r) => r.status === 'rejected');
      assert.equal(
        failures.length,
        0,
        failures
          .slice(0, 3)
          .map((r) => r.reason && r.reason.message)
          .join('\n'),
      );
      // All fulfilled (no failures above).
      results.forEach((r, i) =>
        assert.deepEqual(
          Array.from(/** @type {PromiseFulfilledResult<[import('..').Tensor<'float32'>]>} */ (r).value[0].data),
          [i, -i],
          `call ${i}`,
        ),
      );
      const note = `threads before ${before}, peak ${peak}, after ${after}; ${N} calls in ${ms.toFixed(0)} ms`;
      this.test.title += ` (${note})`;
      console.log(`      ${note}`);
      assert.ok(peak - before <= 8, `thread count rose by ${peak - before}`);
    });
  });
});
