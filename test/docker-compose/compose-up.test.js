'use strict';
// docker/compose.yaml brought up as docker/README.md says, on a real Docker engine:
// `docker compose -f docker/compose.yaml up --build --wait` from the checkout (nothing run on
// the host first), then the README's request to the composed model, which calls tf-serving by
// its service name on the compose network, and `down`.
//
// npm run test:docker-compose, with a running engine and the compose plugin. Not part of
// npm test (the build stage alone takes 10-25 minutes). Without Docker Hub, import the
// stand-ins first (root): docker/stand-in-base-images.sh, then docker/stand-in-tf-serving.sh.
// The composed-model service publishes port 8501 on the host: it must be free.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const COMPOSE_FILE = path.join('docker', 'compose.yaml');
// Its own project name, so it never touches another checkout's containers.
const PROJECT = 'tfsrp-compose-test';
const MODEL_URL = 'http://127.0.0.1:8501/v1/models/half_plus_two_with_remote_predict';

function compose(args, timeoutMs) {
  return spawnSync('docker', ['compose', '-p', PROJECT, '-f', COMPOSE_FILE, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 256 * 1024 * 1024,
  });
}

function output(run) {
  return `${run.stdout || ''}${run.stderr || ''}`;
}

describe('docker compose -f docker/compose.yaml up --build', function () {
  let up;

  before(function () {
    const version = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
    const info = spawnSync('docker', ['info'], { encoding: 'utf8' });
    if (version.status !== 0 || info.status !== 0) {
      console.log(
        `      skipped: ${version.status !== 0 ? 'no compose plugin (docker compose version)' : 'no Docker engine answers (docker info)'}`,
      );
      this.skip();
    }
    compose(['down', '--remove-orphans'], 120000);
    up = compose(['up', '--build', '--detach', '--wait', '--wait-timeout', '300'], 3600000);
  });

  after(function () {
    if (!up) return;
    if (up.status !== 0 || this.currentTest?.state === 'failed') {
      console.log(output(compose(['logs', '--no-color', '--tail', '60'], 60000)).slice(-8000));
    }
    compose(['down', '--remove-orphans'], 300000);
  });

  it('builds both services and waits until composed-model is healthy', function () {
    assert.equal(up.status, 0, `up --build --wait exited ${up.status}:\n${output(up).slice(-8000)}`);
    const ps = compose(['ps', '--format', 'json'], 60000);
    assert.equal(ps.status, 0, output(ps));
    // One JSON object per line (compose ≥ 2.21) or one array.
    const text = ps.stdout.trim();
    const services = text.startsWith('[') ? JSON.parse(text) : text.split('\n').map((line) => JSON.parse(line));
    const byName = Object.fromEntries(services.map((s) => [s.Service, s]));
    assert.equal(byName['tf-serving']?.State, 'running', text);
    assert.equal(byName['composed-model']?.State, 'running', text);
    assert.equal(byName['composed-model']?.Health, 'healthy', text);
  });

  it("answers the README's request with 0.5·x plus tf-serving's half_plus_two(x)", async function () {
    const response = await fetch(`${MODEL_URL}:predict`, {
      method: 'POST',
      body: JSON.stringify({ inputs: { x: [1, 2, 5] } }),
    });
    const body = await response.text();
    assert.equal(response.status, 200, body);
    assert.deepEqual(JSON.parse(body), { outputs: { y: [3, 4, 7] } });
  });

  it('depends on tf-serving for the answer: with that service stopped, the call fails', async function () {
    // The composed model's remote call goes to tf-serving:8500 (its model is fixed in the graph):
    // stopping that service, and only that one, is what shows where the second term comes from.
    const stop = compose(['stop', 'tf-serving'], 120000);
    assert.equal(stop.status, 0, output(stop));
    try {
      const response = await fetch(`${MODEL_URL}:predict`, {
        method: 'POST',
        body: JSON.stringify({ inputs: { x: [1] } }),
      });
      const body = await response.text();
      assert.notEqual(response.status, 200, body);
      assert.match(body, /DEADLINE_EXCEEDED|UNAVAILABLE/);
    } finally {
      const start = compose(['start', 'tf-serving'], 120000);
      assert.equal(start.status, 0, output(start));
    }
  });
});
