'use strict';
// docker/Dockerfile's runtime and composed-model stages, carried out without a Docker engine:
// a Debian 12 rootfs (debootstrap --variant=minbase, cached) laid out as node:20-bookworm-slim
// is (this machine's Node.js 20 in /usr/local, the node user), then every instruction of the
// two stages, read from the Dockerfile itself (WORKDIR, COPY --from=build, ENV, RUN, USER,
// ENTRYPOINT, CMD), applied to it, the RUNs in chroot. The build stage's products are this
// checkout's after `npm install` (build/Release, dist/, the fixtures) and its platform-package
// RUN, run here. Then, inside the chroot (it shares the host's loopback): ldd of every packaged
// library, run() and runReturningStatus() against the reference server, and composed-model's
// `serve` with docker/compose.yaml's command and health check.
//
// npm run test:docker-stages, as root. Not part of npm test: the first run debootstraps
// (minutes of Debian downloads) into $TFSRP_ROOTFS_CACHE (default /var/cache/tfserving-remote-predict).
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const {
  dockerfileStages,
  stageChain,
  runCommand,
  composeServiceBlock,
  composeValue,
} = require('../support/docker_files');
const { startReferenceServer } = require('../support/reference_server');

const ROOT = path.resolve(__dirname, '..', '..');
const DOCKERFILE = path.join(ROOT, 'docker', 'Dockerfile');
const COMPOSE = path.join(ROOT, 'docker', 'compose.yaml');
const CACHE = process.env.TFSRP_ROOTFS_CACHE || '/var/cache/tfserving-remote-predict';
const BASE_ROOTFS = path.join(CACHE, 'bookworm-minbase');
const COMPLETE = '.tfsrp-debootstrap-complete';
const MIRROR = process.env.TFSRP_DEBIAN_MIRROR || 'http://deb.debian.org/debian';
// What Docker gives a RUN and a container when the image sets no PATH of its own.
const DOCKER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const BUILD_STAGE_WORKDIR = '/app';
const PLATFORM = 'tfserving-remote-predict-linux-x64-gnu';

function run(command, args, options = {}) {
  return spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
}

function check(result, what) {
  assert.equal(
    result.status,
    0,
    `${what} exited with ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`,
  );
  return result.stdout;
}

function which(tool) {
  const found = run('sh', ['-c', `command -v ${tool}`]);
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/** Bytes of the files under dir (apparent sizes, as an image layer counts them), not crossing mounts. */
function treeBytes(dir) {
  return Number(check(run('du', ['-sbx', dir]), `du ${dir}`).split('\t')[0]);
}

const megabytes = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;

/** The cached Debian 12 minbase rootfs, made by debootstrap on first use. */
function baseRootfs() {
  if (fs.existsSync(path.join(BASE_ROOTFS, COMPLETE))) return BASE_ROOTFS;
  const partial = `${BASE_ROOTFS}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(CACHE, { recursive: true });
  console.log(`      debootstrap --variant=minbase bookworm ${partial} ${MIRROR} (once; cached)`);
  check(run('debootstrap', ['--variant=minbase', 'bookworm', partial, MIRROR], { timeout: 1500000 }), 'debootstrap');
  fs.writeFileSync(path.join(partial, COMPLETE), `${new Date().toISOString()} ${MIRROR}\n`);
  fs.renameSync(partial, BASE_ROOTFS);
  return BASE_ROOTFS;
}

/** Lays this machine's Node.js 20 into the rootfs as node:20-bookworm-slim has it; returns the image's ENV. */
function layNodeSlim(rootfs) {
  // As Debian's Docker images: no apt lists or downloaded packages.
  for (const dir of ['var/lib/apt/lists', 'var/cache/apt/archives']) {
    for (const name of fs.readdirSync(path.join(rootfs, dir))) {
      const file = path.join(rootfs, dir, name);
      if (fs.statSync(file).isFile()) fs.rmSync(file);
    }
  }
  fs.mkdirSync(path.join(rootfs, 'usr/local/bin'), { recursive: true });
  fs.copyFileSync(process.execPath, path.join(rootfs, 'usr/local/bin/node'));
  fs.chmodSync(path.join(rootfs, 'usr/local/bin/node'), 0o755);
  const npmCli = which('npm') && fs.realpathSync(which('npm'));
  if (npmCli) {
    const npmDir = path.resolve(path.dirname(npmCli), '..');
    fs.mkdirSync(path.join(rootfs, 'usr/local/lib/node_modules'), { recursive: true });
    check(run('cp', ['-a', npmDir, path.join(rootfs, 'usr/local/lib/node_modules/npm')]), 'copying npm');
    fs.symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(rootfs, 'usr/local/bin/npm'));
    fs.symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(rootfs, 'usr/local/bin/npx'));
  }
  check(run('chroot', [rootfs, 'groupadd', '--gid', '1000', 'node']), 'groupadd node');
  check(
    run('chroot', [
      rootfs,
      'useradd',
      '--uid',
      '1000',
      '--gid',
      'node',
      '--shell',
      '/bin/bash',
      '--create-home',
      'node',
    ]),
    'useradd node',
  );
  return { PATH: DOCKER_PATH, NODE_VERSION: process.versions.node };
}

/** uid and gid of a Dockerfile USER (name or uid[:gid]) in the rootfs's /etc/passwd. */
function resolveUser(rootfs, user) {
  const [name, group] = user.split(':');
  const entry = fs
    .readFileSync(path.join(rootfs, 'etc/passwd'), 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((f) => f[0] === name || f[2] === name);
  assert.ok(entry, `USER ${user}: not in the image's /etc/passwd`);
  return { uid: Number(entry[2]), gid: group === undefined ? Number(entry[3]) : Number(group), home: entry[5] };
}

/** `ENV K=V K2="V 2"` (or the old `ENV K V`) as an object. */
function parseEnv(args) {
  if (!/^\w+=/.test(args)) {
    const [key, ...value] = args.split(' ');
    return { [key]: value.join(' ') };
  }
  const env = {};
  for (const [, key, quoted, plain] of args.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g)) {
    env[key] = quoted === undefined ? plain : quoted.replace(/\\(.)/g, '$1');
  }
  return env;
}

/** ENTRYPOINT / CMD: the exec form's argv, or the shell form under /bin/sh -c. */
function parseCommand(args) {
  return args.startsWith('[') ? JSON.parse(args) : ['/bin/sh', '-c', args];
}

/** A rootfs that the stages' instructions are applied to, in order, as Docker would. */
class StageRootfs {
  constructor(rootfs, env) {
    this.rootfs = rootfs;
    this.env = env;
    this.workdir = '/';
    this.user = 'root';
    this.entrypoint = [];
    this.cmd = [];
    this.runOutputs = [];
  }

  /** chroot arguments running argv as the stage's user in its WORKDIR (or cwd). */
  chrootArgs(argv, { cwd = this.workdir, user = this.user } = {}) {
    const { uid, gid } = resolveUser(this.rootfs, user);
    const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    return [
      `--userspec=${uid}:${gid}`,
      `--groups=${gid}`,
      this.rootfs,
      '/bin/sh',
      '-c',
      `cd '${cwd}' && exec ${quoted}`,
    ];
  }

  processEnv(user = this.user) {
    return { ...this.env, HOME: resolveUser(this.rootfs, user).home };
  }

  exec(argv, options = {}) {
    return run('chroot', this.chrootArgs(argv, options), {
      env: this.processEnv(options.user),
      timeout: 300000,
      ...options.spawn,
    });
  }

  spawn(argv) {
    return spawn('chroot', this.chrootArgs(argv), { env: this.processEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  }

  inside(file) {
    return path.join(this.rootfs, path.posix.resolve(this.workdir, file));
  }

  apply(stage, buildStageName) {
    for (const instruction of stage.instructions) {
      const { keyword, args } = instruction;
      const where = `Dockerfile:${instruction.line} ${keyword}`;
      if (keyword === 'WORKDIR') {
        this.workdir = path.posix.resolve(this.workdir, args);
        fs.mkdirSync(this.inside('.'), { recursive: true });
      } else if (keyword === 'ENV') {
        Object.assign(this.env, parseEnv(args));
      } else if (keyword === 'USER') {
        this.user = args;
      } else if (keyword === 'ENTRYPOINT') {
        this.entrypoint = parseCommand(args);
        this.cmd = [];
      } else if (keyword === 'CMD') {
        this.cmd = parseCommand(args);
      } else if (keyword === 'RUN') {
        const result = run('chroot', this.chrootArgs(['/bin/sh', '-c', runCommand(instruction)]), {
          env: this.processEnv(),
          timeout: 600000,
        });
        this.runOutputs.push(check(result, `${where} ${runCommand(instruction)}`) + result.stderr);
      } else if (keyword === 'COPY') {
        this.copy(args, buildStageName, where);
      } else if (!['EXPOSE', 'LABEL', 'HEALTHCHECK', 'STOPSIGNAL'].includes(keyword)) {
        throw new Error(`${where}: this test does not carry out ${keyword}; teach it`);
      }
    }
  }

  /** COPY --from=<build stage> /app/SRC... DEST: the build stage's /app is this checkout. */
  copy(args, buildStageName, where) {
    const words = args.split(' ');
    const flags = words.filter((w) => w.startsWith('--'));
    const paths = words.filter((w) => !w.startsWith('--'));
    assert.deepEqual(
      flags,
      [`--from=${buildStageName}`],
      `${where}: only COPY --from=${buildStageName} is carried out here`,
    );
    const dest = paths.pop();
    const target = this.inside(dest);
    for (const source of paths) {
      assert.ok(
        source.startsWith(`${BUILD_STAGE_WORKDIR}/`),
        `${where}: ${source} is outside the build stage's ${BUILD_STAGE_WORKDIR}`,
      );
      const local = path.join(ROOT, source.slice(BUILD_STAGE_WORKDIR.length + 1));
      assert.ok(
        fs.existsSync(local),
        `${where}: the build stage does not make ${source} (no ${path.relative(ROOT, local)} here)`,
      );
      const real = fs.realpathSync(local); // Docker follows a symlink named as the source
      if (fs.statSync(real).isDirectory()) {
        fs.mkdirSync(target, { recursive: true });
        check(run('cp', ['-a', `${real}/.`, target]), `${where} ${source}`);
      } else {
        const file = dest.endsWith('/') || paths.length > 1 ? path.join(target, path.basename(source)) : target;
        fs.mkdirSync(path.dirname(file), { recursive: true });
        check(run('cp', ['-a', real, file]), `${where} ${source}`);
      }
    }
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net
      .createServer()
      .listen(0, '127.0.0.1', () => {
        const { port } = /** @type {net.AddressInfo} */ (server.address());
        server.close(() => resolve(port));
      })
      .on('error', reject);
  });
}

/** Mount points at or under dir, deepest first. */
function mountsUnder(dir) {
  return fs
    .readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((m) => m && (m === dir || m.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
}

describe('docker/Dockerfile runtime and composed-model stages, carried out in a Debian 12 chroot', function () {
  this.timeout(1800000);
  const stages = dockerfileStages(fs.readFileSync(DOCKERFILE, 'utf8'));
  let work;
  let image;
  let server;
  let serve;
  const sizes = {};

  before(async function () {
    const skip = (why) => {
      console.log(`      skipped: ${why}`);
      this.skip();
    };
    if (process.platform !== 'linux' || process.arch !== 'x64') skip('the image is linux/amd64');
    if (process.getuid() !== 0) skip('chroot and mount need root');
    if (!which('chroot')) skip('no chroot');
    if (!fs.existsSync(path.join(BASE_ROOTFS, COMPLETE)) && !which('debootstrap')) {
      skip(`no cached rootfs in ${BASE_ROOTFS} and no debootstrap (apt-get install debootstrap)`);
    }
    for (const product of ['build/Release/tfserving_remote_predict.node', 'dist/index.js']) {
      if (!fs.existsSync(path.join(ROOT, product))) skip(`no ${product}: build first (npm install)`);
    }

    // The build stage's RUNs after `npm install` (the platform package), run in this checkout.
    const build = stages[0];
    const install = build.instructions.findIndex((x) => x.keyword === 'RUN' && /^npm install\b/.test(runCommand(x)));
    assert.notEqual(install, -1, 'the build stage runs npm install');
    for (const x of build.instructions.slice(install + 1).filter((i) => i.keyword === 'RUN')) {
      check(
        run('bash', ['-c', runCommand(x)], { cwd: ROOT, timeout: 600000 }),
        `Dockerfile:${x.line} ${runCommand(x)}`,
      );
    }

    const base = baseRootfs();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsrp-docker-stages-'));
    const rootfs = path.join(work, 'rootfs');
    check(run('cp', ['-a', base, rootfs]), 'copying the base rootfs');
    fs.rmSync(path.join(rootfs, COMPLETE));
    image = new StageRootfs(rootfs, layNodeSlim(rootfs));
    sizes.base = treeBytes(rootfs);
    // What a container has: /proc (node reads /proc/self/maps, npm the cpus) and /dev.
    check(run('mount', ['-t', 'proc', 'proc', path.join(rootfs, 'proc')]), 'mount proc');
    check(run('mount', ['--bind', '/dev', path.join(rootfs, 'dev')]), 'mount --bind /dev');

    server = await startReferenceServer();
  });

  after(async function () {
    if (serve && serve.exitCode === null) {
      serve.kill('SIGTERM');
      await new Promise((resolve) => serve.once('exit', resolve));
    }
    if (server) await server.stop();
    if (!work) return;
    const rootfs = path.join(work, 'rootfs');
    for (const mount of mountsUnder(rootfs)) run('umount', [mount]);
    const left = mountsUnder(rootfs);
    if (left.length > 0) {
      // Never delete through a mount: /dev is the host's.
      console.log(`      left ${work} in place: still mounted: ${left.join(', ')}`);
      return;
    }
    fs.rmSync(work, { recursive: true, force: true });
  });

  const stage = (name) => {
    const found = stages.find((x) => x.name === name);
    assert.ok(found, `docker/Dockerfile has no stage ${name}`);
    return found;
  };

  /** Applies a stage's chain above the base image (which the rootfs stands in for), oldest first. */
  const applyChain = (top, from = undefined) => {
    const chain = stageChain(stages, top).reverse();
    assert.match(chain[0].base, /^node:20[\w.-]*bookworm-slim$/, `${top.name} is not built on node:20-bookworm-slim`);
    const start = from === undefined ? 0 : chain.findIndex((x) => x.name === from) + 1;
    for (const x of chain.slice(start)) image.apply(x, stages[0].name);
  };

  it('runtime: its instructions succeed in the chroot, the load check finding the op in the prebuilt package', function () {
    const last = stages[stages.length - 1];
    assert.equal(last.base, 'runtime', 'the default image (last stage) is the runtime stage');
    assert.deepEqual(last.instructions, [], 'the last stage adds nothing to runtime');
    applyChain(stage('runtime'));
    sizes.runtime = treeBytes(image.rootfs);
    assert.match(image.runOutputs.join('\n'), /libtensorflow 2\.21\.0, op registered, prebuilt/);
    assert.equal(image.user, 'node');
  });

  it('runtime: every packaged library resolves inside the image (ldd in the chroot); only libtensorflow_cc is left out', function () {
    const platform = `${BUILD_STAGE_WORKDIR}/node_modules/${PLATFORM}`;
    const files = ['build/Release', 'deps/libtensorflow/lib'].flatMap((dir) =>
      fs.readdirSync(path.join(image.rootfs, platform, dir)).map((name) => `${platform}/${dir}/${name}`),
    );
    assert.ok(files.length >= 6, files.join(' '));
    const missing = [];
    for (const file of files) {
      for (const line of check(image.exec(['ldd', file], { user: 'root' }), `ldd ${file}`).split('\n')) {
        if (/not found/.test(line)) missing.push(`${path.posix.basename(file)}: ${line.trim()}`);
      }
    }
    assert.deepEqual(missing, ['tfsrp_saved_model.node: libtensorflow_cc.so.2 => not found']);
    assert.equal(check(run('find', [image.rootfs, '-xdev', '-name', 'libtensorflow_cc*']), 'find').trim(), '');
    assert.equal(
      check(image.exec(['sh', '-c', 'command -v cc c++ gcc g++ cmake make python3 || true']), 'command -v').trim(),
      '',
    );
  });

  it("runtime: the entry point with the default CMD, as the image's user, prints the CLI's help", function () {
    const help = image.exec([...image.entrypoint, ...image.cmd]);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /\bserve\b/);
    assert.match(help.stdout, /fetch-libtensorflow-cc/);
  });

  it("runtime: run() and runReturningStatus() inside the image call TF Serving on the host's loopback", function () {
    const script = `
      const api = require('${BUILD_STAGE_WORKDIR}');
      (async () => {
        const call = { targetAddress: '127.0.0.1:${server.port}', modelName: 'half_plus_two', inputTensorAliases: ['x'],
          inputTensors: [{ dtype: 'float32', shape: [3], data: new Float32Array([1, 2, 5]) }],
          outputTensorAliases: ['y'], outputTypes: ['float32'] };
        const y = Array.from((await api.run(call))[0].data);
        const status = (await api.runReturningStatus({ ...call, modelName: 'no_such_model' })).statusCode;
        const fs = require('fs'), os = require('os'), path = require('path');
        const cc = fs.readFileSync('/proc/self/maps', 'utf8').includes('libtensorflow_cc');
        const model = fs.mkdtempSync(path.join(os.tmpdir(), 'model-'));
        fs.writeFileSync(path.join(model, 'saved_model.pb'), '');
        const savedModel = await api.loadSavedModel(model).then(() => 'loaded', (e) => e.message);
        console.log(JSON.stringify({ y, status, opLibrary: api.opLibraryPath, cc, savedModel }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const result = image.exec(['node', '-e', script]);
    const report = JSON.parse(check(result, 'node -e (run, runReturningStatus)'));
    assert.deepEqual(report.y, [2.5, 3, 4.5]);
    assert.equal(report.status, 5);
    assert.equal(
      report.opLibrary,
      `${BUILD_STAGE_WORKDIR}/node_modules/${PLATFORM}/build/Release/libtfserving_remote_predict_op.so`,
    );
    assert.equal(report.cc, false);
    assert.match(report.savedModel, /npx tfserving-remote-predict fetch-libtensorflow-cc/);
  });

  it('runtime: the image is the slim base plus the package, well under the 1.1 GB of a source-built one', function () {
    assert.ok(sizes.runtime, 'the runtime stage was built');
    const added = sizes.runtime - sizes.base;
    console.log(
      `      debootstrap minbase + Node.js ${process.versions.node} (the node:20-bookworm-slim stand-in): ` +
        `${megabytes(sizes.base)}; runtime stage: ${megabytes(sizes.runtime)} (+${megabytes(added)})`,
    );
    assert.ok(added < 150e6, `the runtime stage adds ${megabytes(added)}`);
  });

  it('composed-model: libtensorflow_cc staged where fetch-libtensorflow-cc puts it, the check passing', function () {
    assert.ok(sizes.runtime, 'the runtime stage was built');
    applyChain(stage('composed-model'), 'runtime');
    sizes.composed = treeBytes(image.rootfs);
    console.log(
      `      composed-model stage: ${megabytes(sizes.composed)} (+${megabytes(sizes.composed - sizes.runtime)} over runtime)`,
    );
  });

  it("composed-model: docker/compose.yaml's command serves the composed model, healthy, calling TF Serving", async function () {
    assert.ok(sizes.composed, 'the composed-model stage was built');
    const service = composeServiceBlock(fs.readFileSync(COMPOSE, 'utf8'), 'composed-model');
    const port = await freePort();
    // The compose network's names become the host's loopback; the published port a free one.
    const command = composeValue(service, 'command').map((arg) =>
      arg.replace(/=tf-serving:8500$/, `=127.0.0.1:${server.port}`).replace(/^8501$/, String(port)),
    );
    assert.ok(command.includes(`remote-predict-target:8500=127.0.0.1:${server.port}`), command.join(' '));
    serve = image.spawn([...image.entrypoint, ...command]);
    let output = '';
    serve.stdout.setEncoding('utf8').on('data', (d) => {
      output += d;
    });
    serve.stderr.setEncoding('utf8').on('data', (d) => {
      output += d;
    });
    const model = 'half_plus_two_with_remote_predict';
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start in 120 s:\n${output}`)), 120000);
      const poll = setInterval(() => {
        if (output.includes(`:${port}/v1/models/${model}`)) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve();
        }
      }, 100);
      serve.once('exit', (code) => {
        clearInterval(poll);
        clearTimeout(timer);
        reject(new Error(`serve exited with ${code}:\n${output}`));
      });
    });

    const healthcheck = composeValue(service, 'test');
    assert.equal(healthcheck[0], 'CMD');
    const health = image.exec(healthcheck.slice(1).map((arg) => arg.replace(':8501/', `:${port}/`)));
    assert.equal(health.status, 0, `the health check failed: ${health.stderr}`);

    const response = await fetch(`http://127.0.0.1:${port}/v1/models/${model}:predict`, {
      method: 'POST',
      body: JSON.stringify({ inputs: { x: [1, 2, 5] } }),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { outputs: { y: [3, 4, 7] } });
  });
});
