'use strict';
// One benchmark point for one Node client, in its own process (so CPU time and
// peak RSS are this client's alone): a closed loop of `concurrency` calls in
// flight, a warm-up, a measured window, then a drain.
//
//   node bench/worker.js '{"client":"lib","address":"127.0.0.1:PORT","floats":16,
//                          "concurrency":64,"warmupMs":1000,"durationMs":2500}'
// prints one JSON line with the point's figures.
//
// Warm-up lasts warmupMs and until every lane has completed a call; the window
// lasts durationMs and until it holds min(concurrency, minCalls) calls (so a
// slow client at high concurrency is measured in steady state); each phase is
// capped at maxPhaseMs. Only calls completing inside the window count. Calls
// still in flight after drainMs are abandoned (the process exits).
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { CLIENTS } = require('./clients');

const ELD_RESOLUTION_MS = 1;

function percentile(sorted, q) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main() {
  const config = {
    warmupMs: 1000,
    durationMs: 2500,
    maxPhaseMs: 30000,
    drainMs: 3000,
    minCalls: 20,
    ...JSON.parse(process.argv[2]),
  };
  const { client: name, address, floats, concurrency } = config;
  const spec = CLIENTS[name];
  if (!spec || !spec.make) throw new Error(`unknown Node client ${name}`);
  const client = await spec.make({ address, floats, channelOptions: config.channelOptions });

  let phase = 'warmup';
  let lanesDone = 0;
  let warmupCalls = 0;
  const latencies = [];
  let errors = 0;
  let firstError = '';

  const lane = async () => {
    let completedOnce = false;
    while (phase !== 'drain') {
      const start = process.hrtime.bigint();
      try {
        await client.call();
        if (phase === 'measure') latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
        else if (phase === 'warmup') warmupCalls++;
      } catch (err) {
        errors++;
        if (!firstError) firstError = String((err && err.message) || err).slice(0, 300);
        if (errors > 1000 && latencies.length === 0 && warmupCalls === 0) phase = 'drain'; // nothing works
      }
      if (!completedOnce) {
        completedOnce = true;
        lanesDone++;
      }
    }
  };

  const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  const lanes = Array.from({ length: concurrency }, () => lane());

  const waitUntil = (predicate) =>
    new Promise((resolve) => {
      const check = () => (predicate() ? resolve() : setTimeout(check, 20));
      check();
    });

  const warmupStart = Date.now();
  await waitUntil(
    () =>
      phase === 'drain' ||
      (Date.now() - warmupStart >= config.warmupMs && lanesDone >= concurrency) ||
      Date.now() - warmupStart >= config.maxPhaseMs,
  );

  const warmupS = (Date.now() - warmupStart) / 1000;
  const minCalls = Math.min(concurrency, config.minCalls);
  eld.enable();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  if (phase !== 'drain') phase = 'measure';
  await waitUntil(() => {
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
    return (
      phase === 'drain' ||
      (elapsed >= config.durationMs && latencies.length >= minCalls) ||
      elapsed >= config.maxPhaseMs
    );
  });
  phase = 'drain';
  const cpu = process.cpuUsage(cpu0);
  const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
  eld.disable();
  const count = latencies.length;
  const measuredLatencies = latencies.slice().sort((a, b) => a - b);

  const drainStart = Date.now();
  const drained = await Promise.race([
    Promise.all(lanes).then(() => true),
    new Promise((resolve) => setTimeout(() => resolve(false), config.drainMs).unref()),
  ]);
  const eldP99Ms = Math.max(0, eld.percentile(99) / 1e6 - ELD_RESOLUTION_MS);
  const result = {
    client: name,
    floats,
    concurrency,
    count,
    elapsedS,
    rps: count / elapsedS,
    p50Ms: percentile(measuredLatencies, 0.5),
    p99Ms: percentile(measuredLatencies, 0.99),
    cpuMsPerCall: count > 0 ? (cpu.user + cpu.system) / 1000 / count : 0,
    eldP99Ms,
    eldMaxMs: Math.max(0, eld.max / 1e6 - ELD_RESOLUTION_MS),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    errors,
    firstError,
    warmupS: warmupS,
    drainS: (Date.now() - drainStart) / 1000,
    drained,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  try {
    client.close();
  } catch {
    /* exiting anyway */
  }
  // gRPC channels and TF threads must not keep the process alive.
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`bench worker failed: ${(err && err.stack) || err}\n`);
  process.exit(1);
});
