'use strict';
// Leak check: `calls` run() calls (16 floats, `concurrency` in flight) against
// the echo server; RSS is sampled after a forced GC every `sampleEvery` calls.
// Growth is the last sample minus the first one taken after `warmupCalls`; V8's
// heapTotal / heapUsed / external are sampled too, to tell a leak from V8
// growing its young generation.
//
//   node --expose-gc bench/leak.js '{"address":"127.0.0.1:PORT","calls":100000}'
// prints one JSON line.
const ROOT = require('node:path').resolve(__dirname, '..');
const { makeInput } = require('./clients');

const MB = 1024 * 1024;

function memory() {
  if (typeof global.gc === 'function') global.gc();
  const m = process.memoryUsage();
  return { rssMb: m.rss / MB, heapTotalMb: m.heapTotal / MB, heapUsedMb: m.heapUsed / MB, externalMb: m.external / MB };
}

async function main() {
  const config = {
    calls: 100000,
    warmupCalls: 10000,
    sampleEvery: 10000,
    concurrency: 64,
    floats: 16,
    ...JSON.parse(process.argv[2]),
  };
  const { run } = require(ROOT);
  const floats = config.floats;
  const options = {
    targetAddress: config.address,
    modelName: 'half_plus_two',
    inputTensorAliases: ['x'],
    inputTensors: [{ dtype: 'float32', shape: [floats], data: makeInput(floats) }],
    outputTensorAliases: ['y'],
    outputTypes: ['float32'],
    maxRpcDeadlineMillis: 60000,
  };
  const samples = [];
  let issued = 0;
  let completed = 0;
  let errors = 0;
  let nextSample = config.warmupCalls;
  let pausing = null; // a sample waits for the calls in flight, then GCs and measures

  const started = Date.now();
  const lane = async () => {
    while (issued < config.calls) {
      if (pausing) {
        await pausing;
        continue;
      }
      issued++;
      try {
        const [y] = await run(options);
        if (y.data.length !== floats) throw new Error('wrong output length');
      } catch {
        errors++;
      }
      completed++;
      if (completed === nextSample || completed === config.calls) {
        nextSample += config.sampleEvery;
        /** @type {(value?: unknown) => void} */
        let release;
        pausing = new Promise((resolve) => {
          release = resolve;
        });
        // Let the other lanes' calls settle so the sample sees no call in flight.
        while (completed < issued) await new Promise((resolve) => setImmediate(resolve));
        samples.push({ calls: completed, ...memory() });
        pausing = null;
        release();
      }
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, lane));
  const elapsedS = (Date.now() - started) / 1000;
  const first = samples[0];
  const last = samples[samples.length - 1];
  process.stdout.write(
    `${JSON.stringify({
      calls: completed,
      warmupCalls: config.warmupCalls,
      errors,
      elapsedS,
      rssAfterWarmupMb: first.rssMb,
      rssEndMb: last.rssMb,
      growthMb: last.rssMb - first.rssMb,
      // V8 sizing its young generation under load shows up in RSS as heapTotal steps.
      heapTotalGrowthMb: last.heapTotalMb - first.heapTotalMb,
      heapUsedGrowthMb: last.heapUsedMb - first.heapUsedMb,
      externalGrowthMb: last.externalMb - first.externalMb,
      samples,
    })}\n`,
  );
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`leak check failed: ${(err && err.stack) || err}\n`);
  process.exit(1);
});
