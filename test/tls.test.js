'use strict';
// TLS and mutual TLS against the reference server in TLS mode, with
// certificates made at test time; SavedModels get TLS by target.
const assert = require('node:assert/strict');
const path = require('node:path');

const api = require('..');
const { startReferenceServer } = require('./support/reference_server');
const { makeTestCertificates } = require('./support/test_certificates');

const { run, PredictionClient, RemotePredictError, loadSavedModel, setTargetCredentials } = api;

const halfPlusTwo = (targetAddress, patch = {}) => ({
  targetAddress,
  modelName: 'half_plus_two',
  inputTensorAliases: ['x'],
  inputTensors: [{ dtype: 'float32', shape: [3], data: new Float32Array([1, 2, 5]) }],
  outputTensorAliases: ['y'],
  outputTypes: /** @type {const} */ (['float32']), // outputs typed Tensor<'float32'>
  maxRpcDeadlineMillis: 10000,
  ...patch,
});

async function rejectsWithCode(promise, codeName) {
  /** @type {Error | undefined} */
  let caught;
  await assert.rejects(promise, (error) => {
    caught = /** @type {Error} */ (error);
    return true;
  });
  assert.ok(caught instanceof RemotePredictError, caught && caught.stack);
  assert.equal(caught.codeName, codeName, caught.message);
  return caught;
}

describe('TLS', function () {
  let certs;
  let tlsServer;
  let mtlsServer;

  before(async function () {
    certs = makeTestCertificates();
    const tls = { certFile: certs.files.serverCert, keyFile: certs.files.serverKey };
    [tlsServer, mtlsServer] = await Promise.all([
      startReferenceServer({ tls }),
      startReferenceServer({ tls: { ...tls, clientCaFile: certs.files.ca } }),
    ]);
  });

  after(async function () {
    await Promise.all([tlsServer, mtlsServer].filter(Boolean).map((s) => s.stop()));
    if (certs) certs.remove();
  });

  it('the right CA succeeds; plaintext stays the default and fails against a TLS server', async function () {
    const [y] = await run(halfPlusTwo(tlsServer.address, { credentials: { rootCertificates: certs.ca } }));
    assert.deepEqual(Array.from(y.data), [2.5, 3, 4.5]);
    await rejectsWithCode(run(halfPlusTwo(tlsServer.address, { maxRpcDeadlineMillis: 2000 })), 'UNAVAILABLE');
  });

  it('an unknown CA fails with UNAVAILABLE and a message naming TLS', async function () {
    const error = await rejectsWithCode(
      run(halfPlusTwo(tlsServer.address, { credentials: { rootCertificates: certs.otherCa } })),
      'UNAVAILABLE',
    );
    assert.match(error.details, /certificate verify failed/);
    assert.match(error.details, /TLS/);
  });

  it('mutual TLS: a client certificate succeeds, none fails', async function () {
    const mutual = {
      rootCertificates: certs.ca,
      privateKey: certs.clientKey,
      certificateChain: Buffer.from(certs.clientCert),
    };
    const [y] = await run(halfPlusTwo(mtlsServer.address, { credentials: mutual }));
    assert.deepEqual(Array.from(y.data), [2.5, 3, 4.5]);
    const error = await run(halfPlusTwo(mtlsServer.address, { credentials: { rootCertificates: certs.ca } })).catch(
      (e) => e,
    );
    assert.ok(error instanceof RemotePredictError, error.stack);
    assert.notEqual(error.code, 0);
    const client = new PredictionClient({
      targetAddress: mtlsServer.address,
      credentials: mutual,
      modelName: 'half_plus_two',
      outputTensorAliases: ['y'],
      outputTypes: ['float32'],
    });
    const [z] = await client.run({
      inputTensorAliases: ['x'],
      inputTensors: [{ dtype: 'float32', shape: [1], data: new Float32Array([4]) }],
    });
    assert.deepEqual(Array.from(z.data), [4]);
  });

  it('a SavedModel gets TLS through setTargetCredentials()', async function () {
    const fixture = path.join(__dirname, 'fixtures', 'composed', 'half_plus_two_with_remote_predict');
    const targetOverrides = { 'remote-predict-target:8500': tlsServer.address };
    const x = { x: { dtype: 'float32', shape: [3], data: new Float32Array([1, 2, 5]) } };
    setTargetCredentials(tlsServer.address, { rootCertificates: certs.ca });
    try {
      const model = await loadSavedModel(fixture, { targetOverrides });
      try {
        assert.deepEqual(Array.from(/** @type {Float32Array} */ ((await model.predict(x)).y.data)), [3, 4, 7]);
      } finally {
        model.dispose();
      }
    } finally {
      setTargetCredentials(tlsServer.address, null);
    }
    const plaintext = await loadSavedModel(fixture, { targetOverrides });
    try {
      await assert.rejects(
        plaintext.predict(x, { timeoutMillis: 5000 }),
        (/** @type {import('..').SavedModelError} */ e) => e.codeName === 'UNAVAILABLE',
      );
    } finally {
      plaintext.dispose();
    }
  });

  it('bad credentials are TypeErrors naming the option', function () {
    // Deliberately invalid credentials (hence any).
    /** @type {[any, RegExp][]} */
    const cases = [
      [{ credentials: 'pem' }, /^credentials must be an object/],
      [{ credentials: { rootCertificates: 5 } }, /^credentials\.rootCertificates must be a PEM string or Uint8Array/],
      [{ credentials: { rootCertificates: 'not pem' } }, /^credentials\.rootCertificates must be PEM-encoded/],
      [{ credentials: { privateKey: certs.clientKey } }, /privateKey and credentials\.certificateChain go together/],
      [{ credentials: { ca: certs.ca } }, /^credentials has an unknown option 'ca'/],
    ];
    for (const [patch, pattern] of cases) {
      assert.throws(
        () => run(halfPlusTwo('localhost:1', patch)),
        (e) => e instanceof TypeError && pattern.test(e.message),
        `${pattern}`,
      );
    }
    assert.throws(() => setTargetCredentials('', {}), TypeError);
  });
});
