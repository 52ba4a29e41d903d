'use strict';
// The event-loop delay that the machine alone imposes on a busy Node loop: a loop kept busy with
// tasks of taskUs of plain JS work (a setImmediate chain, so timers get their turn after every
// task), measured the way worker.js measures a client's loop. run.js starts it next to the C++
// client at the same point, so the cores are as loaded as in the run() point but no gRPC
// client runs on this loop: any delay above taskUs + the resolution is the OS scheduling the
// loop's thread off a core.
//
//   node bench/eld_floor.js '{"warmupMs":1000,"durationMs":2500,"taskUs":50}'
// prints one JSON line: { eldP99Ms, eldMaxMs, tasks, cpuShare }.
const { monitorEventLoopDelay } = require('node:perf_hooks');

const ELD_RESOLUTION_MS = 1;

function main() {
  const { warmupMs = 1000, durationMs = 2500, taskUs = 50 } = JSON.parse(process.argv[2] || '{}');
  const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  let tasks = 0;
  let running = true;
  let sink = 0;
  const task = () => {
    const end = process.hrtime.bigint() + BigInt(taskUs * 1000);
    while (process.hrtime.bigint() < end) sink = (sink * 31 + 7) % 1000003;
    tasks++;
    if (running) setImmediate(task);
  };
  setImmediate(task);
  let cpu0;
  let t0;
  setTimeout(() => {
    tasks = 0;
    cpu0 = process.cpuUsage();
    t0 = process.hrtime.bigint();
    eld.enable();
    setTimeout(() => {
      eld.disable();
      running = false;
      const cpu = process.cpuUsage(cpu0);
      const elapsedUs = Number(process.hrtime.bigint() - t0) / 1000;
      process.stdout.write(
        `${JSON.stringify({
          eldP99Ms: Math.max(0, eld.percentile(99) / 1e6 - ELD_RESOLUTION_MS),
          eldMaxMs: Math.max(0, eld.max / 1e6 - ELD_RESOLUTION_MS),
          tasks,
          cpuShare: (cpu.user + cpu.system) / elapsedUs,
          sink: sink % 2,
        })}\n`,
      );
    }, durationMs);
  }, warmupMs);
}

main();
