'use strict';
// The benchmark (npm run bench → scripts/bench.sh, which builds the C++ pieces
// first): starts the echo PredictionService, runs every point of every client
// in its own process, runs the leak check, writes the report and chart.
//
//   node bench/run.js [--smoke] [--out DIR] [--duration MS] [--warmup MS]
//                     [--clients lib,grpcjs,...] [--payloads 16,16384,...]
//                     [--concurrency 1,64,...] [--leak-calls N] [--repeat N]
//   node bench/run.js --from-json bench/results/latest.json [--out DIR]
//                     re-renders a saved run's report and chart without measuring
//
// Full run: 3 payloads × 3 concurrencies × 5 clients, 100,000-call leak check,
// writes <out>/<date>.md, latest.md, latest.svg and latest.json (default out:
// bench/results). --smoke: one payload, two concurrencies, short windows and a
// short leak check, about 20 s; writes to --out (default: a temporary dir).
// --repeat N runs every point N times (rounds interleaved) and keeps the run
// with the most requests/s: load from outside the benchmark only slows a run.
// A point whose run took over 20 s is not repeated.
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { CLIENTS, CLIENT_ORDER } = require('./clients');
const { PAYLOADS, markdown, svgChart } = require('./report');
const { measureFootprint } = require('./footprint');
const { measureChannels } = require('./channels');

const ROOT = path.resolve(__dirname, '..');
const BUILD = process.env.TFSRP_BENCH_BUILD_DIR || path.join(__dirname, '.build');

function parseArgs(argv) {
  const args = { smoke: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--smoke') args.smoke = true;
    else if (a === '--out') args.out = next();
    else if (a === '--duration') args.durationMs = Number(next());
    else if (a === '--warmup') args.warmupMs = Number(next());
    else if (a === '--clients') args.clients = next().split(',');
    else if (a === '--payloads') args.payloads = next().split(',').map(Number);
    else if (a === '--concurrency') args.concurrency = next().split(',').map(Number);
    else if (a === '--leak-calls') args.leakCalls = Number(next());
    else if (a === '--repeat') args.repeat = Number(next());
    else if (a === '--from-json') args.fromJson = next();
    else throw new Error(`unknown argument ${a}`);
  }
  const smoke = args.smoke;
  const config = {
    smoke,
    out:
      args.out ||
      (smoke ? fs.mkdtempSync(path.join(os.tmpdir(), 'tfsrp-bench-smoke-')) : path.join(__dirname, 'results')),
    warmupMs: args.warmupMs ?? (smoke ? 200 : 1000),
    durationMs: args.durationMs ?? (smoke ? 500 : 2500),
    maxPhaseMs: smoke ? 5000 : 30000,
    clients: args.clients || CLIENT_ORDER,
    payloads: args.payloads || (smoke ? [16] : PAYLOADS.map((p) => p.floats)),
    concurrency: args.concurrency || (smoke ? [1, 64] : [1, 64, 256]),
    leakCalls: args.leakCalls ?? (smoke ? 5000 : 100000),
    repeat: Math.max(1, args.repeat ?? 1),
    fromJson: args.fromJson,
  };
  for (const c of config.clients) if (!CLIENTS[c]) throw new Error(`unknown client ${c}`);
  return config;
}

function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

function startEchoServer() {
  const binary = path.join(BUILD, 'echo_server');
  if (!fs.existsSync(binary)) throw new Error(`${binary} is missing: run scripts/bench.sh (it builds it)`);
  // stdin stays piped: the server exits when we do.
  const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('echo server did not start'));
    }, 10000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`echo server exited (${code})`));
    });
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        child,
        address: `127.0.0.1:${m[1]}`,
        stop: () => {
          child.stdin.end();
          child.kill('SIGTERM');
        },
      });
    });
  });
}

/**
 * Runs a child that prints one JSON line; resolves with it.
 * @param {string} command
 * @param {string[]} args
 * @param {{ timeoutMs?: number, env?: NodeJS.ProcessEnv }} [options]
 */
function runJsonChild(command, args, { timeoutMs, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
      if (stderr.length > 200000) stderr = stderr.slice(-100000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs || 300000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').filter(Boolean).pop();
      if (code === 0 && line) {
        try {
          resolve(JSON.parse(line));
          return;
        } catch {
          /* fall through */
        }
      }
      reject(
        new Error(
          `${path.basename(args[0] || command)} failed (code ${code}, signal ${signal}):\n${stderr.slice(-4000)}`,
        ),
      );
    });
  });
}

const NODE_FLAGS = ['--max-old-space-size=8192'];
// TensorFlow's informational logging would only fill the children's stderr.
const CHILD_ENV = { TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL || '2' };

function runCppClient(config, address, floats, concurrency, extraArgs = []) {
  return runJsonChild(path.join(BUILD, 'cpp_client'), [
    ...extraArgs,
    '--target',
    address,
    '--floats',
    String(floats),
    '--concurrency',
    String(concurrency),
    '--warmup-ms',
    String(config.warmupMs),
    '--duration-ms',
    String(config.durationMs),
  ]);
}

// The floors at a point, what the machine and Node's threading cost any client:
// - the event-loop delay of a busy Node loop doing nothing but short JS tasks (bench/eld_floor.js),
//   run while the C++ client loads the machine as the point does;
// - at the smallest payload, the C++ client with Node's threading (--loop-thread: completions
//   handed to one thread, which starts the next call).
async function runFloors(config, address, floats, concurrency) {
  const [floor, cpp] = await Promise.all([
    runJsonChild(
      process.execPath,
      [
        path.join(__dirname, 'eld_floor.js'),
        JSON.stringify({ warmupMs: config.warmupMs, durationMs: config.durationMs }),
      ],
      { env: CHILD_ENV },
    ),
    runCppClient(config, address, floats, concurrency),
  ]);
  const result = { floats, concurrency, ...floor, cppRps: cpp.rps };
  if (floats === Math.min(...config.payloads)) {
    const loop = await runCppClient(config, address, floats, concurrency, ['--loop-thread']);
    result.loopThread = { rps: loop.rps, p50Ms: loop.p50Ms, p99Ms: loop.p99Ms, cpuMsPerCall: loop.cpuMsPerCall };
  }
  return result;
}

async function runPoint(config, address, client, floats, concurrency) {
  const point = { warmupMs: config.warmupMs, durationMs: config.durationMs, maxPhaseMs: config.maxPhaseMs };
  if (client === 'cpp') {
    const result = await runCppClient(config, address, floats, concurrency);
    return { client, floats, concurrency, ...result, eldP99Ms: null };
  }
  return runJsonChild(
    process.execPath,
    [
      ...NODE_FLAGS,
      path.join(__dirname, 'worker.js'),
      JSON.stringify({ client, address, floats, concurrency, ...point }),
    ],
    { env: CHILD_ENV },
  );
}

function tryExec(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function packageVersion(name) {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    return 'unknown';
  }
}

function machine() {
  const cpus = os.cpus();
  let tensorflow = 'unknown';
  try {
    tensorflow = execFileSync(
      process.execPath,
      ['-e', `process.stdout.write(require(${JSON.stringify(ROOT)}).tensorflowVersion)`],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...CHILD_ENV } },
    ).trim();
  } catch {
    /* reported as unknown */
  }
  let osName = `${os.type()} ${os.release()}`;
  try {
    const pretty = /PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'));
    if (pretty) osName = `${pretty[1]}, ${osName}`;
  } catch {
    /* keep the kernel */
  }
  return {
    cpuModel: cpus[0] ? cpus[0].model.trim() : 'unknown',
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: osName,
    node: process.version,
    tensorflow,
    grpcJs: packageVersion('@grpc/grpc-js'),
    protoLoader: packageVersion('@grpc/proto-loader'),
    protobufjs: packageVersion('protobufjs'),
    grpcCpp: tryExec('pkg-config', ['--modversion', 'grpc++']),
    // Taken at the end of the run: other work on the machine shows here.
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

function writeReport({
  out,
  date,
  config,
  machine: info,
  results,
  floors,
  leak,
  footprint,
  channels,
  savedModelConcurrency,
  inProcess,
}) {
  fs.mkdirSync(out, { recursive: true });
  const sections = {
    results,
    floors,
    leak,
    footprint,
    channels,
    savedModelConcurrency,
    inProcess,
    machine: info,
    config,
    date,
  };
  const report = markdown({ ...sections, chart: 'latest.svg' });
  const dated = markdown({ ...sections, chart: `${date}.svg` });
  const svg = svgChart(results, {
    title: `Requests/s by payload, concurrency and client (${date}${config.smoke ? ', smoke' : ''})`,
  });
  const json = JSON.stringify(
    {
      date,
      config,
      machine: info,
      results,
      floors,
      leak,
      footprint,
      channels,
      savedModelConcurrency,
      inProcess,
      targets: report.targets,
    },
    null,
    2,
  );
  fs.writeFileSync(path.join(out, `${date}.md`), dated.text);
  fs.writeFileSync(path.join(out, 'latest.md'), report.text);
  fs.writeFileSync(path.join(out, 'latest.svg'), svg);
  fs.writeFileSync(path.join(out, `${date}.svg`), svg);
  fs.writeFileSync(path.join(out, 'latest.json'), json);
  return report;
}

async function main() {
  const config = parseArgs(process.argv.slice(2));
  if (config.fromJson) {
    const saved = JSON.parse(fs.readFileSync(config.fromJson, 'utf8'));
    const out =
      config.out === path.join(__dirname, 'results') || !config.out
        ? path.dirname(path.resolve(config.fromJson))
        : config.out;
    const report = writeReport({ ...saved, out });
    process.stdout.write(`${report.text}\n`);
    return;
  }
  const started = Date.now();
  const server = await startEchoServer();
  log(`echo server on ${server.address}; ${config.smoke ? 'smoke run' : 'full run'}, results to ${config.out}`);
  const results = [];
  const floors = [];
  let leak = null;
  let footprint = null;
  let savedModelConcurrency;
  let inProcess;
  let channels = null;
  try {
    if (config.clients.includes('lib')) {
      log('footprint: require time and RSS after the first call (bare Node, grpc-js, run())');
      footprint = await measureFootprint({
        address: server.address,
        samples: config.smoke ? 1 : 5,
        runJsonChild,
        env: {},
      });
      for (const f of footprint)
        log(`  ${f.label.padEnd(24)} require ${f.requireMs.toFixed(1)} ms, RSS ${f.rssMb.toFixed(1)} MB`);
    }
    const best = new Map();
    const slow = new Set();
    for (let round = 1; round <= config.repeat; round++) {
      if (config.repeat > 1) log(`round ${round} of ${config.repeat}`);
      for (const floats of config.payloads) {
        for (const concurrency of config.concurrency) {
          // Clients interleaved per point, so drift over the run hits them alike.
          for (const client of config.clients) {
            const key = `${client}/${floats}/${concurrency}`;
            if (slow.has(key)) continue;
            const t = Date.now();
            let result;
            try {
              result = await runPoint(config, server.address, client, floats, concurrency);
            } catch (err) {
              log(`${client} ${floats} floats c=${concurrency} failed: ${err.message}`);
              result = {
                client,
                floats,
                concurrency,
                count: 0,
                errors: 1,
                crashed: true,
                firstError: err.message.split('\n')[0],
                peakRssMb: null,
              };
            }
            const seconds = (Date.now() - t) / 1000;
            if (seconds > 20) slow.add(key);
            result.runs = (best.get(key)?.runs || 0) + 1;
            if (!best.has(key) || (result.rps || 0) > (best.get(key).rps || 0)) best.set(key, result);
            else best.get(key).runs = result.runs;
            log(
              `${CLIENTS[client].label.padEnd(28)} ${String(floats).padStart(7)} floats c=${String(concurrency).padStart(3)}: ` +
                `${(result.rps || 0).toFixed(0).padStart(6)} req/s, p50 ${(result.p50Ms || 0).toFixed(2)} ms, ` +
                `p99 ${(result.p99Ms || 0).toFixed(2)} ms, CPU ${(result.cpuMsPerCall || 0).toFixed(3)} ms/call` +
                `${result.errors ? `, ${result.errors} errors` : ''} (${seconds.toFixed(1)} s)`,
            );
          }
        }
      }
    }
    results.push(...best.values());
    if (config.clients.includes('lib') && config.clients.includes('cpp')) {
      log('floors: a busy Node loop next to the C++ client (bench/eld_floor.js); the C++ client with one loop thread');
      for (const floats of config.payloads) {
        for (const concurrency of config.concurrency) {
          try {
            const floor = await runFloors(config, server.address, floats, concurrency);
            floors.push(floor);
            log(
              `  ${String(floats).padStart(7)} floats c=${String(concurrency).padStart(3)}: ELD p99 ${floor.eldP99Ms.toFixed(2)} ms ` +
                `(max ${floor.eldMaxMs.toFixed(2)}), loop on a core ${(100 * floor.cpuShare).toFixed(0)}% of the time` +
                (floor.loopThread
                  ? `; C++ with one loop thread: p50 ${floor.loopThread.p50Ms.toFixed(3)} ms, ` +
                    `CPU ${floor.loopThread.cpuMsPerCall.toFixed(3)} ms/call`
                  : ''),
            );
          } catch (err) {
            log(`  ${floats} floats c=${concurrency}: floors failed: ${err.message.split('\n')[0]}`);
          }
        }
      }
    }
    if (config.clients.includes('lib')) {
      channels = await measureChannels({ server, startEchoServer, runJsonChild, config, env: CHILD_ENV, log });
    }
    if (config.leakCalls > 0 && config.clients.includes('lib')) {
      log(`leak check: ${config.leakCalls} run() calls`);
      const warmupCalls = config.smoke ? 1000 : 10000;
      leak = await runJsonChild(
        process.execPath,
        [
          '--expose-gc',
          ...NODE_FLAGS,
          path.join(__dirname, 'leak.js'),
          JSON.stringify({
            address: server.address,
            calls: config.leakCalls,
            warmupCalls,
            sampleEvery: config.smoke ? 1000 : 10000,
          }),
        ],
        { env: CHILD_ENV, timeoutMs: 600000 },
      );
      log(
        `leak check: RSS ${leak.rssAfterWarmupMb.toFixed(1)} → ${leak.rssEndMb.toFixed(1)} MB (growth ${leak.growthMb.toFixed(1)} MB)`,
      );
    }
    if (config.clients.includes('savedmodel')) {
      log('SavedModel concurrency (bench/saved_model_concurrency.js, against the reference server)');
      savedModelConcurrency = await runJsonChild(
        process.execPath,
        [...NODE_FLAGS, path.join(__dirname, 'saved_model_concurrency.js'), JSON.stringify({ smoke: config.smoke })],
        { env: CHILD_ENV, timeoutMs: 600000 },
      ).catch((err) => {
        log(`SavedModel concurrency failed: ${err.message}`);
        return { error: err.message.split('\n')[0] };
      });
      log('in-process serving vs loopback gRPC (bench/in_process.js)');
      inProcess = await runJsonChild(
        process.execPath,
        [
          ...NODE_FLAGS,
          path.join(__dirname, 'in_process.js'),
          JSON.stringify({ address: server.address, serverPid: server.child.pid, smoke: config.smoke }),
        ],
        { env: CHILD_ENV, timeoutMs: 300000 },
      ).catch((err) => {
        log(`in-process serving failed: ${err.message}`);
        return { error: err.message.split('\n')[0] };
      });
    }
  } finally {
    server.stop();
  }

  const date = new Date().toISOString().slice(0, 10);
  const report = writeReport({
    out: config.out,
    date,
    config,
    machine: machine(),
    results,
    floors,
    leak,
    footprint,
    channels,
    savedModelConcurrency,
    inProcess,
  });
  process.stdout.write(`${report.text}\n`);
  log(`wrote ${path.join(config.out, 'latest.md')} and latest.svg in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const empty = results.filter((r) => !(r.count > 0));
  if (empty.length > 0) log(`${empty.length} point(s) completed no call inside their window (see the table)`);
  // A client whose calls all time out is a result; a client process that crashed is a broken benchmark.
  const crashed = results.filter((r) => r.crashed);
  if (crashed.length > 0) {
    log(`${crashed.length} point(s) crashed`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  log(`failed: ${(err && err.stack) || err}`);
  process.exit(1);
});
