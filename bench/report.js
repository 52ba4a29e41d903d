'use strict';
// Turns the benchmark's results into the markdown report (table with ratios
// against (b) and (d), targets, leak check, machine) and a hand-written SVG
// bar chart of requests/s by payload, concurrency and client.
const { CLIENTS, CLIENT_ORDER } = require('./clients');
const { footprintMarkdown } = require('./footprint');
const { markdown: savedModelConcurrencyMarkdown } = require('./saved_model_concurrency');
const { channelsMarkdown } = require('./channels');
const { markdown: inProcessMarkdown } = require('./in_process');

const PAYLOADS = [
  { name: '16 floats', floats: 16 },
  { name: '64 KiB', floats: 16384 },
  { name: '4 MiB', floats: 1048576 },
];

function payloadName(floats) {
  const known = PAYLOADS.find((p) => p.floats === floats);
  return known ? known.name : `${floats} floats`;
}

function fmt(value, digits) {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  if (digits === undefined) {
    const abs = Math.abs(value);
    digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  }
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratio(value, reference) {
  if (value === null || value === undefined || !reference || !Number.isFinite(value / reference)) return '–';
  const r = value / reference;
  return r >= 10 ? r.toFixed(1) : r.toFixed(2);
}

// A figure with its ratios against (b) and (d): "value (×b / ×d)".
function cell(value, b, d, digits) {
  if (value === null || value === undefined) return 'n/a';
  return `${fmt(value, digits)} (${ratio(value, b)} / ${ratio(value, d)})`;
}

function find(results, client, floats, concurrency) {
  return results.find(
    (r) => r.client === client && r.floats === floats && r.concurrency === concurrency && r.count > 0,
  );
}

function table(results, floors = []) {
  const floatsList = [...new Set(results.map((r) => r.floats))].sort((a, b) => a - b);
  const concurrencies = [...new Set(results.map((r) => r.concurrency))].sort((a, b) => a - b);
  const lines = [
    '| payload | c | client | requests/s (×b / ×d) | p50 ms (×b / ×d) | p99 ms (×b / ×d) | CPU ms/call (×b / ×d) | ELD p99 ms (×b) | peak RSS MB (×b / ×d) | calls | errors |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const floats of floatsList) {
    for (const c of concurrencies) {
      const b = find(results, 'grpcjs', floats, c) || {};
      const d = find(results, 'cpp', floats, c) || {};
      for (const client of CLIENT_ORDER) {
        const r = results.find((x) => x.client === client && x.floats === floats && x.concurrency === c);
        if (!r) continue;
        const ok = r.count > 0;
        const floor = client === 'cpp' && floors.find((f) => f.floats === floats && f.concurrency === c);
        const eld = floor
          ? `floor ${fmt(floor.eldP99Ms, 2)}`
          : r.eldP99Ms === null || r.eldP99Ms === undefined
            ? 'n/a'
            : `${fmt(r.eldP99Ms, 2)} (${ratio(r.eldP99Ms, b.eldP99Ms)})`;
        lines.push(
          `| ${payloadName(floats)} | ${c} | ${CLIENTS[client].label} | ` +
            [
              ok ? cell(r.rps, b.rps, d.rps, 0) : r.crashed ? 'crashed' : 'no call completed',
              ok ? cell(r.p50Ms, b.p50Ms, d.p50Ms) : 'n/a',
              ok ? cell(r.p99Ms, b.p99Ms, d.p99Ms) : 'n/a',
              ok ? cell(r.cpuMsPerCall, b.cpuMsPerCall, d.cpuMsPerCall) : 'n/a',
              ok ? eld : 'n/a',
              cell(r.peakRssMb, b.peakRssMb, d.peakRssMb, 0),
              String(r.count),
              r.errors ? `${r.errors} (${escapeCell(r.firstError)})` : '0',
            ].join(' | ') +
            ' |',
        );
      }
    }
  }
  return lines.join('\n');
}

function escapeCell(text) {
  return String(text || '')
    .replace(/\|/g, '\\|')
    .replace(/\s+/g, ' ')
    .slice(0, 80);
}

// The issue's targets, each with the figures it was judged on.
function targets(results, leak) {
  const out = [];
  const check = (name, met, detail) => out.push({ name, met, detail });
  const pair = (floats, c) => ({
    a: find(results, 'lib', floats, c),
    b: find(results, 'grpcjs', floats, c),
    d: find(results, 'cpp', floats, c),
  });

  {
    const { a, b } = pair(16, 64);
    check(
      'requests/s ≥ 3× (b) at 16 floats, c=64',
      a && b ? a.rps / b.rps >= 3 : null,
      a && b ? `${fmt(a.rps, 0)} vs ${fmt(b.rps, 0)}: ${ratio(a.rps, b.rps)}×` : 'not measured',
    );
  }
  for (const c of [1, 64, 256]) {
    const { a, b } = pair(1048576, c);
    if (!a && !b && c !== 64) continue;
    check(
      `requests/s ≥ 2× (b) at 4 MiB, c=${c}`,
      a && b ? a.rps / b.rps >= 2 : null,
      a && b ? `${fmt(a.rps, 0)} vs ${fmt(b.rps, 0)}: ${ratio(a.rps, b.rps)}×` : 'not measured',
    );
  }
  const points = results.filter((r) => r.client === 'lib' && r.count > 0);
  const cpuB = [];
  const cpuD = [];
  for (const a of points) {
    const { b, d } = pair(a.floats, a.concurrency);
    const where = `${payloadName(a.floats)} c=${a.concurrency}`;
    if (b) cpuB.push({ where, r: a.cpuMsPerCall / b.cpuMsPerCall });
    if (d) cpuD.push({ where, r: a.cpuMsPerCall / d.cpuMsPerCall });
  }
  const summarize = (list, limit) =>
    list.map((x) => `${x.where}: ${x.r.toFixed(2)}×${x.r <= limit ? '' : ' ✗'}`).join('; ');
  check(
    'CPU per call ≤ 1/3 of (b), every point',
    cpuB.length ? cpuB.every((x) => x.r <= 1 / 3) : null,
    `${cpuB.filter((x) => x.r <= 1 / 3).length}/${cpuB.length} points — ${summarize(cpuB, 1 / 3)}`,
  );
  check(
    'CPU per call ≤ 1.5× (d), every point',
    cpuD.length ? cpuD.every((x) => x.r <= 1.5) : null,
    `${cpuD.filter((x) => x.r <= 1.5).length}/${cpuD.length} points — ${summarize(cpuD, 1.5)}`,
  );
  {
    const { a } = pair(1048576, 256);
    check(
      'event-loop delay p99 < 5 ms at c=256, 4 MiB',
      a ? a.eldP99Ms < 5 : null,
      a ? `${fmt(a.eldP99Ms, 2)} ms` : 'not measured',
    );
  }
  if (leak) {
    check(
      `leak check: RSS growth after warm-up < 20 MB over ${leak.calls.toLocaleString('en-US')} run() calls`,
      leak.growthMb < 20 && leak.errors === 0,
      `${leak.growthMb.toFixed(1)} MB (${leak.rssAfterWarmupMb.toFixed(1)} → ${leak.rssEndMb.toFixed(1)} MB), ${leak.errors} errors`,
    );
  }
  return out;
}

// Issue 13's targets (the hot path), each with the figures it was judged on. The event-loop delay
// targets show the floor measured at the same point (bench/eld_floor.js) next to run()'s delay.
function hotPathTargets(results, floors, leak) {
  const out = [];
  const check = (name, met, detail) => out.push({ name, met, detail });
  const at = (client, floats, c) => find(results, client, floats, c);
  const versus = (name, field, floats, c, other, limit, better) => {
    const a = at('lib', floats, c);
    const o = at(other, floats, c);
    const r = a && o ? a[field] / o[field] : null;
    check(
      name,
      r === null ? null : better === 'higher' ? r >= limit : r <= limit,
      r === null ? 'not measured' : `${fmt(a[field])} vs ${fmt(o[field])}: ${ratio(a[field], o[field])}×`,
    );
  };
  versus('CPU per call ≤ 1.5× (d) at 16 floats, c=64', 'cpuMsPerCall', 16, 64, 'cpp', 1.5);
  versus('requests/s ≥ 4× (b) at 16 floats, c=64', 'rps', 16, 64, 'grpcjs', 4, 'higher');
  versus('p50 latency ≤ 1.3× (d) at 16 floats, c=1', 'p50Ms', 16, 1, 'cpp', 1.3);
  {
    const loop = floors.find((f) => f.floats === 16 && f.concurrency === 1)?.loopThread;
    const d = at('cpp', 16, 1);
    if (loop && d)
      out[out.length - 1].detail += `; (d) with one loop thread: ${fmt(loop.p50Ms)} (${ratio(loop.p50Ms, d.p50Ms)}×)`;
  }
  versus('CPU per call ≤ 1.5× (d) at 64 KiB, c=64', 'cpuMsPerCall', 16384, 64, 'cpp', 1.5);
  versus('CPU per call ≤ 1.5× (d) at 4 MiB, c=64', 'cpuMsPerCall', 1048576, 64, 'cpp', 1.5);
  for (const [c, limit] of [
    [64, 5],
    [256, 10],
  ]) {
    const a = at('lib', 16, c);
    const floor = floors.find((f) => f.floats === 16 && f.concurrency === c);
    check(
      `event-loop delay p99 ≤ ${limit} ms at 16 floats, c=${c}`,
      a ? a.eldP99Ms <= limit : null,
      a ? `${fmt(a.eldP99Ms, 2)} ms; floor ${floor ? `${fmt(floor.eldP99Ms, 2)} ms` : 'not measured'}` : 'not measured',
    );
  }
  versus('peak RSS ≤ 1.5× (d) at 4 MiB, c=64', 'peakRssMb', 1048576, 64, 'cpp', 1.5);
  versus('peak RSS ≤ 1.5× (d) at 4 MiB, c=256', 'peakRssMb', 1048576, 256, 'cpp', 1.5);
  if (leak) {
    check(
      `leak check: RSS growth after warm-up < 20 MB over ${leak.calls.toLocaleString('en-US')} run() calls`,
      leak.growthMb < 20 && leak.errors === 0,
      `${leak.growthMb.toFixed(1)} MB, ${leak.errors} errors`,
    );
  }
  return out;
}

// What the machine and Node's threading cost any client, next to run() at the same points.
function floorsMarkdown(results, floors) {
  const lines = [
    '## Floors',
    '',
    'Measured after the points above, at each point: **busy-loop ELD**, the event-loop delay p99 (max) of a Node ' +
      'loop that runs only 50 µs JS tasks (`bench/eld_floor.js`) while the C++ client (d) runs the point; ' +
      "**(d) one loop thread**, the C++ client with Node's threading (`cpp_client --loop-thread`: each completion is " +
      'handed to one thread through a queue and an eventfd, as libuv wakes Node, and that thread starts the next call).',
    '',
    '| payload | c | busy-loop ELD p99 (max) ms | (a) run() ELD p99 ms | (d) one loop thread: p50 ms (×d) | CPU ms/call (×d) | (a) run(): p50 ms (×loop) | CPU ms/call (×loop) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const f of floors) {
    const a = find(results, 'lib', f.floats, f.concurrency);
    const d = find(results, 'cpp', f.floats, f.concurrency);
    const loop = f.loopThread;
    lines.push(
      `| ${payloadName(f.floats)} | ${f.concurrency} | ${fmt(f.eldP99Ms, 2)} (${fmt(f.eldMaxMs, 2)}) | ` +
        [
          a ? fmt(a.eldP99Ms, 2) : 'n/a',
          loop ? `${fmt(loop.p50Ms)} (${ratio(loop.p50Ms, d?.p50Ms)})` : '–',
          loop ? `${fmt(loop.cpuMsPerCall)} (${ratio(loop.cpuMsPerCall, d?.cpuMsPerCall)})` : '–',
          loop && a ? `${fmt(a.p50Ms)} (${ratio(a.p50Ms, loop.p50Ms)})` : '–',
          loop && a ? `${fmt(a.cpuMsPerCall)} (${ratio(a.cpuMsPerCall, loop.cpuMsPerCall)})` : '–',
        ].join(' | ') +
        ' |',
    );
  }
  lines.push('');
  return lines.join('\n');
}

function targetsMarkdown(list) {
  const lines = ['| target | met | measured |', '|---|---|---|'];
  for (const t of list)
    lines.push(`| ${t.name} | ${t.met === null ? 'n/a' : t.met ? 'yes' : '**no**'} | ${t.detail} |`);
  return lines.join('\n');
}

function machineMarkdown(machine) {
  return [
    `- CPU: ${machine.cpuModel}, ${machine.cores} cores (client and server share them; see below)`,
    `- memory: ${machine.memoryGb} GiB; OS: ${machine.os}`,
    `- Node ${machine.node}; libtensorflow ${machine.tensorflow}; @grpc/grpc-js ${machine.grpcJs}, ` +
      `@grpc/proto-loader ${machine.protoLoader}, protobufjs ${machine.protobufjs}; ` +
      `Debian gRPC C++ ${machine.grpcCpp} (echo server, C++ client)`,
    ...(machine.loadAverage
      ? [
          `- load average at the end of the run (1/5/15 min): ${machine.loadAverage.join(' / ')} ` +
            "(above the benchmark's own ~2, other work shared the cores)",
        ]
      : []),
  ].join('\n');
}

function markdown({
  results,
  leak,
  footprint,
  channels,
  machine,
  config,
  date,
  chart,
  savedModelConcurrency,
  inProcess,
  floors = [],
}) {
  const t = targets(results, leak);
  const hotPath = hotPathTargets(results, floors, leak);
  const lines = [
    `# Benchmark: ${date}${config.smoke ? ' (smoke run: tiny durations, not for quoting)' : ''}`,
    '',
    machineMarkdown(machine),
    '',
    'A C++ echo PredictionService (Debian gRPC, callback API, its own process, loopback) answers ' +
      '`half_plus_two` by echoing the input `x` as `y`. Each point is its own client process running a closed loop ' +
      `of *c* calls in flight: warm-up ≥ ${config.warmupMs} ms (and, for the Node clients, until every lane has answered ` +
      `once), then a window of ≥ ${config.durationMs} ms (Node clients: and ≥ min(c, 20) calls; each phase capped at ` +
      `${config.maxPhaseMs / 1000} s). Only calls completing inside the window count. Payloads are float32 vectors of ` +
      '16, 16,384 (64 KiB) and 1,048,576 (4 MiB) elements, sent and answered in full' +
      (config.repeat > 1
        ? `; every point ran ${config.repeat} times (rounds interleaved) and the run with the most requests/s is shown ` +
          '(other load on the machine only slows a run; points slower than 20 s ran once).'
        : '.'),
    '',
    "- (a) this library's `run()`; (b) `@grpc/grpc-js` + `@grpc/proto-loader` over `protos/`, `tensor_content` bytes; " +
      '(c) the same filling `float_val`; (d) a C++ gRPC callback client (same request bytes as (a), one copy in and out); ' +
      '(e) the composed SavedModel `half_plus_two_with_remote_predict` through `loadSavedModel().predict()` ' +
      '(its inner call goes through the op to the echo server).',
    "- Ratios in brackets are the figure divided by (b)'s and by (d)'s at the same point: above 1 is better for " +
      "requests/s, worse for everything else. CPU per call is the client process's user + system time over the window " +
      '(`process.cpuUsage`; `getrusage` for (d)) divided by the calls completed in it. ELD p99 is ' +
      '`monitorEventLoopDelay` (1 ms resolution) p99 minus the 1 ms sampling interval, over the window. For (d) it is ' +
      "the point's floor: the same figure for a Node loop that runs only 50 µs JS tasks (`bench/eld_floor.js`) " +
      'while the C++ client loads the machine as at that point, i.e. what OS scheduling alone costs a busy loop. ' +
      "Peak RSS is the client process's maximum resident set (the library's includes libtensorflow).",
    `- ${machine.cores} cores for client and server together: at high concurrency the echo server takes a share of ` +
      "the same CPUs, so requests/s are a property of the pair; CPU per call is the client's alone.",
    '',
    table(results, floors),
    '',
    '## Targets (issue 13: the hot path)',
    '',
    targetsMarkdown(hotPath),
    '',
    '## Targets (issue 5)',
    '',
    targetsMarkdown(t),
    '',
  ];
  if (floors.length > 0) lines.push(floorsMarkdown(results, floors));
  if (leak) {
    lines.push(
      '## Leak check',
      '',
      `${leak.calls.toLocaleString('en-US')} \`run()\` calls (16 floats, 64 in flight) in ${leak.elapsedS.toFixed(1)} s; ` +
        `RSS after a forced GC every ${leak.samples.length > 1 ? (leak.samples[1].calls - leak.samples[0].calls).toLocaleString('en-US') : '–'} calls ` +
        `(first sample after ${leak.warmupCalls.toLocaleString('en-US')} warm-up calls): ` +
        leak.samples.map((s) => `${s.rssMb.toFixed(1)}`).join(' → ') +
        ' MB; ' +
        `growth ${leak.growthMb.toFixed(1)} MB. Over the same samples V8's heapTotal grew ` +
        `${leak.heapTotalGrowthMb.toFixed(1)} MB (young-generation sizing), heapUsed ${leak.heapUsedGrowthMb.toFixed(2)} MB ` +
        `and external memory ${leak.externalGrowthMb.toFixed(2)} MB.`,
      '',
    );
  }
  if (footprint) lines.push(footprintMarkdown(footprint));
  if (savedModelConcurrency !== undefined) lines.push(savedModelConcurrencyMarkdown(savedModelConcurrency));
  if (inProcess !== undefined) lines.push(inProcessMarkdown(inProcess));
  if (channels) lines.push(channelsMarkdown(channels, machine));
  if (chart) lines.push('## Requests/s', '', `![requests/s by payload and client](${chart})`, '');
  return { text: lines.join('\n'), targets: [...hotPath, ...t] };
}

// ---- SVG ----

const COLORS = { lib: '#1b6ac9', grpcjs: '#e8871e', floatval: '#c9452c', cpp: '#5b8c2a', savedmodel: '#8a55b5' };

function esc(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * exp >= value) return m * exp;
  return 10 * exp;
}

function shortNumber(v) {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e5) return `${Math.round(v / 1e3)}k`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  if (v >= 10) return `${Math.round(v)}`;
  return `${+v.toFixed(1)}`;
}

// One panel per payload (each with its own linear scale), groups by
// concurrency, one bar per client.
function svgChart(results, { title }) {
  const floatsList = [...new Set(results.map((r) => r.floats))].sort((a, b) => a - b);
  const concurrencies = [...new Set(results.map((r) => r.concurrency))].sort((a, b) => a - b);
  const clients = CLIENT_ORDER.filter((c) => results.some((r) => r.client === c));
  const bar = 14;
  const groupGap = 18;
  const groupWidth = clients.length * bar;
  const plotWidth = concurrencies.length * groupWidth + (concurrencies.length + 1) * groupGap;
  const panelGap = 70;
  const left = 60;
  const top = 70;
  const plotHeight = 240;
  const width = left + floatsList.length * plotWidth + (floatsList.length - 1) * panelGap + 30;
  const height = top + plotHeight + 80;
  const parts = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${left}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`);
  // Legend.
  let lx = left;
  for (const c of clients) {
    parts.push(`<rect x="${lx}" y="34" width="11" height="11" fill="${COLORS[c]}"/>`);
    parts.push(`<text x="${lx + 15}" y="44">${esc(CLIENTS[c].label)}</text>`);
    lx += 15 + CLIENTS[c].label.length * 6.2 + 16;
  }
  floatsList.forEach((floats, pi) => {
    const x0 = left + pi * (plotWidth + panelGap);
    const values = results.filter((r) => r.floats === floats && r.count > 0).map((r) => r.rps);
    const max = niceMax(Math.max(...values, 0) * 1.12); // room for the labels
    const y = (v) => top + plotHeight - (v / max) * plotHeight;
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      const gy = y(v);
      parts.push(
        `<line x1="${x0}" x2="${x0 + plotWidth}" y1="${gy.toFixed(1)}" y2="${gy.toFixed(1)}" stroke="${i === 0 ? '#444' : '#ddd'}" stroke-width="1"/>`,
      );
      parts.push(
        `<text x="${x0 - 5}" y="${(gy + 4).toFixed(1)}" text-anchor="end" fill="#555">${shortNumber(v)}</text>`,
      );
    }
    parts.push(
      `<text x="${x0 + plotWidth / 2}" y="${top - 8}" text-anchor="middle" font-weight="bold">${esc(payloadName(floats))}</text>`,
    );
    concurrencies.forEach((c, gi) => {
      const gx = x0 + groupGap + gi * (groupWidth + groupGap);
      clients.forEach((client, ci) => {
        const r = results.find((x) => x.client === client && x.floats === floats && x.concurrency === c);
        const bx = gx + ci * bar;
        if (!r || !(r.count > 0)) {
          parts.push(`<text x="${bx + bar / 2}" y="${top + plotHeight - 3}" text-anchor="middle" fill="#999">×</text>`);
          return;
        }
        const by = y(r.rps);
        parts.push(
          `<rect x="${bx + 1}" y="${by.toFixed(1)}" width="${bar - 2}" height="${(top + plotHeight - by).toFixed(1)}" fill="${COLORS[client]}"><title>${esc(`${CLIENTS[client].label}, ${payloadName(floats)}, c=${c}: ${fmt(r.rps, 0)} requests/s`)}</title></rect>`,
        );
        const ty = by - 3;
        parts.push(
          `<text transform="translate(${(bx + bar / 2 + 3).toFixed(1)},${ty.toFixed(1)}) rotate(-90)" font-size="9" fill="#333">${shortNumber(r.rps)}</text>`,
        );
      });
      parts.push(`<text x="${gx + groupWidth / 2}" y="${top + plotHeight + 16}" text-anchor="middle">c=${c}</text>`);
    });
  });
  parts.push(
    `<text x="14" y="${top + plotHeight / 2}" transform="rotate(-90 14 ${top + plotHeight / 2})" text-anchor="middle" fill="#333">requests/s</text>`,
  );
  parts.push(
    `<text x="${left}" y="${height - 18}" fill="#555">Each payload has its own scale. Loopback; client and echo server share the machine's cores.</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

module.exports = { PAYLOADS, markdown, svgChart, table, targets, payloadName };
