'use strict';
// Starts test/reference_server.py (a TF Serving PredictionService on grpcio + TensorFlow).
// The child's stdin stays piped to us: it exits when we do, even without stop().
//
// opLibrary: the op library the server loads, so it can serve models containing the op
// (half_plus_two_chain; the server maps their placeholder target to itself). Left out, it is
// $TFSRP_OP_LIBRARY or build/Release/libtfserving_remote_predict_op.so when that exists;
// null (or '') loads none, and the server skips such models.
// tls: { certFile, keyFile, clientCaFile? } serves TLS (mutual when clientCaFile is given).
// port: the port to listen on (default: any free one), e.g. to start a killed server again on
// its port; tag: the server_tag output's value; requireMetadata: 'key=value', a header without
// which requests fail UNAUTHENTICATED.
// Resolves with { port, address, startupMs, stop(), kill() (SIGKILL, awaited), stderr(), child }.
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const { python } = require('./python');

const ROOT = path.resolve(__dirname, '..', '..');
const STARTUP_TIMEOUT_MS = 120000;

function defaultOpLibrary() {
  if (process.env.TFSRP_OP_LIBRARY) return process.env.TFSRP_OP_LIBRARY;
  const built = path.join(ROOT, 'build', 'Release', 'libtfserving_remote_predict_op.so');
  return fs.existsSync(built) ? built : null;
}

/**
 * @param {{
 *   opLibrary?: string | null,
 *   models?: string,
 *   tls?: { certFile: string, keyFile: string, clientCaFile?: string },
 *   port?: number,
 *   tag?: number,
 *   requireMetadata?: string,
 * }} [options]
 */
function startReferenceServer({
  opLibrary = defaultOpLibrary(),
  models = path.join(ROOT, 'test', 'fixtures', 'models'),
  tls,
  port,
  tag,
  requireMetadata,
} = {}) {
  const args = [path.join(ROOT, 'test', 'reference_server.py'), '--models', models];
  if (port !== undefined) args.push('--port', String(port));
  if (tag !== undefined) args.push('--tag', String(tag));
  if (requireMetadata !== undefined) args.push('--require-metadata', requireMetadata);
  if (opLibrary) args.push('--op-library', path.resolve(opLibrary));
  if (tls) {
    args.push('--tls-cert', tls.certFile, '--tls-key', tls.keyFile);
    if (tls.clientCaFile) args.push('--tls-client-ca', tls.clientCaFile);
  }
  const child = spawn(python(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8').on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const started = Date.now();

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    }
  };

  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };

  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`reference server ${why}\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${STARTUP_TIMEOUT_MS / 1000} s`), STARTUP_TIMEOUT_MS);
    child.once('error', (err) => fail(`failed to spawn: ${err.message}`));
    const onEarlyExit = (code, signal) => fail(`exited (code ${code}, signal ${signal}) before it was ready`);
    child.once('exit', onEarlyExit);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      const m = /^PORT (\d+)$/m.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      child.removeListener('exit', onEarlyExit);
      child.stdout.removeAllListeners('data').resume();
      const listening = Number(m[1]);
      resolve({
        port: listening,
        address: `127.0.0.1:${listening}`,
        startupMs: Date.now() - started,
        stop,
        kill,
        stderr: () => stderr,
        child,
      });
    });
  });
}

module.exports = { startReferenceServer };
