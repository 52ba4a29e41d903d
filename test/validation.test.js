'use strict';
// Synchronous validation of run() / runReturningStatus() / PredictionClient
// options: each error is a TypeError or RangeError naming the argument, thrown
// before any native work (the addon's predict() is never called and the
// sentinel server the target points at never sees a connection).
const assert = require('node:assert/strict');
const net = require('node:net');

const api = require('..');
const { native } = require('../dist/native');

const { run, runReturningStatus, PredictionClient, RemotePredictError, StatusCode, statusCodeName } = api;

const f32 = (...values) => new Float32Array(values);

describe('validation', function () {
  let sentinel;
  let connections = 0;
  let target;
  let nativeCalls = 0;
  const NATIVE_CALLS = ['prepare', 'call'];
  const saved = {};

  before(async function () {
    sentinel = net.createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise((resolve) => sentinel.listen(0, '127.0.0.1', resolve));
    target = `127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (sentinel.address()).port}`;
    // The addon's exports are a plain object: count calls of prepare() and call().
    for (const name of NATIVE_CALLS) {
      saved[name] = Object.getOwnPropertyDescriptor(native, name);
      native[name] = () => {
        nativeCalls += 1;
        throw new Error(`${name}() must not be reached by invalid options`);
      };
    }
  });

  after(async function () {
    for (const name of NATIVE_CALLS) Object.defineProperty(native, name, saved[name]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => sentinel.close(resolve));
    assert.equal(connections, 0, 'the sentinel server saw a connection');
  });

  afterEach(function () {
    assert.equal(nativeCalls, 0, 'the native predict() was called');
  });

  /** A valid call of half_plus_two; `patch` replaces or removes (undefined) options. */
  function options(patch = {}) {
    const o = {
      targetAddress: target,
      modelName: 'half_plus_two',
      inputTensorAliases: ['x'],
      inputTensors: [{ dtype: 'float32', shape: [3], data: f32(1, 2, 5) }],
      outputTensorAliases: ['y'],
      outputTypes: ['float32'],
      ...patch,
    };
    for (const key of Object.keys(o)) if (o[key] === undefined) delete o[key];
    return o;
  }

  /** Both entry points throw synchronously with this class and message. */
  function assertInvalid(opts, ErrorClass, message) {
    for (const fn of [run, runReturningStatus]) {
      assert.throws(
        () => fn(opts),
        (/** @type {Error} */ error) => {
          assert.equal(error.constructor, ErrorClass, `${fn.name}: ${error.constructor.name}: ${error.message}`);
          if (message instanceof RegExp) assert.match(error.message, message);
          else assert.equal(error.message, message);
          return true;
        },
        `${fn.name} did not throw synchronously`,
      );
    }
  }

  describe('input tensors', function () {
    it('alias and tensor counts differ → RangeError naming both', function () {
      assertInvalid(
        options({ inputTensorAliases: ['x', 'z'] }),
        RangeError,
        'inputTensorAliases has 2 entries but inputTensors has 1; they pair up one to one',
      );
      assertInvalid(
        options({ inputTensorAliases: [] }),
        RangeError,
        /^inputTensorAliases has 0 entries but inputTensors has 1/,
      );
    });

    it('unknown dtype → TypeError naming inputTensors[i].dtype and listing the dtypes', function () {
      assertInvalid(
        options({ inputTensors: [{ dtype: 'float', shape: [1], data: f32(1) }] }),
        TypeError,
        /^inputTensors\[0\]\.dtype must be one of 'float32', 'float64', .*'uint64', got "float"$/,
      );
      assertInvalid(
        options({ inputTensors: [{ shape: [1], data: f32(1) }] }),
        TypeError,
        /^inputTensors\[0\]\.dtype must be one of .* got undefined$/,
      );
    });

    it('typed array class does not match the dtype → TypeError', function () {
      const inputs = [
        { dtype: 'float32', shape: [1], data: f32(1) },
        { dtype: 'int64', shape: [1], data: new BigInt64Array(1) },
        { dtype: 'float32', shape: [2], data: new Int32Array(2) },
      ];
      assertInvalid(
        options({ inputTensorAliases: ['a', 'b', 'c'], inputTensors: inputs }),
        TypeError,
        "inputTensors[2].data must be a Float32Array for dtype 'float32', got Int32Array",
      );
      assertInvalid(
        options({ inputTensors: [{ dtype: 'int64', shape: [1], data: new Float64Array(1) }] }),
        TypeError,
        "inputTensors[0].data must be a BigInt64Array for dtype 'int64', got Float64Array",
      );
      assertInvalid(
        options({ inputTensors: [{ dtype: 'float16', shape: [1], data: f32(1) }] }),
        TypeError,
        "inputTensors[0].data must be a Uint16Array for dtype 'float16', got Float32Array",
      );
      assertInvalid(
        options({ inputTensors: [{ dtype: 'float32', shape: [2], data: [1, 2] }] }),
        TypeError,
        "inputTensors[0].data must be a Float32Array for dtype 'float32', got an Array",
      );
      assertInvalid(
        options({ inputTensors: [{ dtype: 'string', shape: [1], data: new Uint8Array(1) }] }),
        TypeError,
        "inputTensors[0].data must be an array of Uint8Array or string for dtype 'string', got Uint8Array",
      );
      assertInvalid(
        options({ inputTensors: [{ dtype: 'string', shape: [2], data: ['a', 7] }] }),
        TypeError,
        "inputTensors[0].data[1] must be a Uint8Array or string for dtype 'string', got 7",
      );
    });

    it('element count differs from the product of the shape → RangeError', function () {
      assertInvalid(
        options({ inputTensors: [{ dtype: 'float32', shape: [2, 3], data: f32(1, 2, 3, 4, 5) }] }),
        RangeError,
        'inputTensors[0].data has 5 values, but shape [2, 3] holds 6 elements',
      );
      assertInvalid(
        options({ inputTensors: [{ dtype: 'float32', shape: [], data: f32() }] }),
        RangeError,
        'inputTensors[0].data has 0 values, but shape [] holds 1 element',
      );
      assertInvalid(
        options({ inputTensors: [{ dtype: 'complex64', shape: [2], data: f32(1, 2) }] }),
        RangeError,
        'inputTensors[0].data has 2 values, but shape [2] holds 2 complex64 elements (4 values, re and im interleaved)',
      );
      assertInvalid(
        options({ inputTensors: [{ dtype: 'string', shape: [0], data: [''] }] }),
        RangeError,
        'inputTensors[0].data has 1 value, but shape [0] holds 0 elements',
      );
    });

    it('negative or non-integer dimensions → RangeError; a dimension of the wrong type → TypeError', function () {
      const withShape = (shape) => options({ inputTensors: [{ dtype: 'float32', shape, data: f32(1) }] });
      assertInvalid(withShape([1, -1]), RangeError, 'inputTensors[0].shape[1] must be a non-negative integer, got -1');
      assertInvalid(withShape([1.5]), RangeError, 'inputTensors[0].shape[0] must be a non-negative integer, got 1.5');
      assertInvalid(withShape([NaN]), RangeError, 'inputTensors[0].shape[0] must be a non-negative integer, got NaN');
      assertInvalid(withShape(['1']), TypeError, 'inputTensors[0].shape[0] must be a non-negative integer, got "1"');
      assertInvalid(
        withShape(undefined),
        TypeError,
        'inputTensors[0].shape must be an array of non-negative integers, got undefined',
      );
    });

    it('bool values other than 0 and 1 → RangeError', function () {
      assertInvalid(
        options({ inputTensors: [{ dtype: 'bool', shape: [3], data: new Uint8Array([0, 1, 2]) }] }),
        RangeError,
        "inputTensors[0].data[2] must be 0 or 1 for dtype 'bool', got 2",
      );
    });

    it('a tensor that is not an object → TypeError', function () {
      assertInvalid(options({ inputTensors: [f32(1)] }), TypeError, /^inputTensors\[0\]\.dtype must be one of/);
      assertInvalid(
        options({ inputTensors: [null] }),
        TypeError,
        'inputTensors[0] must be a tensor { dtype, shape, data } or a tfjs tensor, got null',
      );
      assertInvalid(options({ inputTensors: 'x' }), TypeError, 'inputTensors must be an array of tensors, got "x"');
    });

    it('aliases must be distinct non-empty strings', function () {
      assertInvalid(
        options({ inputTensorAliases: [7] }),
        TypeError,
        'inputTensorAliases[0] must be a non-empty string, got 7',
      );
      assertInvalid(
        options({ inputTensorAliases: 'x' }),
        TypeError,
        'inputTensorAliases must be an array of strings, got "x"',
      );
      assertInvalid(
        options({ outputTensorAliases: ['y', 'y'], outputTypes: ['float32', 'float32'] }),
        TypeError,
        "outputTensorAliases[1] repeats the alias 'y'; each alias may appear once",
      );
    });
  });

  describe('call options', function () {
    it('missing or empty modelName / targetAddress → TypeError', function () {
      assertInvalid(
        options({ modelName: undefined }),
        TypeError,
        "modelName is required: a non-empty string such as 'half_plus_two'",
      );
      assertInvalid(options({ modelName: '' }), TypeError, /^modelName must be a non-empty string .* got ""$/);
      assertInvalid(
        options({ targetAddress: undefined }),
        TypeError,
        "targetAddress is required: a non-empty string such as 'localhost:8500'",
      );
      assertInvalid(
        options({ targetAddress: 8500 }),
        TypeError,
        /^targetAddress must be a non-empty string .* got 8500$/,
      );
    });

    it('outputTypes length differs from outputTensorAliases → RangeError', function () {
      assertInvalid(
        options({ outputTensorAliases: ['y', 'z'] }),
        RangeError,
        'outputTensorAliases has 2 entries but outputTypes has 1; they pair up one to one',
      );
      assertInvalid(options({ outputTypes: undefined }), TypeError, /^outputTypes is required/);
      assertInvalid(
        options({ outputTypes: ['float32x'] }),
        TypeError,
        /^outputTypes\[0\] must be one of .* got "float32x"$/,
      );
    });

    it('maxRpcDeadlineMillis not a positive integer → RangeError (TypeError when not a number)', function () {
      for (const bad of [0, -1, 1.5, NaN, Infinity]) {
        assertInvalid(
          options({ maxRpcDeadlineMillis: bad }),
          RangeError,
          `maxRpcDeadlineMillis must be a positive integer (milliseconds) no greater than 2147483647 (about 24.8 days), got ${bad}`,
        );
      }
      assertInvalid(
        options({ maxRpcDeadlineMillis: '200' }),
        TypeError,
        'maxRpcDeadlineMillis must be a positive integer (milliseconds) no greater than 2147483647 (about 24.8 days), got "200"',
      );
    });

    it('deadlineMillis not a positive integer ≤ 2^31 - 1 → RangeError (TypeError when not a number), naming deadlineMillis', function () {
      for (const bad of [0, -1, 1.5, NaN, Infinity, 2 ** 31]) {
        assertInvalid(
          options({ deadlineMillis: bad }),
          RangeError,
          `deadlineMillis must be a positive integer (milliseconds) no greater than 2147483647 (about 24.8 days), got ${bad}`,
        );
      }
      assertInvalid(
        options({ deadlineMillis: '200' }),
        TypeError,
        'deadlineMillis must be a positive integer (milliseconds) no greater than 2147483647 (about 24.8 days), got "200"',
      );
      assertInvalid(
        options({ deadlineMillis: null }),
        TypeError,
        /^deadlineMillis must be a positive integer .* got null$/,
      );
    });

    it('deadlineMillis and its deprecated alias maxRpcDeadlineMillis together → TypeError naming both', function () {
      const both =
        'deadlineMillis and maxRpcDeadlineMillis were both given: they are one option ' +
        '(maxRpcDeadlineMillis is its deprecated name); give only deadlineMillis';
      assertInvalid(options({ deadlineMillis: 200, maxRpcDeadlineMillis: 200 }), TypeError, both);
      assertInvalid(options({ deadlineMillis: 200, maxRpcDeadlineMillis: 0 }), TypeError, both);
      // The message names the name given.
      assertInvalid(
        options({ deadlineMillis: undefined, maxRpcDeadlineMillis: 0 }),
        RangeError,
        /^maxRpcDeadlineMillis must be/,
      );
      assertInvalid(
        options({ deadlineMillis: 0, maxRpcDeadlineMillis: undefined }),
        RangeError,
        /^deadlineMillis must be/,
      );
    });

    it('modelVersion must be an integer ≥ -1 and excludes versionLabel', function () {
      assertInvalid(options({ modelVersion: -2 }), RangeError, /^modelVersion must be an integer ≥ -1 .* got -2$/);
      assertInvalid(options({ modelVersion: 1.5 }), RangeError, /^modelVersion must be an integer ≥ -1 .* got 1\.5$/);
      assertInvalid(options({ modelVersion: '1' }), TypeError, /^modelVersion must be an integer/);
      assertInvalid(
        options({ modelVersion: 1, versionLabel: 'stable' }),
        TypeError,
        "modelVersion (1) and versionLabel ('stable') exclude each other: a request names a version or a label",
      );
      assertInvalid(options({ versionLabel: 2 }), TypeError, 'versionLabel must be a string, got 2');
    });

    it('signatureName must be a string; signal an AbortSignal', function () {
      assertInvalid(options({ signatureName: null }), TypeError, 'signatureName must be a string, got null');
      assertInvalid(options({ signal: {} }), TypeError, 'signal must be an AbortSignal, got an object');
    });

    it('unknown options are refused (a typo would be ignored otherwise)', function () {
      assertInvalid(
        options({ maxRpcDeadlineMilis: 100 }),
        TypeError,
        /^options has an unknown option 'maxRpcDeadlineMilis'; known options are targetAddress, modelName/,
      );
      assertInvalid(
        options({ deadline: 100 }),
        TypeError,
        /^options has an unknown option 'deadline'; known options are .*signatureName, deadlineMillis, maxRpcDeadlineMillis, signal/,
      );
      assertInvalid(
        options({ failOpOnRpcError: false }),
        TypeError,
        /^options has an unknown option 'failOpOnRpcError': run\(\) fails on RPC errors; runReturningStatus\(\)/,
      );
      assertInvalid(undefined, TypeError, 'options must be an object, got undefined');
    });
  });

  describe('PredictionClient', function () {
    it('validates its defaults in the constructor', function () {
      // @ts-expect-error -- deliberately without targetAddress
      assert.throws(() => new PredictionClient({}), TypeError);
      assert.throws(
        () => new PredictionClient({ targetAddress: target, maxRpcDeadlineMillis: 0 }),
        (e) => e instanceof RangeError && /^maxRpcDeadlineMillis/.test(e.message),
      );
      assert.throws(
        () => new PredictionClient({ targetAddress: target, modelVersion: 2, versionLabel: 'x' }),
        (e) => e instanceof TypeError && /exclude each other/.test(e.message),
      );
      assert.throws(
        () => new PredictionClient({ targetAddress: target, outputTypes: [/** @type {any} */ ('f32')] }), // deliberately no dtype
        (e) => e instanceof TypeError && /^outputTypes\[0\]/.test(e.message),
      );
      assert.throws(
        () => new PredictionClient(/** @type {any} */ ({ targetAddress: target, channel: {} })), // deliberately unknown
        (e) => e instanceof TypeError && /unknown option 'channel'/.test(e.message),
      );
      assert.throws(
        () => new PredictionClient({ targetAddress: target, channelOptions: { maxReceiveMessageBytes: 0 } }),
        (e) =>
          e instanceof RangeError &&
          /^channelOptions\.maxReceiveMessageBytes must be a positive integer/.test(e.message),
      );
    });

    it('deadlineMillis (or its alias) in the constructor and per call: validated under the name given; both → TypeError', function () {
      /** @param {() => unknown} fn @param {ErrorConstructor} type @param {RegExp} pattern */
      const invalid = (fn, type, pattern) =>
        assert.throws(fn, (e) => e instanceof type && pattern.test(e.message), `${pattern}`);
      invalid(
        () => new PredictionClient({ targetAddress: target, deadlineMillis: 0 }),
        RangeError,
        /^deadlineMillis must be a positive integer/,
      );
      invalid(
        () => new PredictionClient({ targetAddress: target, deadlineMillis: /** @type {any} */ ('5') }),
        TypeError,
        /^deadlineMillis must be a positive integer/,
      );
      invalid(
        () => new PredictionClient({ targetAddress: target, maxRpcDeadlineMillis: 2 ** 31 }),
        RangeError,
        /^maxRpcDeadlineMillis must be a positive integer/,
      );
      invalid(
        () => new PredictionClient({ targetAddress: target, deadlineMillis: 100, maxRpcDeadlineMillis: 100 }),
        TypeError,
        /^deadlineMillis and maxRpcDeadlineMillis were both given: .*give only deadlineMillis$/,
      );
      // Either name is the default's; it appears as deadlineMillis.
      assert.deepEqual(new PredictionClient({ targetAddress: target, maxRpcDeadlineMillis: 250 }).defaults, {
        deadlineMillis: 250,
      });
      assert.deepEqual(new PredictionClient({ targetAddress: target, deadlineMillis: 250 }).defaults, {
        deadlineMillis: 250,
      });

      const client = new PredictionClient({
        targetAddress: target,
        modelName: 'half_plus_two',
        outputTypes: ['float32'],
        deadlineMillis: 5000,
      });
      const call = {
        inputTensorAliases: ['x'],
        inputTensors: [{ dtype: 'float32', shape: [1], data: f32(1) }],
        outputTensorAliases: ['y'],
      };
      invalid(() => client.run({ ...call, deadlineMillis: 0 }), RangeError, /^deadlineMillis must be/);
      invalid(() => client.run({ ...call, maxRpcDeadlineMillis: -5 }), RangeError, /^maxRpcDeadlineMillis must be/);
      invalid(
        () => client.runReturningStatus({ ...call, deadlineMillis: 10, maxRpcDeadlineMillis: 10 }),
        TypeError,
        /^deadlineMillis and maxRpcDeadlineMillis were both given/,
      );
    });

    it('close(): later calls reject with FAILED_PRECONDITION (nothing is sent); invalid options still throw; idempotent', async function () {
      const client = new PredictionClient({
        targetAddress: target,
        modelName: 'half_plus_two',
        outputTypes: ['float32'],
      });
      const call = {
        inputTensorAliases: ['x'],
        inputTensors: [{ dtype: 'float32', shape: [1], data: f32(1) }],
        outputTensorAliases: ['y'],
      };
      assert.equal(client.closed, false);
      client.close();
      client.close();
      assert.equal(client.closed, true);
      for (const method of ['run', 'runReturningStatus']) {
        const pending = client[method](call);
        assert.ok(pending instanceof Promise, `${method}() returns a promise`);
        await assert.rejects(pending, (/** @type {Error} */ e) => {
          assert.ok(e instanceof RemotePredictError, `${method}: ${e && e.stack}`);
          assert.equal(e.codeName, 'FAILED_PRECONDITION');
          assert.equal(e.code, StatusCode.FAILED_PRECONDITION);
          assert.equal(
            e.details,
            `this PredictionClient (target ${target}) has been closed; create another one to call it again`,
          );
          return true;
        });
        assert.throws(
          () => client[method]({ ...call, inputTensors: [{ dtype: 'float32', shape: [2], data: f32(1) }] }),
          RangeError,
        );
        assert.throws(() => client[method]({ ...call, targetAddress: 'elsewhere:1' }), TypeError);
      }
    });

    it('validates channelOptions, for run() too', function () {
      // Deliberately invalid channelOptions (hence any).
      /** @type {[any, ErrorConstructor, RegExp][]} */
      const bad = [
        [{ channelOptions: 4 }, TypeError, /^channelOptions must be an object, got 4/],
        [
          { channelOptions: { maxSendMessageBytes: '1' } },
          TypeError,
          /^channelOptions\.maxSendMessageBytes must be a positive integer/,
        ],
        [{ channelOptions: { maxSendMessageBytes: -1 } }, RangeError, /^channelOptions\.maxSendMessageBytes/],
        [{ channelOptions: { maxReceiveMessageBytes: 1.5 } }, RangeError, /^channelOptions\.maxReceiveMessageBytes/],
        [{ channelOptions: { maxReceiveMessageBytes: 2 ** 31 } }, RangeError, /up to 2147483647, got 2147483648/],
        [{ channelOptions: { pings: 1 } }, TypeError, /^channelOptions has an unknown option 'pings'/],
        [{ channelOptions: { keepalive: 1 } }, TypeError, /^channelOptions\.keepalive must be an object/],
      ];
      for (const [patch, type, pattern] of bad) assertInvalid(options(patch), type, pattern);
      const client = new PredictionClient({ targetAddress: target, modelName: 'm', outputTypes: [] });
      assert.throws(
        () =>
          client.run(
            /** @type {any} */ ({
              inputTensorAliases: [],
              inputTensors: [],
              outputTensorAliases: [],
              channelOptions: {},
            }),
          ), // deliberately per call
        (e) => e instanceof TypeError && /channelOptions cannot be given per call/.test(e.message),
      );
    });

    it('validates merged per-call options synchronously', function () {
      const client = new PredictionClient({
        targetAddress: target,
        modelName: 'half_plus_two',
        outputTypes: ['float32'],
      });
      const call = {
        inputTensorAliases: ['x'],
        inputTensors: [{ dtype: 'float32', shape: [1], data: f32(1) }],
        outputTensorAliases: ['y'],
      };
      const badInput = { ...call, inputTensors: [{ dtype: 'float32', shape: [2], data: f32(1) }] };
      assert.throws(
        () => client.run(badInput),
        (e) => e instanceof RangeError && /^inputTensors\[0\]\.data has 1 value/.test(e.message),
      );
      assert.throws(
        () => client.runReturningStatus({ ...call, outputTensorAliases: ['y', 'z'] }),
        (e) => e instanceof RangeError && /^outputTensorAliases has 2 entries but outputTypes has 1/.test(e.message),
      );
      assert.throws(
        () => client.run(/** @type {any} */ ({ ...call, targetAddress: 'elsewhere:1' })), // deliberately per call
        (e) => e instanceof TypeError && /targetAddress cannot be given per call/.test(e.message),
      );
      const labelled = new PredictionClient({ targetAddress: target, modelName: 'm', versionLabel: 'stable' });
      // Deliberately an empty modelName.
      assert.throws(
        () => labelled.run(/** @type {any} */ ({ ...call, modelName: '' })),
        (e) => e instanceof TypeError && /^modelName/.test(e.message),
      );
    });
  });
});

describe('status codes and errors', function () {
  it('maps gRPC code numbers to names and back', function () {
    assert.equal(StatusCode.OK, 0);
    assert.equal(StatusCode.UNAUTHENTICATED, 16);
    for (const [name, code] of Object.entries(StatusCode)) assert.equal(statusCodeName(code), name);
    assert.equal(statusCodeName(42), 'CODE_42');
  });

  it('RemotePredictError carries code, codeName and details', function () {
    const error = new RemotePredictError(14, 'failed to connect');
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'RemotePredictError');
    assert.equal(error.code, 14);
    assert.equal(error.codeName, 'UNAVAILABLE');
    assert.equal(error.details, 'failed to connect');
    assert.equal(error.message, 'UNAVAILABLE: failed to connect');
  });
});

describe('tensor conversion (no network)', function () {
  const tensor = require('../dist/tensor');

  it('encodes string inputs as UTF-8 and keeps bytes as they are', function () {
    const bytes = new Uint8Array([0, 255, 10]);
    const converted = tensor.toNativeInput(
      { dtype: 'string', shape: [3], data: ['', 'héllo ✓', bytes] },
      'inputTensors[0]',
    );
    assert.equal(converted.dtype, 7);
    assert.deepEqual(converted.shape, [3]);
    assert.deepEqual(
      /** @type {Uint8Array[]} */ (converted.data).map((b) => Buffer.from(b).toString('hex')),
      ['', Buffer.from('héllo ✓').toString('hex'), '00ff0a'],
    );
    assert.equal(converted.data[2], bytes);
  });

  it('passes typed arrays through (a Buffer counts as a Uint8Array) and copies the shape', function () {
    const shape = [2];
    const data = Buffer.from([1, 2]);
    const converted = tensor.toNativeInput({ dtype: 'uint8', shape, data }, 't');
    assert.equal(converted.data, data);
    assert.notEqual(converted.shape, shape);
    assert.deepEqual(converted.shape, [2]);
  });

  it('recognises tfjs-shaped tensors structurally', function () {
    const fake = { dtype: 'int32', shape: [2], dataSync: () => new Int32Array([7, 8]), data: async () => null };
    assert.ok(tensor.isTfjsTensor(fake));
    assert.deepEqual(tensor.toNativeInput(fake, 't'), { dtype: 3, shape: [2], data: new Int32Array([7, 8]) });
    assert.throws(
      () => tensor.toNativeInput({ ...fake, dtype: 'float16' }, 'inputTensors[1]'),
      (e) => e instanceof TypeError && /^inputTensors\[1\] is a tfjs tensor of dtype "float16"/.test(e.message),
    );
    assert.throws(
      () =>
        tensor.toNativeInput(
          {
            ...fake,
            dataSync() {
              throw new Error('Tensor is disposed.');
            },
          },
          'inputTensors[0]',
        ),
      (e) =>
        e instanceof TypeError &&
        /inputTensors\[0\] is a tfjs tensor whose values cannot be read: Tensor is disposed/.test(e.message),
    );
  });

  it('wraps output bytes without copying', function () {
    const buffer = new Float64Array([1.5, -2]).buffer;
    const out = tensor.fromNativeOutput({ dtype: 2, shape: [2], data: buffer });
    assert.equal(out.dtype, 'float64');
    assert.ok(out.data instanceof Float64Array);
    assert.equal(out.data.buffer, buffer);
    assert.deepEqual(Array.from(out.data), [1.5, -2]);
    const strings = [new Uint8Array([104, 105])];
    assert.deepEqual(tensor.fromNativeOutput({ dtype: 7, shape: [1], data: strings }), {
      dtype: 'string',
      shape: [1],
      data: strings,
    });
    assert.throws(() => tensor.fromNativeOutput({ dtype: 1, shape: [3], data: new ArrayBuffer(8) }), RangeError);
  });

  it('makes zero scalars of every dtype', function () {
    for (const [name, info] of Object.entries(api.DTYPES)) {
      const out = tensor.fromNativeOutput(tensor.zeroScalarNativeOutput(/** @type {import('..').DType} */ (name)));
      assert.equal(out.dtype, name);
      assert.deepEqual(out.shape, []);
      assert.equal(out.data.length, info.valuesPerElement);
      if (name === 'string') assert.equal(/** @type {Uint8Array[]} */ (out.data)[0].length, 0);
      else assert.ok(Array.from(/** @type {ArrayLike<number | bigint>} */ (out.data)).every((v) => v == 0));
    }
  });

  it("toTfjs builds complex64 through the module's tidy() when it has one (called on the module), directly otherwise", function () {
    const calls = [];
    const tf = {
      tensor: (values, shape, dtype) => ({ values: Array.from(values), shape, dtype }),
      complex: (real, imag) => ({ real, imag }),
    };
    const expected = {
      real: { values: [1, 3], shape: [2], dtype: 'float32' },
      imag: { values: [2, 4], shape: [2], dtype: 'float32' },
    };
    /** @type {import('..').Tensor<'complex64'>} */
    const c64 = { dtype: 'complex64', shape: [2], data: f32(1, 2, 3, 4) };
    assert.deepEqual(api.toTfjs(c64, tf), expected);
    const withTidy = {
      ...tf,
      tidy(fn) {
        calls.push(this);
        return fn();
      },
    };
    assert.deepEqual(api.toTfjs(c64, withTidy), expected);
    assert.deepEqual(calls, [withTidy]);
    assert.deepEqual(api.toTfjs({ dtype: 'int32', shape: [1], data: new Int32Array([7]) }, tf), {
      values: [7],
      shape: [1],
      dtype: 'int32',
    });
  });

  it('toTfjs refuses dtypes tfjs lacks, with a clear TypeError', function () {
    const tf = { tensor: () => assert.fail('not reached'), complex: () => assert.fail('not reached') };
    assert.throws(
      () => api.toTfjs({ dtype: 'int64', shape: [1], data: new BigInt64Array(1) }, tf),
      (e) => e instanceof TypeError && /^toTfjs: tfjs has no dtype 'int64'/.test(e.message),
    );
    assert.throws(
      () => api.toTfjs({ dtype: 'float32', shape: [1], data: f32(1) }, undefined),
      (e) => e instanceof TypeError && /^toTfjs: tf must be the @tensorflow\/tfjs module/.test(e.message),
    );
  });
});
