'use strict';
// The channels part of the benchmark (issue 17): this library's run() at 256
// calls in flight (16 floats) against one echo server and against three
// behind one `ipv4:` target with round_robin, and against one server over 1
// and over 4 HTTP/2 connections (`channelOptions.connections`). Each point is
// its own bench/worker.js process, as the main table's.
const path = require('node:path');

const CONCURRENCY = 256;
const FLOATS = 16;

/** The setups measured: a label, how many servers the target names, and the channel options. */
const SETUPS = [
  { label: '1 server, 1 connection', servers: 1, channelOptions: undefined },
  { label: '3 servers, round_robin', servers: 3, channelOptions: { loadBalancing: 'round_robin' } },
  { label: '1 server, 4 connections', servers: 1, channelOptions: { connections: 4 } },
  {
    label: '3 servers, round_robin, 4 connections',
    servers: 3,
    channelOptions: { loadBalancing: 'round_robin', connections: 4 },
  },
];

/**
 * Runs the setups; `server` is the main run's echo server, `startEchoServer`
 * starts the two others (stopped before returning). Resolves with one row per
 * setup: { label, servers, channelOptions, rps, p50Ms, p99Ms, cpuMsPerCall, errors }.
 */
async function measureChannels({ server, startEchoServer, runJsonChild, config, env, log }) {
  const others = [await startEchoServer(), await startEchoServer()];
  const best = new Map();
  try {
    const addresses = [server.address, ...others.map((s) => s.address)];
    // Rounds interleaved, so drift in the machine's load hits every setup alike; best run kept.
    for (let round = 0; round < config.repeat; round++) {
      for (const setup of SETUPS) {
        const address = setup.servers === 1 ? addresses[0] : `ipv4:${addresses.slice(0, setup.servers).join(',')}`;
        const point = {
          client: 'lib',
          address,
          floats: FLOATS,
          concurrency: CONCURRENCY,
          channelOptions: setup.channelOptions,
          warmupMs: config.warmupMs,
          durationMs: config.durationMs,
          maxPhaseMs: config.maxPhaseMs,
        };
        const result = await runJsonChild(
          process.execPath,
          [path.join(__dirname, 'worker.js'), JSON.stringify(point)],
          { env },
        );
        if (!best.has(setup) || result.rps > best.get(setup).rps) best.set(setup, result);
      }
    }
  } finally {
    for (const s of others) s.stop();
  }
  const rows = SETUPS.map((setup) => {
    const r = best.get(setup);
    const row = {
      label: setup.label,
      servers: setup.servers,
      channelOptions: setup.channelOptions ?? null,
      rps: r.rps,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      cpuMsPerCall: r.cpuMsPerCall,
      errors: r.errors,
    };
    log(
      `channels: ${row.label.padEnd(40)} ${row.rps.toFixed(0).padStart(6)} req/s, p50 ${row.p50Ms.toFixed(2)} ms, ` +
        `p99 ${row.p99Ms.toFixed(2)} ms, CPU ${row.cpuMsPerCall.toFixed(3)} ms/call${row.errors ? `, ${row.errors} errors` : ''}`,
    );
    return row;
  });
  return rows;
}

/** The report's section for the rows of measureChannels() (an empty string without rows). */
function channelsMarkdown(rows, machine) {
  if (!rows || rows.length === 0) return '';
  const base = rows[0].rps;
  const lines = [
    '## Channels (issue 17)',
    '',
    `\`run()\` of ${FLOATS} floats at ${CONCURRENCY} calls in flight against C++ echo servers (bench/channels.js): one ` +
      "server, three behind one `ipv4:` target with `loadBalancing: 'round_robin'`, and `channelOptions.connections`. " +
      `The servers share the machine's ${machine ? machine.cores : 'few'} cores with the client, so extra servers add no ` +
      "CPU: what is measured is the client side's cost of spreading calls, not the capacity a real fleet adds.",
    '',
    '| Setup | Requests/s | vs first row | p50 ms | p99 ms | CPU ms/call | Errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.rps.toFixed(0)} | ${(r.rps / base).toFixed(2)} | ${r.p50Ms.toFixed(2)} | ` +
        `${r.p99Ms.toFixed(2)} | ${r.cpuMsPerCall.toFixed(3)} | ${r.errors} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

module.exports = { measureChannels, channelsMarkdown, SETUPS };
