'use strict';
// One footprint sample: node footprint_child.js <kind> <address>
// Prints {requireMs, rssMb}: the time to require what the kind needs, and the
// process's RSS after that require and one call to half_plus_two.
//   bare     Node alone (nothing required, no call)
//   grpcjs   @grpc/grpc-js + @grpc/proto-loader, the protos loaded, one call
//   lib      this package, one run()
const { performance } = require('node:perf_hooks');

async function main(kind, address) {
  const t0 = performance.now();
  /** @type {() => Promise<void | import('..').Tensor[]>} */
  let call = async () => {};
  if (kind === 'lib') {
    const { run } = require('..');
    call = () =>
      run({
        targetAddress: address,
        modelName: 'half_plus_two',
        inputTensorAliases: ['x'],
        inputTensors: [{ dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) }],
        outputTensorAliases: ['y'],
        outputTypes: ['float32'],
      });
  } else if (kind === 'grpcjs') {
    const { CLIENTS } = require('./clients');
    const client = await CLIENTS.grpcjs.make({ address, floats: 2 });
    call = async () => {
      await client.call();
      client.close();
    };
  } else if (kind !== 'bare') {
    throw new Error(`unknown kind ${kind}`);
  }
  const requireMs = performance.now() - t0;
  await call();
  process.stdout.write(`${JSON.stringify({ requireMs, rssMb: process.memoryUsage().rss / 2 ** 20 })}\n`);
}

main(process.argv[2], process.argv[3]).catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
