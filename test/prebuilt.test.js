'use strict';
// The prebuilt platform package, as a user without a compiler gets it: `npm run
// platform-package` makes tfserving-remote-predict-linux-x64-gnu, `npm pack` the main
// package, and both install into a fresh project with a PATH that holds only node, npm and
// basic shell tools (no cc, c++, cmake, make, python). Then: no build ran; every shared
// library resolves inside the package or to glibc/libstdc++/libgcc_s; run() and
// runReturningStatus() work against the reference server; loadSavedModel() says how to get
// libtensorflow_cc, and works after `fetch-libtensorflow-cc`; the guards refuse another
// libtensorflow; setup-tfjs-node finds the package's libtensorflow.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { python } = require('./support/python');
const { startReferenceServer } = require('./support/reference_server');

const ROOT = path.resolve(__dirname, '..');
const PLATFORM = 'tfserving-remote-predict-linux-x64-gnu';
const COMPOSED = path.join(ROOT, 'test', 'fixtures', 'composed', 'half_plus_two_with_remote_predict');
// What a Debian 12 / Ubuntu 22.04 system provides: glibc, libstdc++, libgcc_s.
const SYSTEM_LIBRARY = /^(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux-x86-64)\.so\.\d+$/;
const UBUNTU_2204 = { GLIBC: '2.35', GLIBCXX: '3.4.30', CXXABI: '1.3.13' };
// Commands the install may use; anything that compiles or runs Python is absent.
const SHELL_TOOLS = [
  'sh',
  'bash',
  'env',
  'cat',
  'ls',
  'mkdir',
  'rm',
  'cp',
  'mv',
  'ln',
  'chmod',
  'dirname',
  'basename',
  'uname',
  'tr',
  'sed',
  'grep',
  'head',
  'tail',
  'cut',
  'sort',
  'wc',
  'mktemp',
  'readlink',
  'realpath',
  'id',
  'touch',
  'date',
  'sleep',
  'true',
  'false',
  'tar',
  'gzip',
];

function which(command) {
  for (const dir of (process.env.PATH || '').split(':')) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 600000, ...options });
  if (result.error) throw result.error;
  return result;
}

function versionAtMost(version, limit) {
  const a = version.split('.').map(Number);
  const b = limit.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) < (b[i] || 0);
  }
  return true;
}

const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

function directoryBytes(dir) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(file);
    else if (entry.isFile()) total += fs.statSync(file).size;
  }
  return total;
}

describe('prebuilt platform package (linux-x64-gnu): install without a compiler', function () {
  this.timeout(900000);
  let work;
  let bin;
  let app;
  let installed;
  let platformDir;
  let server;

  /** The restricted environment: PATH = bin only, nothing inherited that points at a build. */
  const restrictedEnv = (extra = {}) => {
    const env = { PATH: bin, HOME: os.homedir(), TMPDIR: os.tmpdir() };
    for (const name of [
      'NODE_EXTRA_CA_CERTS',
      'HTTPS_PROXY',
      'HTTP_PROXY',
      'NO_PROXY',
      'https_proxy',
      'http_proxy',
      'no_proxy',
    ]) {
      if (process.env[name] !== undefined) env[name] = process.env[name];
    }
    return { ...env, ...extra };
  };

  /** Runs `body` (an async function's source, given api and the server's address) in the installed project. */
  const inApp = (body, env = {}) => {
    const script = `
      (async () => {
        const report = {};
        const api = require('tfserving-remote-predict');
        await (${body})(api, ${JSON.stringify(server.address)}, report);
        process.stdout.write(JSON.stringify(report));
      })().catch((error) => { process.stdout.write(JSON.stringify({ error: error.message })); });`;
    const child = run('node', ['-e', script], { cwd: app, env: restrictedEnv(env), timeout: 120000 });
    return { child, report: child.stdout.startsWith('{') ? JSON.parse(child.stdout) : undefined };
  };

  before(async function () {
    // Packaging, not memory safety: npm run test:asan runs the suite from a scratch copy with a
    // sanitized build, which is neither a package nor what a platform package ships.
    if (process.env.TFSRP_ASAN_RUNTIMES) this.skip();
    if (process.platform !== 'linux' || process.arch !== 'x64') this.skip();
    if (!which('patchelf') && process.getuid() !== 0) {
      console.log(
        '      skipped: npm run platform-package needs patchelf (apt-get install patchelf), and this is not root',
      );
      this.skip();
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsrp-prebuilt-'));
    const packs = path.join(work, 'packs');
    fs.mkdirSync(packs);

    const made = run('bash', [path.join(ROOT, 'scripts', 'make-platform-package.sh'), '--no-build', '--out', packs], {
      cwd: ROOT,
    });
    assert.equal(made.status, 0, made.stderr);
    const platformTarball = made.stdout.trim().split('\n').pop();
    // dist/ is current (npm test runs after the build): pack without re-running tsc.
    const packed = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packs], { cwd: ROOT });
    assert.equal(packed.status, 0, packed.stderr);
    const mainTarball = path.join(packs, packed.stdout.trim().split('\n').pop());

    bin = path.join(work, 'bin');
    fs.mkdirSync(bin);
    for (const tool of ['node', 'npm', 'npx', ...SHELL_TOOLS]) {
      const found = which(tool);
      if (found) fs.symlinkSync(found, path.join(bin, tool));
    }
    app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));

    const started = process.hrtime.bigint();
    const install = run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts', mainTarball, platformTarball],
      { cwd: app, env: restrictedEnv() },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const modules = path.join(app, 'node_modules');
    installed = {
      status: install.status,
      output: install.stdout + install.stderr,
      seconds,
      bytes: fs.existsSync(modules) ? directoryBytes(modules) : 0,
      platformBytes: fs.existsSync(path.join(modules, PLATFORM)) ? directoryBytes(path.join(modules, PLATFORM)) : 0,
      mainBytes: fs.existsSync(path.join(modules, 'tfserving-remote-predict'))
        ? directoryBytes(path.join(modules, 'tfserving-remote-predict'))
        : 0,
      platformTarballBytes: fs.statSync(platformTarball).size,
      mainTarballBytes: fs.statSync(mainTarball).size,
    };
    platformDir = path.join(modules, PLATFORM);
    server = await startReferenceServer();
  });

  after(async function () {
    if (server) await server.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('the install PATH has node and npm, and no compiler, cmake, make or Python', function () {
    const tools = fs.readdirSync(bin);
    assert.ok(tools.includes('node') && tools.includes('npm'));
    for (const absent of [
      'cc',
      'gcc',
      'g++',
      'c++',
      'clang',
      'cmake',
      'make',
      'ninja',
      'python',
      'python3',
      'pip',
      'pip3',
      'ld',
    ]) {
      assert.ok(!tools.includes(absent), absent);
    }
  });

  it('installs in seconds: the prebuilt is used, nothing is built or provisioned', function () {
    assert.equal(installed.status, 0, installed.output);
    assert.match(
      installed.output,
      new RegExp(`using the prebuilt ${PLATFORM}@0\\.1\\.0 \\(libtensorflow 2\\.21\\.0, no compiler needed\\)`),
    );
    assert.doesNotMatch(installed.output, /building from source|provision|pip install|cmake-js/i);
    const main = path.join(app, 'node_modules', 'tfserving-remote-predict');
    for (const absent of ['build', path.join('deps', 'python'), path.join('deps', 'libtensorflow')]) {
      assert.ok(!fs.existsSync(path.join(main, absent)), `${absent} in the installed package`);
    }
    console.log(
      `      install: ${installed.seconds.toFixed(1)} s; node_modules ${megabytes(installed.bytes)} ` +
        `(${PLATFORM} ${megabytes(installed.platformBytes)}, tfserving-remote-predict ${megabytes(installed.mainBytes)}, ` +
        `its npm dependencies ${megabytes(installed.bytes - installed.platformBytes - installed.mainBytes)}); ` +
        `tarballs ${megabytes(installed.platformTarballBytes)} + ${megabytes(installed.mainTarballBytes)}`,
    );
  });

  it('every NEEDED resolves inside the package (RUNPATH $ORIGIN) or to glibc, libstdc++ and libgcc_s of Ubuntu 22.04', function () {
    const pkg = JSON.parse(fs.readFileSync(path.join(platformDir, 'package.json'), 'utf8'));
    assert.deepEqual([pkg.os, pkg.cpu, pkg.libc], [['linux'], ['x64'], ['glibc']]);
    const files = [];
    for (const dir of ['build/Release', 'deps/libtensorflow/lib']) {
      for (const name of fs.readdirSync(path.join(platformDir, dir))) files.push(path.join(platformDir, dir, name));
    }
    const maxima = { GLIBC: '0', GLIBCXX: '0', CXXABI: '0' };
    for (const file of files) {
      const dynamic = run('readelf', ['-d', '-W', file]).stdout;
      const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
      const runpath = (/\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[([^\]]*)\]/.exec(dynamic) || [])[1];
      const dirs = (runpath || '')
        .split(':')
        .filter(Boolean)
        .map((d) => path.resolve(d.replace('$ORIGIN', path.dirname(file))));
      for (const dir of dirs) assert.ok(dir.startsWith(platformDir), `${file}: RUNPATH ${runpath} leaves the package`);
      for (const lib of needed) {
        if (SYSTEM_LIBRARY.test(lib)) continue;
        if (lib === 'libtensorflow_cc.so.2' && path.basename(file) === 'tfsrp_saved_model.node') {
          assert.ok(
            dirs.includes(path.join(platformDir, 'deps', 'libtensorflow', 'lib')),
            'fetch-libtensorflow-cc stages it there',
          );
          continue;
        }
        assert.ok(
          dirs.some((d) => fs.existsSync(path.join(d, lib))),
          `${path.relative(platformDir, file)} needs ${lib}: not in its RUNPATH ${runpath}`,
        );
      }
      // ldd: what the dynamic loader really picks.
      for (const line of run('ldd', [file]).stdout.split('\n')) {
        const m = /^\s*(\S+) => (.*?) \(0x/.exec(line) || /^\s*(\S+) => (not found)/.exec(line);
        if (!m || SYSTEM_LIBRARY.test(m[1])) continue;
        if (m[1] === 'libtensorflow_cc.so.2') continue; // fetched on demand (checked above)
        assert.ok(m[2].startsWith(platformDir), `${path.relative(platformDir, file)}: ${m[1]} => ${m[2]}`);
      }
      for (const [, family, version] of run('objdump', ['-T', file]).stdout.matchAll(
        /\b(GLIBC|GLIBCXX|CXXABI)_(\d+(?:\.\d+)*)\b/g,
      )) {
        if (!versionAtMost(version, maxima[family])) maxima[family] = version;
      }
    }
    for (const family of Object.keys(maxima)) {
      assert.ok(
        versionAtMost(maxima[family], UBUNTU_2204[family]),
        `needs ${family}_${maxima[family]}, Ubuntu 22.04 has ${UBUNTU_2204[family]}`,
      );
    }
    assert.ok(
      versionAtMost(maxima.GLIBC, pkg.config.glibc.replace('>=', '')),
      `config.glibc ${pkg.config.glibc} but GLIBC_${maxima.GLIBC} is needed`,
    );
    assert.ok(files.some((f) => /libabsl_.*\.so\.20220623$/.test(f)) && files.some((f) => f.endsWith('libre2.so.9')));
    console.log(
      `      ${files.length} files; the newest symbol versions needed: ` +
        `GLIBC_${maxima.GLIBC}, GLIBCXX_${maxima.GLIBCXX}, CXXABI_${maxima.CXXABI}`,
    );
  });

  it('run() and runReturningStatus() work, from the platform package, without libtensorflow_cc', function () {
    const { child, report } = inApp(`async (api, address, report) => {
      const call = { targetAddress: address, modelName: 'half_plus_two', inputTensorAliases: ['x'],
        inputTensors: [{ dtype: 'float32', shape: [3], data: new Float32Array([1, 2, 5]) }],
        outputTensorAliases: ['y'], outputTypes: ['float32'] };
      report.run = Array.from((await api.run(call))[0].data);
      const status = await api.runReturningStatus({ ...call, modelName: 'no_such_model' });
      report.status = status.statusCode;
      report.opLibrary = api.opLibraryPath;
      report.version = api.tensorflowVersion;
      report.cc = require('fs').readFileSync('/proc/self/maps', 'utf8').includes('libtensorflow_cc');
    }`);
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(
      { ...report, opLibrary: path.relative(platformDir, report.opLibrary) },
      {
        run: [2.5, 3, 4.5],
        status: 5,
        opLibrary: path.join('build', 'Release', 'libtfserving_remote_predict_op.so'),
        version: '2.21.0',
        cc: false,
      },
    );
  });

  it("native files: the platform package first; this package's build/Release only for a source build made in its place", function () {
    const main = path.join(app, 'node_modules', 'tfserving-remote-predict');
    const own = path.join(main, 'build', 'Release');
    const location = path.join(main, 'dist', 'native-location.js');
    const where = () => {
      const child = run('node', ['-p', `require(${JSON.stringify(location)}).nativeDirectory()`], {
        cwd: app,
        env: restrictedEnv(),
      });
      assert.equal(child.status, 0, child.stderr);
      return child.stdout.trim();
    };
    assert.equal(where(), path.join(platformDir, 'build', 'Release'));
    const { SOURCE_BUILD_MARKER } = require(location);
    fs.mkdirSync(own, { recursive: true });
    fs.writeFileSync(path.join(own, SOURCE_BUILD_MARKER), ''); // what scripts/install.sh leaves after such a build
    try {
      assert.equal(where(), own);
    } finally {
      fs.rmSync(path.dirname(own), { recursive: true, force: true });
    }
  });

  it('loadSavedModel() rejects with the command that fetches libtensorflow_cc', function () {
    const { child, report } = inApp(`async (api, address, report) => {
      await api.loadSavedModel(${JSON.stringify(COMPOSED)}).then(() => { report.loaded = true; }, (e) => { report.error = e.message; });
    }`);
    assert.equal(child.status, 0, child.stderr);
    assert.match(
      report.error,
      /loadSavedModel\(\) needs libtensorflow_cc\.so\.2 .* `npx tfserving-remote-predict fetch-libtensorflow-cc`/,
    );
  });

  it('refuses a libtensorflow of another version, and a second TensorFlow in the process', function () {
    const fake = path.join(ROOT, 'build', 'Release', 'libfake_tensorflow_version.so');
    if (!fs.existsSync(fake)) this.skip();
    let { report } = inApp('async () => {}', { LD_PRELOAD: fake });
    assert.match(
      report.error,
      /libtensorflow 2\.99\.0 is loaded in this process, but tfserving-remote-predict was built against libtensorflow 2\.21\.0: build it from source .*TFSRP_BUILD_FROM_SOURCE=1/,
    );
    // The repository's libtensorflow_framework: the same release, another file.
    const other = fs.realpathSync(path.join(ROOT, 'deps', 'libtensorflow', 'lib', 'libtensorflow_framework.so.2'));
    ({ report } = inApp('async () => {}', { LD_PRELOAD: other }));
    assert.ok(
      report.error.startsWith(
        `tfserving-remote-predict: another TensorFlow is already loaded in this process: ${other}`,
      ),
      report.error,
    );
    assert.ok(
      report.error.includes(path.join(platformDir, 'deps', 'libtensorflow', 'lib', 'libtensorflow_framework.so.2')),
      report.error,
    );
  });

  it("setup-tfjs-node looks at the platform package's libtensorflow and says to fetch libtensorflow_cc", function () {
    const check = run(
      path.join(app, 'node_modules', '.bin', 'tfserving-remote-predict'),
      ['setup-tfjs-node', '--check'],
      {
        cwd: app,
        env: restrictedEnv(),
      },
    );
    assert.equal(check.status, 1, check.stderr);
    assert.ok(
      check.stdout.includes(
        `this package's libtensorflow at ${path.join(platformDir, 'deps', 'libtensorflow')} is incomplete`,
      ),
      check.stdout,
    );
    assert.match(check.stdout, /fetch-libtensorflow-cc --headers/);
  });

  it('fetch-libtensorflow-cc refuses a TensorFlow of another version', function () {
    const other = path.join(work, 'tf-2.20');
    fs.mkdirSync(path.join(other, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(other, 'VERSION'), '2.20.0\n');
    fs.writeFileSync(path.join(other, 'lib', 'libtensorflow_cc.so.2'), '');
    const fetch = run('npx', ['tfserving-remote-predict', 'fetch-libtensorflow-cc', '--from', other], {
      cwd: app,
      env: restrictedEnv(),
    });
    assert.equal(fetch.status, 1, fetch.stdout + fetch.stderr);
    assert.match(fetch.stderr, /is TensorFlow 2\.20\.0, but this package's libtensorflow_framework\.so\.2 is 2\.21\.0/);
    assert.ok(!fs.existsSync(path.join(platformDir, 'deps', 'libtensorflow', 'lib', 'libtensorflow_cc.so.2')));
  });

  it("after `npx tfserving-remote-predict fetch-libtensorflow-cc` (pip's wheel), loadSavedModel() works", function () {
    // pip is the one tool this command needs beyond node: the Python the tests use.
    const pythonBin = path.join(work, 'python-bin');
    fs.mkdirSync(pythonBin);
    const interpreter = which(python()) || python();
    fs.symlinkSync(interpreter, path.join(pythonBin, 'python3'));
    const started = process.hrtime.bigint();
    const fetch = run('npx', ['tfserving-remote-predict', 'fetch-libtensorflow-cc'], {
      cwd: app,
      env: restrictedEnv({ PATH: `${bin}:${pythonBin}` }),
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    assert.equal(fetch.status, 0, fetch.stdout + fetch.stderr);
    assert.match(
      fetch.stdout,
      /staged lib\/libtensorflow_cc\.so\.2 of TensorFlow 2\.21\.0 from pip's tensorflow_cpu-2\.21\.0-.*\.whl/,
    );
    const cc = path.join(platformDir, 'deps', 'libtensorflow', 'lib', 'libtensorflow_cc.so.2');
    console.log(`      fetch-libtensorflow-cc: ${seconds.toFixed(1)} s, ${megabytes(fs.statSync(cc).size)}`);

    const { child, report } = inApp(`async (api, address, report) => {
      api.setTargetOverride('remote-predict-target:8500', address);
      const model = await api.loadSavedModel(${JSON.stringify(COMPOSED)});
      report.y = Array.from((await model.predict({ x: { dtype: 'float32', shape: [3], data: new Float32Array([1, 2, 5]) } })).y.data);
      model.dispose();
    }`);
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(report, { y: [3, 4, 7] });

    const again = run('npx', ['tfserving-remote-predict', 'fetch-libtensorflow-cc'], {
      cwd: app,
      env: restrictedEnv(),
    });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /is in place: nothing to do/);
  });
});
