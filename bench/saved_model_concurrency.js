'use strict';
// SavedModels at high concurrency (issue 14), next to run() in the same process:
// bursts of concurrent predict() calls of test/fixtures/composed/slow_remote_predict,
// whose one remote call goes to the reference server's `slow` model (it answers
// after delay_ms: a real 200 ms RPC), against the same bursts of run() calls of
// `slow`; the process's thread count (/proc/self/task) before each burst and at
// its peak; and CPU per call of both at 64 in flight (delay 0).
//
//   node bench/saved_model_concurrency.js ['{"smoke":true}']
// prints one JSON line (bench/run.js runs it and markdown() renders it).
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'composed', 'slow_remote_predict');
const PLACEHOLDER = 'remote-predict-target:8500';
const DEADLINE_MS = 60000;

const threadCount = () => fs.readdirSync('/proc/self/task').length;
const f32 = (i) => new Float32Array([i, -i]);

function makeCallers(api, model, address) {
  return {
    run: (delayMs, i) =>
      api
        .run({
          targetAddress: address,
          modelName: 'slow',
          inputTensorAliases: ['delay_ms', 'x'],
          inputTensors: [
            { dtype: 'int64', shape: [], data: new BigInt64Array([BigInt(delayMs)]) },
            { dtype: 'float32', shape: [2], data: f32(i) },
          ],
          outputTensorAliases: ['y'],
          outputTypes: ['float32'],
          maxRpcDeadlineMillis: DEADLINE_MS,
        })
        .then(([y]) => y),
    predict: (delayMs, i) =>
      model
        .predict(
          {
            delay_ms: { dtype: 'int64', shape: [], data: new BigInt64Array([BigInt(delayMs)]) },
            x: { dtype: 'float32', shape: [2], data: f32(i) },
          },
          { timeoutMillis: DEADLINE_MS },
        )
        .then(({ y }) => y),
  };
}

// `calls` calls at once; wall time, correct answers, threads before and at peak.
async function burst(call, calls, delayMs) {
  const before = threadCount();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, threadCount());
  }, 5);
  const started = process.hrtime.bigint();
  const pending = Array.from({ length: calls }, (_, i) => call(delayMs, i));
  peak = Math.max(peak, threadCount());
  const settled = await Promise.allSettled(pending);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  clearInterval(sampler);
  let correct = 0;
  let firstError = '';
  settled.forEach((r, i) => {
    if (r.status === 'fulfilled' && r.value.data[0] === i && r.value.data[1] === -i) correct++;
    else if (!firstError)
      firstError = r.status === 'rejected' ? String(r.reason.message) : `wrong answer for call ${i}`;
  });
  return { calls, delayMs, ms, correct, threadsBefore: before, threadsPeak: peak, firstError };
}

// A closed loop of `concurrency` lanes for `durationMs`: CPU (user + system) per call.
async function cpuPerCall(call, concurrency, durationMs) {
  let phase = 'warmup';
  let count = 0;
  let errors = 0;
  const lane = async (id) => {
    while (phase !== 'stop') {
      try {
        await call(0, id);
        if (phase === 'measure') count++;
      } catch {
        errors++;
      }
    }
  };
  const lanes = Array.from({ length: concurrency }, (_, i) => lane(i));
  await new Promise((resolve) => setTimeout(resolve, Math.min(1000, durationMs / 2)));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  phase = 'measure';
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  const cpu = process.cpuUsage(cpu0);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const measured = count;
  phase = 'stop';
  await Promise.all(lanes);
  return {
    concurrency,
    calls: measured,
    rps: measured / seconds,
    cpuMsPerCall: (cpu.user + cpu.system) / 1000 / measured,
    errors,
  };
}

async function measure({ smoke = false } = {}) {
  const { startReferenceServer } = require(path.join(ROOT, 'test', 'support', 'reference_server'));
  const api = require(ROOT);
  const server = await startReferenceServer();
  try {
    const model = await api.loadSavedModel(FIXTURE, { targetOverrides: { [PLACEHOLDER]: server.address } });
    const callers = makeCallers(api, model, server.address);
    const delayMs = smoke ? 100 : 200;
    const rounds = smoke ? 1 : 3;
    const sizes = smoke ? [64] : [256, 1000];
    // Warm: channels, the graph's function instantiated, the pools' threads started.
    for (const call of [callers.run, callers.predict]) await burst(call, 16, 0);

    // Rounds interleaved; the fastest of each kept (outside load only slows a burst).
    const bursts = [];
    for (const calls of sizes) {
      const best = {};
      for (let round = 0; round < rounds; round++) {
        for (const kind of ['run', 'predict']) {
          const result = await burst(callers[kind], calls, delayMs);
          process.stderr.write(
            `[bench] SavedModel concurrency: ${kind}() x ${calls}, ${delayMs} ms: ${result.ms.toFixed(0)} ms, ` +
              `${result.correct}/${calls} right, threads ${result.threadsBefore} -> ${result.threadsPeak}\n`,
          );
          if (!best[kind] || result.ms < best[kind].ms) best[kind] = { ...result, rounds: round + 1 };
          else best[kind].rounds = round + 1;
        }
      }
      bursts.push({ calls, delayMs, run: best.run, predict: best.predict });
    }
    const durationMs = smoke ? 1000 : 4000;
    const cpu = {
      run: await cpuPerCall(callers.run, 64, durationMs),
      predict: await cpuPerCall(callers.predict, 64, durationMs),
    };
    process.stderr.write(
      `[bench] SavedModel concurrency: CPU per call at 64 in flight: run() ${cpu.run.cpuMsPerCall.toFixed(3)} ms, ` +
        `predict() ${cpu.predict.cpuMsPerCall.toFixed(3)} ms\n`,
    );
    model.dispose();
    return { fixture: 'slow_remote_predict', bursts, cpu, threadsVar: process.env.TFSRP_SAVED_MODEL_THREADS || null };
  } finally {
    await server.stop();
  }
}

const fmt = (v, digits = 0) =>
  v === null || v === undefined || Number.isNaN(v)
    ? 'n/a'
    : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

// The report's section: a row per burst and kind, then the issue's targets.
function markdown(result) {
  const lines = ['## SavedModels at high concurrency (issue 14)', ''];
  if (!result || result.error) {
    lines.push(`Not measured${result && result.error ? `: ${result.error}` : ''}.`, '');
    return lines.join('\n');
  }
  lines.push(
    "`loadSavedModel('test/fixtures/composed/slow_remote_predict').predict()` (one TfServingRemotePredict, to the " +
      "reference server's `slow` model, which answers after `delay_ms`) next to `run()` of `slow` itself, same process, " +
      "all calls started at once. Threads are the process's (`/proc/self/task`) before the burst and at its peak " +
      '(sampled every 5 ms). Each burst is the fastest of its rounds (interleaved).',
    '',
    '| calls at once | delay | client | wall ms | × run() | right | threads before → peak |',
    '|---:|---:|---|---:|---:|---:|---|',
  );
  for (const b of result.bursts) {
    for (const kind of ['run', 'predict']) {
      const r = b[kind];
      lines.push(
        `| ${fmt(b.calls)} | ${b.delayMs} ms | ${kind}() | ${fmt(r.ms)} | ${(r.ms / b.run.ms).toFixed(2)} | ` +
          `${fmt(r.correct)}/${fmt(b.calls)} | ${r.threadsBefore} → ${r.threadsPeak} |`,
      );
    }
  }
  const { run, predict } = result.cpu;
  const cpuRatio = predict.cpuMsPerCall / run.cpuMsPerCall;
  lines.push(
    '',
    `CPU per call (user + system of the process over the calls), 64 in flight, delay 0: run() ` +
      `${run.cpuMsPerCall.toFixed(3)} ms (${fmt(run.rps)} calls/s), predict() ${predict.cpuMsPerCall.toFixed(3)} ms ` +
      `(${fmt(predict.rps)} calls/s): ${cpuRatio.toFixed(2)}×.`,
    '',
    '| target | met | measured |',
    '|---|---|---|',
  );
  for (const b of result.bursts) {
    const flat = b.predict.threadsPeak - b.predict.threadsBefore <= 2;
    if (b.calls <= 256) {
      const ratio = b.predict.ms / b.run.ms;
      lines.push(
        `| ${fmt(b.calls)} predict() within 1.5× of ${fmt(b.calls)} run() | ${ratio <= 1.5 ? 'yes' : '**no**'} | ` +
          `${fmt(b.predict.ms)} vs ${fmt(b.run.ms)} ms: ${ratio.toFixed(2)}× |`,
      );
    } else {
      const right = b.predict.correct === b.calls;
      lines.push(
        `| ${fmt(b.calls)} predict() in flight all right | ${right ? 'yes' : '**no**'} | ${fmt(b.predict.correct)}/${fmt(b.calls)} |`,
      );
    }
    lines.push(
      `| threads flat with ${fmt(b.calls)} predict() in flight | ${flat ? 'yes' : '**no**'} | ` +
        `${b.predict.threadsBefore} → ${b.predict.threadsPeak} |`,
    );
  }
  lines.push(
    `| CPU per predict() ≤ 2× run(), 64 in flight | ${cpuRatio <= 2 ? 'yes' : '**no**'} | ${cpuRatio.toFixed(2)}× |`,
    '',
  );
  return lines.join('\n');
}

module.exports = { markdown, measure };

if (require.main === module) {
  const config = process.argv[2] ? JSON.parse(process.argv[2]) : {};
  measure(config).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      // gRPC channels and TF threads must not keep the process alive.
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`saved_model_concurrency failed: ${(err && err.stack) || err}\n`);
      process.exit(1);
    },
  );
}
