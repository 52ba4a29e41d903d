'use strict';
// @tensorflow/tfjs-node in one process with this package, on this package's
// libtensorflow (`npx tfserving-remote-predict setup-tfjs-node`): tf.node.loadSavedModel
// runs graphs holding TfServingRemotePredict in both load orders, tensors cross in both
// directions, the process maps one copy of each TensorFlow library; the setup command is
// idempotent; and requiring this package refuses a process that already holds another
// TensorFlow (that part needs no tfjs-node).
//
// Load orders run in child processes (test/support/tfjs_node_probe.js) so each starts
// clean and tfjs-node's backend does not leak into the other test files.
const assert = require('node:assert/strict');
const { execFile, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const { startReferenceServer } = require('./support/reference_server');
const { runInPython } = require('./support/saved_model_runners');
const { tfjsNodeSetupStatus } = require('../dist/cli/setup-tfjs-node');

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const PROBE = path.join(__dirname, 'support', 'tfjs_node_probe.js');
const FIXTURE = path.join(__dirname, 'fixtures', 'composed', 'half_plus_two_with_remote_predict');
const PLACEHOLDER = 'remote-predict-target:8500';
const OUR_LIB_DIR = path.join(ROOT, 'deps', 'libtensorflow', 'lib');
const TF_LIBS = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];
const EXPECTED_Y = { dtype: 'float32', shape: [3], values: [3, 4, 7] }; // x = [1, 2, 5]

const setup = tfjsNodeSetupStatus(ROOT);

function skipUnlessSetUp(context) {
  if (setup.ready) return;
  console.log(
    `      (skipped: @tensorflow/tfjs-node is not set up here — ${setup.problems[0]}; ` +
      'run `npx tfserving-remote-predict setup-tfjs-node` once, then npm test again)',
  );
  context.skip();
}

/** Runs a command; resolves with { code, signal, stdout, stderr, millis } whatever its exit status. */
function exec(file, args, options = {}) {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: ROOT, encoding: 'utf8', timeout: 120000, maxBuffer: 1 << 24, ...options },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          signal: error ? (error.signal ?? null) : null,
          stdout,
          stderr,
          millis: performance.now() - started,
        }),
    );
  });
}

async function probe(order, override, target) {
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' };
  delete env.TFSRP_TARGET_OVERRIDES;
  if (override === 'env') env.TFSRP_TARGET_OVERRIDES = `${PLACEHOLDER}=${target}`;
  const child = await exec(process.execPath, [PROBE, JSON.stringify({ order, override, target })], { env });
  const line = child.stdout.trim().split('\n').pop() || '';
  let report;
  try {
    report = JSON.parse(line);
  } catch {
    report = undefined;
  }
  if (child.code !== 0 || report === undefined || report.fatal) {
    throw new Error(
      `probe ${order} failed (exit ${child.code}, signal ${child.signal}):\n` +
        `${report && report.fatal ? report.fatal : child.stdout}\n${child.stderr}`,
    );
  }
  return report;
}

/** "dev:inode" as /proc/self/maps prints it. */
function fileId(file) {
  const st = fs.statSync(file, { bigint: true });
  const major = ((st.dev >> 8n) & 0xfffn) | ((st.dev >> 32n) & ~0xfffn);
  const minor = (st.dev & 0xffn) | ((st.dev >> 12n) & ~0xffn);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${st.ino}`;
}

function assertOneCopyOfOurs(report) {
  for (const lib of TF_LIBS) {
    const copies = report.mapped[lib] || {};
    assert.deepEqual(
      Object.keys(copies),
      [report.ours[lib]],
      `${lib}: expected one mapped copy, this package's (${report.ours[lib]}); mapped: ${JSON.stringify(copies)}`,
    );
  }
  const others = Object.keys(report.mapped).filter(
    (base) => base.startsWith('libtensorflow') && !TF_LIBS.includes(base),
  );
  assert.deepEqual(others, [], `no other TensorFlow library is mapped: ${JSON.stringify(report.mapped)}`);
  assert.equal(Object.keys(report.mapped['tfjs_binding.node'] || {}).length, 1, "tfjs-node's binding is mapped once");
}

describe("@tensorflow/tfjs-node on this package's libtensorflow", function () {
  let server;
  const reports = {};
  let python;

  before(async function () {
    skipUnlessSetUp(this);
    server = await startReferenceServer();
    // Both load orders (the target overridden through the API in one, the environment in
    // the other), tfjs-node without this package, and Python, all at once.
    [reports['ours-first'], reports['tfjs-first'], reports['tfjs-only'], python] = await Promise.all([
      probe('ours-first', 'api', server.address),
      probe('tfjs-first', 'env', server.address),
      probe('tfjs-only', 'env', server.address),
      runInPython(FIXTURE, { inputs: { x: 'float32[3]:1,2,5' }, overrides: { [PLACEHOLDER]: server.address } }),
    ]);
  });

  after(async function () {
    if (server) await server.stop();
  });

  it("tfjs-node's deps/ resolves to this package's libtensorflow; its binding was built by setup-tfjs-node", function () {
    const deps = path.join(setup.locations.tfjsNodeDir, 'deps');
    for (const [entry, ours] of [
      ['libtensorflow_cc.so.2', 'libtensorflow_cc.so.2'],
      ['libtensorflow_framework.so.2', 'libtensorflow_framework.so.2'],
      ['libtensorflow.so', 'libtensorflow_cc.so.2'],
      ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
      ['libtensorflow.so.2', 'libtensorflow_cc.so.2'],
      ['libtensorflow.so.2.9.1', 'libtensorflow_cc.so.2'],
    ]) {
      assert.equal(fileId(path.join(deps, 'lib', entry)), fileId(path.join(OUR_LIB_DIR, ours)), entry);
    }
    assert.equal(fileId(path.join(deps, 'include')), fileId(path.join(ROOT, 'deps', 'libtensorflow', 'include')));
    assert.ok(fs.existsSync(setup.bindingPath), setup.bindingPath);
  });

  it('without this package, tf.node.loadSavedModel cannot load the composed graph (Op type not registered)', function () {
    const report = reports['tfjs-only'];
    assert.deepEqual(report.loaded, ['@tensorflow/tfjs-node']);
    assert.match(report.tfjsNodeSavedModel.error || '', /Op type not registered 'TfServingRemotePredict'/);
  });

  for (const [order, how] of [
    ['ours-first', 'setTargetOverride()'],
    ['tfjs-first', 'TFSRP_TARGET_OVERRIDES'],
  ]) {
    const title =
      order === 'ours-first' ? 'this package loaded before tfjs-node' : 'this package loaded after tfjs-node';

    describe(title, function () {
      it(`tf.node.loadSavedModel runs the composed graph (target via ${how}): the same y as loadSavedModel and Python`, function () {
        const report = reports[order];
        assert.deepEqual(
          report.loaded,
          order === 'ours-first'
            ? ['tfserving-remote-predict', '@tensorflow/tfjs-node']
            : ['@tensorflow/tfjs-node', 'tfserving-remote-predict'],
        );
        assert.equal(report.backend, 'tensorflow');
        assert.equal(report.tfjsNodeVersion, '4.22.0');
        assert.deepEqual(report.tfjsNodeSavedModel, EXPECTED_Y, 'tf.node.loadSavedModel');
        assert.deepEqual(report.ourSavedModel, EXPECTED_Y, "this package's loadSavedModel");
        assert.deepEqual(python.y, EXPECTED_Y, 'Python');
      });

      it('one TensorFlow: one mapped copy of each library, the files of this package', function () {
        const report = reports[order];
        assert.equal(report.tensorflowVersion, '2.21.0');
        assert.equal(
          report.bindingTensorflowVersion,
          report.tensorflowVersion,
          "tfjs-node's binding sees the same TF_Version",
        );
        for (const lib of TF_LIBS) assert.equal(report.ours[lib], fileId(path.join(OUR_LIB_DIR, lib)));
        assertOneCopyOfOurs(report);
      });

      it('run() takes tfjs-node tensors; toTfjs() turns outputs into tfjs-node tensors from the typed arrays', function () {
        const { interop } = reports[order];
        // In: recognised structurally, read once through dataSync() (a Float32Array, no JS array).
        assert.equal(interop.inputIsTfjsTensor, true);
        assert.equal(interop.inputBackend, 'tensorflow');
        assert.deepEqual(interop.inputReaders, ['dataSync']);
        assert.equal(interop.inputDataKind, '[object Float32Array]');
        assert.deepEqual(interop.runOutput, [2.5, 3, 4.5]);
        // Out: tf.tensor() gets the output's own Float32Array.
        assert.deepEqual(interop.toTfjsCalls, [
          { kind: '[object Float32Array]', same: true, shape: [3], dtype: 'float32' },
        ]);
        assert.equal(interop.outputIsTfTensor, true);
        assert.deepEqual(interop.outputValues, [2.5, 3, 4.5]);
        assert.deepEqual(interop.outputPlusOne, [3.5, 4, 5.5], 'a tfjs-node kernel runs on the converted tensor');
        // Every dtype tfjs has, as tfjs-node tensors, through all_dtypes and back.
        assert.deepEqual(Object.keys(interop.dtypes), ['float32', 'int32', 'bool', 'string', 'complex64']);
        for (const [dtype, result] of Object.entries(interop.dtypes)) {
          assert.equal(result.sameAsInput, true, `${dtype}: ${JSON.stringify(result)}`);
        }
        assert.deepEqual(interop.dtypes.string.values, ['', 'héllo', 'a,b']);
      });
    });
  }
});

describe('setup-tfjs-node command', function () {
  it('rejects an unknown option with exit status 2 and its usage', async function () {
    const { code, stderr } = await exec(process.execPath, [CLI, 'setup-tfjs-node', '--bogus']);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /setup-tfjs-node: Unknown option '--bogus'/);
    assert.match(stderr, /setup-tfjs-node \[--project DIR\] \[--force\] \[--check\]/);
  });

  it('--check reports whether tfjs-node is set up (exit 0) or not (exit 1, with the reason and the command)', async function () {
    const { code, stdout } = await exec(process.execPath, [CLI, 'setup-tfjs-node', '--check']);
    if (setup.ready) {
      assert.equal(code, 0, stdout);
      assert.match(stdout, /@tensorflow\/tfjs-node 4\.22\.0 is set up in /);
    } else {
      assert.equal(code, 1, stdout);
      assert.match(stdout, /is not set up:[\s\S]*run: npx tfserving-remote-predict setup-tfjs-node/);
    }
  });

  it('a second run with everything in place is a quick no-op that says so', async function () {
    skipUnlessSetUp(this);
    const binding = fs.statSync(setup.bindingPath);
    const { code, stdout, stderr, millis } = await exec(process.execPath, [CLI, 'setup-tfjs-node']);
    assert.equal(code, 0, `${stdout}\n${stderr}`);
    assert.match(stdout, /is already set up on this package's libtensorflow 2\.21\.0 in .*: nothing to do/);
    assert.doesNotMatch(stdout, /installing|staging|building/);
    assert.ok(millis < 10000, `took ${Math.round(millis)} ms`);
    const after = fs.statSync(setup.bindingPath);
    assert.equal(after.mtimeMs, binding.mtimeMs, 'the binding was not rebuilt');
  });
});

describe('load-order guard: requiring this package into a process that holds another TensorFlow', function () {
  let tmp;
  const ourFramework = fs.realpathSync(path.join(OUR_LIB_DIR, 'libtensorflow_framework.so.2'));
  const ourCc = fs.realpathSync(path.join(OUR_LIB_DIR, 'libtensorflow_cc.so.2'));

  before(function () {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tfsrp-guard-')));
  });

  after(function () {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** `require('.')` in a child with `preload` loaded first; prints the mapped TF libraries on success. */
  function requireWithPreloaded(preload) {
    const script = `
      const api = require('.');
      const fs = require('fs');
      const mapped = fs.readFileSync('/proc/self/maps', 'utf8').split('\\n')
        .map((l) => /^\\S+ \\S+ \\S+ (\\S+) (\\d+)\\s+(\\/.*libtensorflow[^/]*)$/.exec(l)).filter(Boolean)
        .map((m) => m[1] + ':' + m[2] + ' ' + m[3]);
      console.log(JSON.stringify({ version: api.tensorflowVersion, mapped: [...new Set(mapped)] }));`;
    return spawnSync(process.execPath, ['-e', script], {
      cwd: ROOT,
      env: { ...process.env, LD_PRELOAD: preload, TF_CPP_MIN_LOG_LEVEL: '2' },
      encoding: 'utf8',
      timeout: 120000,
    });
  }

  it('a second copy of libtensorflow_framework.so.2 (same bytes, another file): fails, naming both paths', function () {
    const dir = path.join(tmp, 'copy');
    fs.mkdirSync(dir);
    const copy = path.join(dir, 'libtensorflow_framework.so.2');
    fs.copyFileSync(ourFramework, copy);
    const child = requireWithPreloaded(copy);
    assert.equal(child.signal, null, `crashed: ${child.stderr}`);
    assert.equal(
      child.status,
      1,
      `requiring the package succeeded with a second copy loaded:\n${child.stdout}${child.stderr}`,
    );
    assert.match(child.stderr, /tfserving-remote-predict: .*another TensorFlow is already loaded in this process/);
    assert.ok(child.stderr.includes(copy), `names the other copy ${copy}:\n${child.stderr}`);
    assert.ok(child.stderr.includes(ourFramework), `names this package's ${ourFramework}:\n${child.stderr}`);
  });

  it("another version (tfjs-node's own libtensorflow 2.9.1, stood in for by stubs): fails, naming both versions and paths", function () {
    const compiler = spawnSync('cc', ['--version'], { encoding: 'utf8' });
    if (compiler.status !== 0) this.skip();
    // Stubs with the sonames and layout of libtensorflow 2.9.1 as tfjs-node downloads it.
    const dir = path.join(tmp, 'tfjs-node-2.9.1');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'framework.c'), 'int tfsrp_stub_framework_2_9_1 = 1;\n');
    fs.writeFileSync(
      path.join(dir, 'c_api.c'),
      'extern int tfsrp_stub_framework_2_9_1;\n' +
        'const char* TF_Version(void) { return tfsrp_stub_framework_2_9_1 ? "2.9.1" : "?"; }\n',
    );
    const cc = (...args) => {
      const r = spawnSync('cc', args, { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    };
    cc(
      '-shared',
      '-fPIC',
      '-o',
      'libtensorflow_framework.so.2',
      '-Wl,-soname,libtensorflow_framework.so.2',
      'framework.c',
    );
    cc(
      '-shared',
      '-fPIC',
      '-o',
      'libtensorflow.so.2',
      '-Wl,-soname,libtensorflow.so.2',
      'c_api.c',
      '-L.',
      '-l:libtensorflow_framework.so.2',
      '-Wl,-rpath,$ORIGIN',
    );
    const stub = path.join(dir, 'libtensorflow.so.2');
    const child = requireWithPreloaded(stub);
    assert.equal(child.signal, null, `crashed: ${child.stderr}`);
    assert.equal(child.status, 1, child.stdout + child.stderr);
    assert.match(child.stderr, /tfserving-remote-predict: .*another TensorFlow is already loaded in this process/);
    assert.ok(
      child.stderr.includes(stub) || child.stderr.includes(path.join(dir, 'libtensorflow_framework.so.2')),
      `names the other libtensorflow in ${dir}:\n${child.stderr}`,
    );
    assert.match(child.stderr, /2\.9\.1/);
    assert.match(child.stderr, /2\.21\.0/);
    assert.ok(
      child.stderr.includes(ourCc) || child.stderr.includes(ourFramework),
      `names this package's libtensorflow:\n${child.stderr}`,
    );
  });

  it('the same files under other names (symlinks, as setup-tfjs-node stages them) are this TensorFlow: it loads, one copy (the framework: require maps no libtensorflow_cc)', function () {
    const dir = path.join(tmp, 'links');
    fs.mkdirSync(dir);
    const link = path.join(dir, 'libtensorflow_framework.so.2');
    fs.symlinkSync(ourFramework, link);
    const child = requireWithPreloaded(link);
    assert.equal(child.status, 0, child.stderr);
    const { version, mapped } = JSON.parse(child.stdout.trim().split('\n').pop());
    assert.equal(version, '2.21.0');
    assert.deepEqual(
      mapped.map((m) => m.split(' ')[0]),
      [fileId(path.join(OUR_LIB_DIR, 'libtensorflow_framework.so.2'))],
      JSON.stringify(mapped),
    );
  });
});
