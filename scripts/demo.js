'use strict';
// npm start: starts the reference PredictionService on loopback and runs
// half_plus_two through a TensorFlow graph holding TfServingRemotePredict.
const { performance } = require('node:perf_hooks');
const api = require('..');
const { startReferenceServer } = require('../test/support/reference_server');

async function main() {
  console.log(`libtensorflow ${api.tensorflowVersion}; op library ${api.opLibraryPath}`);
  const server = await startReferenceServer();
  try {
    console.log(`reference PredictionService listening on ${server.address}`);
    const x = new Float32Array([1, 2, 5]);
    const started = performance.now();
    const result = await api.runRemotePredictGraph({
      targetAddress: server.address,
      modelName: 'half_plus_two',
      inputTensorAliases: ['x'],
      inputTensors: [{ dtype: 'float32', shape: [x.length], data: x }],
      outputTensorAliases: ['y'],
      outputTypes: ['float32'],
      failOpOnRpcError: false,
    });
    const millis = performance.now() - started;
    console.log(`half_plus_two  x = [${Array.from(x).join(', ')}]`);
    console.log(`               y = [${Array.from(result.outputTensors[0].data).join(', ')}]`);
    console.log(`status ${result.statusCode}${result.statusErrorMessage ? ` (${result.statusErrorMessage})` : ''}; ${millis.toFixed(1)} ms`);
    if (result.statusCode !== 0) process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
