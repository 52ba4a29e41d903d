'use strict';
// The benchmark's smoke run (scripts/bench.sh --smoke, about 20 s): builds the
// C++ echo server and client, drives all five clients at a few tiny points,
// runs a short leak check and writes the report, so `npm run bench` cannot rot.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const CLIENT_LABELS = [
  '(a) run()',
  '(b) grpc-js tensor_content',
  '(c) grpc-js float_val',
  '(d) C++ callback client',
  '(e) SavedModel predict()',
];

describe('benchmark smoke run', function () {
  this.timeout(300000);
  let out;
  let run;

  before(function () {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsrp-bench-smoke-test-'));
    run = spawnSync('bash', [path.join(ROOT, 'scripts', 'bench.sh'), '--smoke', '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 280000,
      maxBuffer: 64 * 1024 * 1024,
    });
  });

  after(function () {
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  it('exits 0', function () {
    assert.equal(run.error, undefined, String(run.error));
    assert.equal(run.status, 0, `bench.sh --smoke exited ${run.status}\n${run.stderr.slice(-6000)}`);
  });

  it('prints and saves a table with a measured row for every client', function () {
    const saved = fs.readFileSync(path.join(out, 'latest.md'), 'utf8');
    assert.ok(run.stdout.includes('| payload | c | client |'), 'the table is printed');
    for (const text of [run.stdout, saved]) {
      const rows = text.split('\n').filter((line) => line.startsWith('| 16 floats |'));
      for (const label of CLIENT_LABELS) {
        const mine = rows.filter((row) => row.includes(`| ${label} |`));
        assert.ok(mine.length > 0, `no row for ${label}`);
        for (const row of mine) {
          const cells = row.split('|').map((c) => c.trim());
          const requestsPerSecond = Number(cells[4].split(' ')[0].replace(/,/g, ''));
          assert.ok(requestsPerSecond > 0, `${label} measured nothing: ${row}`);
        }
      }
    }
    assert.match(saved, /## Targets/);
    assert.match(saved, /leak check: RSS growth/);
  });

  it('writes the chart and the raw results', function () {
    const svg = fs.readFileSync(path.join(out, 'latest.svg'), 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    for (const label of CLIENT_LABELS) assert.ok(svg.includes(label), `the legend names ${label}`);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'latest.json'), 'utf8'));
    assert.equal(new Set(json.results.map((r) => r.client)).size, 5);
    assert.ok(json.leak.calls > 0 && Number.isFinite(json.leak.growthMb));
  });

  it("measures the floors (busy-loop ELD, the C++ client with one loop thread), judges issue 13's targets", function () {
    const json = JSON.parse(fs.readFileSync(path.join(out, 'latest.json'), 'utf8'));
    assert.deepEqual(
      json.floors.map((f) => f.concurrency),
      [1, 64],
    );
    for (const f of json.floors) {
      assert.ok(f.tasks > 0 && Number.isFinite(f.eldP99Ms) && f.cppRps > 0, JSON.stringify(f));
      assert.ok(f.loopThread && f.loopThread.rps > 0 && f.loopThread.p50Ms > 0, JSON.stringify(f));
    }
    const saved = fs.readFileSync(path.join(out, 'latest.md'), 'utf8');
    assert.match(saved, /\| 16 floats \| 64 \| [^|]*C\+\+[^|]* \|([^|]*\|){4} floor \d/);
    assert.match(saved, /## Floors[^]*\| 16 floats \| 1 \| [\d.]+ \([\d.]+\) \| [\d.]+ \| [\d.]+ \([\d.]+\) \|/);
    assert.match(
      saved,
      /## Targets \(issue 13: the hot path\)[^]*event-loop delay p99 ≤ 5 ms at 16 floats, c=64 \| [^|]+ \| [\d.]+ ms; floor [\d.]+ ms/,
    );
  });

  it('measures the channel setups (1 vs 3 servers, 1 vs 4 connections)', function () {
    const json = JSON.parse(fs.readFileSync(path.join(out, 'latest.json'), 'utf8'));
    assert.equal(json.channels.length, 4);
    for (const row of json.channels) assert.ok(row.rps > 0 && row.errors === 0, JSON.stringify(row));
    assert.match(fs.readFileSync(path.join(out, 'latest.md'), 'utf8'), /## Channels/);
  });

  it('measures a composed graph calling half_plus_two in process vs over loopback gRPC', function () {
    const json = JSON.parse(fs.readFileSync(path.join(out, 'latest.json'), 'utf8'));
    assert.equal(json.inProcess.error, undefined, json.inProcess.error);
    assert.deepEqual(
      json.inProcess.points.map((p) => p.concurrency),
      [1, 32],
    );
    for (const point of json.inProcess.points) {
      for (const kind of ['inProcess', 'grpc']) {
        const r = point[kind];
        assert.ok(
          r.calls > 0 && r.errors === 0 && r.p50Ms > 0 && r.clientCpuMsPerCall > 0,
          `${kind}: ${JSON.stringify(r)}`,
        );
      }
    }
    assert.match(
      fs.readFileSync(path.join(out, 'latest.md'), 'utf8'),
      /## In-process serving \(issue 15\)[^]*\| p50 latency in process below gRPC's/,
    );
  });
});
