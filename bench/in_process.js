'use strict';
// In-process serving (issue 15): the composed graph test/fixtures/composed/half_plus_two_with_remote_predict
// through loadSavedModel().predict(), its one TfServingRemotePredict going either to half_plus_two
// served in this process (serveInProcess(), target 'inprocess:') or over loopback gRPC to the echo
// server bench/run.js started (C++, answers y = x without computing: the fastest server there is).
// Latency at 1 in flight, calls/s and CPU per call at 32 in flight; for gRPC, CPU per call also
// with the echo server's own CPU (/proc/<pid>/stat), since in process the served model's work is
// the client's.
//
//   node bench/in_process.js '{"address":"127.0.0.1:PORT","serverPid":N,"smoke":false}'
// prints one JSON line (bench/run.js runs it and markdown() renders it).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const COMPOSED = path.join(ROOT, 'test', 'fixtures', 'composed', 'half_plus_two_with_remote_predict');
const SERVED = path.join(ROOT, 'test', 'fixtures', 'models', 'half_plus_two', '2');
const PLACEHOLDER = 'remote-predict-target:8500';
const TICK_MS = 1000 / 100; // USER_HZ

/** CPU milliseconds (user + system) another process has used, from /proc. */
function processCpuMs(pid) {
  if (!pid) return null;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}

const input = (i) => ({ x: { dtype: 'float32', shape: [4], data: new Float32Array([i, 1, 2, 3]) } });

// `concurrency` lanes for `durationMs` after a warm-up: latency percentiles, calls/s, CPU per call.
async function closedLoop(model, { concurrency, durationMs, serverPid }) {
  let phase = 'warmup';
  const latencies = [];
  let errors = 0;
  const lane = async (id) => {
    while (phase !== 'stop') {
      const t = process.hrtime.bigint();
      try {
        const { y } = await model.predict(input(id));
        if (y.data.length !== 4)
          errors++; // the echo server's answer differs from half_plus_two's
        else if (phase === 'measure') latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      } catch {
        errors++;
      }
    }
  };
  const lanes = Array.from({ length: concurrency }, (_, i) => lane(i));
  await new Promise((resolve) => setTimeout(resolve, Math.min(1000, durationMs / 2)));
  const cpu0 = process.cpuUsage();
  const server0 = processCpuMs(serverPid);
  const t0 = process.hrtime.bigint();
  phase = 'measure';
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  const cpu = process.cpuUsage(cpu0);
  const server1 = processCpuMs(serverPid);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const calls = latencies.length;
  phase = 'stop';
  await Promise.all(lanes);
  latencies.sort((a, b) => a - b);
  const pick = (q) => (calls ? latencies[Math.min(calls - 1, Math.floor(q * calls))] : NaN);
  const clientCpuMs = (cpu.user + cpu.system) / 1000 / calls;
  return {
    concurrency,
    calls,
    errors,
    rps: calls / seconds,
    p50Ms: pick(0.5),
    p99Ms: pick(0.99),
    clientCpuMsPerCall: clientCpuMs,
    serverCpuMsPerCall: server0 === null || server1 === null ? null : (server1 - server0) / calls,
  };
}

async function measure({ address, serverPid, smoke = false }) {
  const api = require(ROOT);
  const durationMs = smoke ? 500 : 3000;
  const served = await api.loadSavedModel(SERVED);
  api.serveInProcess('half_plus_two', served, { version: 2 });
  const models = {
    inProcess: await api.loadSavedModel(COMPOSED, { targetOverrides: { [PLACEHOLDER]: api.IN_PROCESS_TARGET } }),
    grpc: await api.loadSavedModel(COMPOSED, { targetOverrides: { [PLACEHOLDER]: address } }),
  };
  const result = { fixture: 'half_plus_two_with_remote_predict', cores: os.cpus().length, points: [] };
  for (const concurrency of [1, 32]) {
    const point = { concurrency };
    // Interleaved; best of two rounds (outside load only slows a run).
    for (let round = 0; round < (smoke ? 1 : 2); round++) {
      for (const kind of ['inProcess', 'grpc']) {
        const r = await closedLoop(models[kind], {
          concurrency,
          durationMs,
          serverPid: kind === 'grpc' ? serverPid : 0,
        });
        if (!point[kind] || r.rps > point[kind].rps) point[kind] = r;
        process.stderr.write(
          `[bench] in-process: ${kind} c=${concurrency}: ${r.rps.toFixed(0)} calls/s, p50 ${r.p50Ms.toFixed(3)} ms, ` +
            `CPU ${r.clientCpuMsPerCall.toFixed(3)} ms/call${r.serverCpuMsPerCall === null ? '' : ` (+ server ${r.serverCpuMsPerCall.toFixed(3)})`}\n`,
        );
      }
    }
    result.points.push(point);
  }
  for (const model of Object.values(models)) model.dispose();
  served.dispose();
  return result;
}

const fixed = (v, digits) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

// The report's section: a row per concurrency and path, then the targets as ratios.
function markdown(result) {
  const lines = ['## In-process serving (issue 15)', ''];
  if (!result || result.error) {
    lines.push(`Not measured${result && result.error ? `: ${result.error}` : ''}.`, '');
    return lines.join('\n');
  }
  lines.push(
    "`loadSavedModel('test/fixtures/composed/half_plus_two_with_remote_predict').predict()` (x: 4 floats), its one " +
      'TfServingRemotePredict calling `half_plus_two` served in the same process (`serveInProcess()`, target ' +
      '`inprocess:`) or, over loopback gRPC, the C++ echo server (which answers without computing). CPU per call is ' +
      "this process's user + system time over the window divided by the calls; for gRPC also with the echo server's " +
      "(in process, the served model's work is already in the client's). Best of the interleaved rounds.",
    '',
    '| in flight | path | calls/s | p50 ms | p99 ms | CPU ms/call | + server CPU ms/call |',
    '|---:|---|---:|---:|---:|---:|---:|',
  );
  for (const p of result.points) {
    for (const [kind, label] of [
      ['inProcess', 'in process'],
      ['grpc', 'loopback gRPC'],
    ]) {
      const r = p[kind];
      lines.push(
        `| ${p.concurrency} | ${label} | ${fixed(r.rps, 0)} | ${fixed(r.p50Ms, 3)} | ${fixed(r.p99Ms, 3)} | ` +
          `${fixed(r.clientCpuMsPerCall, 3)} | ${r.serverCpuMsPerCall === null ? '–' : fixed(r.clientCpuMsPerCall + r.serverCpuMsPerCall, 3)} |`,
      );
    }
  }
  const [one, many] = result.points;
  const latencyRatio = one.inProcess.p50Ms / one.grpc.p50Ms;
  const grpcCpu = many.grpc.clientCpuMsPerCall + (many.grpc.serverCpuMsPerCall ?? 0);
  const cpuRatio = many.inProcess.clientCpuMsPerCall / grpcCpu;
  lines.push(
    '',
    '| target | met | measured |',
    '|---|---|---|',
    `| p50 latency in process below gRPC's, 1 in flight | ${latencyRatio < 1 ? 'yes' : '**no**'} | ${latencyRatio.toFixed(2)}× |`,
    `| CPU per call in process ≤ gRPC's (client + server), 32 in flight | ${cpuRatio <= 1 ? 'yes' : '**no**'} | ${cpuRatio.toFixed(2)}× |`,
    '',
  );
  return lines.join('\n');
}

module.exports = { markdown, measure };

if (require.main === module) {
  const config = JSON.parse(process.argv[2] || '{}');
  measure(config).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`in_process failed: ${(err && err.stack) || err}\n`);
      process.exit(1);
    },
  );
}
