'use strict';
// The provisioning run by `npm install`: a no-op when satisfied, one clear
// message when it cannot install, and LIBTENSORFLOW_DIR validated.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const STAGED_LIB = path.join(ROOT, 'deps', 'libtensorflow', 'lib', 'libtensorflow_framework.so.2');

function script(name, { env = {} } = {}) {
  return spawnSync('bash', [path.join(ROOT, 'scripts', name)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

// As an unprivileged user, from a copy any user can read.
function scriptAsNobody(name, env) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'provision-'));
  try {
    fs.chmodSync(dir, 0o755);
    fs.copyFileSync(path.join(ROOT, 'scripts', name), path.join(dir, name));
    return spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'bash', path.join(dir, name)], {
      cwd: '/',
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

function identity(file) {
  const stat = fs.statSync(file);
  return `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
}

describe('provisioning', function () {
  it('changes nothing when everything is already provisioned', function () {
    const before = identity(STAGED_LIB);
    for (const name of ['provision-debian-deps.sh', 'provision-python.sh', 'provision-libtensorflow.sh']) {
      const run = script(name);
      assert.equal(run.status, 0, `${name}: ${run.stderr}`);
    }
    assert.equal(identity(STAGED_LIB), before);
  });

  it('prints the exact apt-get line when it cannot install missing packages (a copy without test/ beside it: what runs only)', function () {
    const run = scriptAsNobody('provision-debian-deps.sh', { PROVISION_CHECK_ROOT: '/nonexistent' });
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /sudo apt-get install -y --no-install-recommends g\+\+ cmake make pkg-config libgrpc\+\+-dev libgrpc-dev libssl-dev libc-ares-dev libre2-dev libabsl-dev zlib1g-dev\n/,
    );
  });

  it('refuses a LIBTENSORFLOW_DIR without the libraries, naming what is missing', function () {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'libtensorflow-'));
    const before = identity(STAGED_LIB);
    try {
      const run = script('provision-libtensorflow.sh', { env: { LIBTENSORFLOW_DIR: empty } });
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, /libtensorflow_framework\.so\.2/);
      assert.match(run.stderr, /libtensorflow_cc\.so\.2/);
    } finally {
      fs.rmSync(empty, { recursive: true });
    }
    assert.equal(identity(STAGED_LIB), before);
  });

  it("without PYTHON, scripts use the package's own venv: pip installs work with Debian's externally managed python3 (PEP 668)", function () {
    const debian = '/usr/bin/python3';
    if (
      !fs.existsSync(
        `/usr/lib/python3.${spawnSync(debian, ['-c', 'import sys; print(sys.version_info[1])'], { encoding: 'utf8' }).stdout.trim()}/EXTERNALLY-MANAGED`,
      )
    ) {
      this.skip(); // not a PEP 668 python here
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'python-venv-'));
    try {
      fs.mkdirSync(path.join(dir, 'scripts'));
      fs.copyFileSync(path.join(ROOT, 'scripts', 'python.sh'), path.join(dir, 'scripts', 'python.sh'));
      /** @type {NodeJS.ProcessEnv} */
      const env = { ...process.env, PATH: '/usr/bin:/bin' };
      delete env.PYTHON;
      const wheel = [
        '-m',
        'pip',
        'install',
        '--dry-run',
        '--no-deps',
        '--retries',
        '0',
        '--disable-pip-version-check',
        'mdurl==0.1.2',
      ];
      const system = spawnSync(debian, wheel, { env, encoding: 'utf8' });
      assert.notEqual(system.status, 0);
      assert.match(system.stderr, /externally-managed-environment/);
      const picked = spawnSync('bash', [path.join(dir, 'scripts', 'python.sh')], { env, encoding: 'utf8' });
      assert.equal(picked.status, 0, picked.stderr);
      assert.equal(picked.stdout.trim(), path.join(dir, 'deps', 'python', 'bin', 'python'));
      const venv = spawnSync(picked.stdout.trim(), wheel, { env, encoding: 'utf8' });
      assert.equal(venv.status, 0, venv.stderr);
      assert.match(venv.stdout, /Would install mdurl-0\.1\.2/);
      const chosen = spawnSync('bash', [path.join(dir, 'scripts', 'python.sh')], {
        env: { ...env, PYTHON: '/opt/some/python' },
        encoding: 'utf8',
      });
      assert.equal(chosen.stdout.trim(), '/opt/some/python', '$PYTHON wins');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
