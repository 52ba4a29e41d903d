'use strict';
// What requiring the package costs a process: require time and RSS after the
// first call, for this package's run(), next to bare Node and a grpc-js client,
// each the median of `samples` fresh processes (interleaved).
const path = require('node:path');

const KINDS = [
  { kind: 'bare', label: 'bare Node' },
  { kind: 'grpcjs', label: 'grpc-js + proto-loader' },
  { kind: 'lib', label: 'this package, run()' },
];

const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];

/** runJsonChild(command, args, options) from bench/run.js; resolves with per-kind medians. */
async function measureFootprint({ address, samples, runJsonChild, env }) {
  const raw = Object.fromEntries(KINDS.map(({ kind }) => [kind, []]));
  for (let i = 0; i < samples; i++) {
    for (const { kind } of KINDS) {
      raw[kind].push(
        await runJsonChild(process.execPath, [path.join(__dirname, 'footprint_child.js'), kind, address], { env }),
      );
    }
  }
  return KINDS.map(({ kind, label }) => ({
    kind,
    label,
    samples,
    requireMs: median(raw[kind].map((r) => r.requireMs)),
    rssMb: median(raw[kind].map((r) => r.rssMb)),
  }));
}

/** The report's section, with the issue-16 targets (RSS ≤ bare + 80 MB, require ≤ 150 ms). */
function footprintMarkdown(rows) {
  const bare = rows.find((r) => r.kind === 'bare');
  const lib = rows.find((r) => r.kind === 'lib');
  const lines = [
    '## Footprint',
    '',
    `Median of ${rows[0].samples} fresh processes each: the time to \`require\` what the client needs, and the RSS ` +
      'after that and one call to `half_plus_two` (a process that only makes direct calls never maps libtensorflow_cc).',
    '',
    '| process | require ms | RSS after the first call, MB | RSS − bare Node, MB |',
    '|---|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.requireMs.toFixed(1)} | ${r.rssMb.toFixed(1)} | ${(r.rssMb - bare.rssMb).toFixed(1)} |`,
    ),
    '',
    `Targets: RSS ≤ bare Node + 80 MB: **${lib.rssMb - bare.rssMb <= 80 ? 'yes' : 'no'}** ` +
      `(${(lib.rssMb - bare.rssMb).toFixed(1)} MB); require ≤ 150 ms: **${lib.requireMs <= 150 ? 'yes' : 'no'}** ` +
      `(${lib.requireMs.toFixed(1)} ms).`,
    '',
  ];
  return lines.join('\n');
}

module.exports = { measureFootprint, footprintMarkdown };
