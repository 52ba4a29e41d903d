'use strict';
// Worker threads that end with large run() calls in flight, in a process of their own:
//
//   node input_capture_child.js '<json options>'
//
// Each round starts a worker that makes `calls` run() calls of `bytes` bytes each (against a
// dead port, a server that never answers, or the slow model), then either is terminated by
// this thread or calls process.exit() itself. After every round this thread checks that a
// large call of its own still comes back byte-exact. It prints `RESULT <json>` at the end;
// a crash shows as a signal or a non-zero exit code.
const assert = require('node:assert/strict');
const net = require('node:net');
const path = require('node:path');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

const { slowCall } = require('./slow_model');

const ROOT = path.resolve(__dirname, '..', '..');

/** slow echoes x back after delay_ms: a large x stays in flight that long. */
const slowEcho = (address, x, delayMs) => slowCall(delayMs, x, { targetAddress: address, maxRpcDeadlineMillis: 60000 });

function pattern(elements, seed) {
  const x = new Float32Array(elements);
  for (let i = 0; i < x.length; i++) x[i] = (i * 7 + seed) % 1000;
  return x;
}

async function workerBody({ address, calls, bytes, ending }) {
  const { runReturningStatus } = require(ROOT);
  for (let i = 0; i < calls; i++) {
    const x = pattern(bytes / 4, i);
    runReturningStatus(slowEcho(address, x, 5000)).catch(() => {});
    x.fill(-1); // captured already: this must not matter, nor must the buffer's end
  }
  parentPort.postMessage('started');
  if (ending === 'exit') {
    await new Promise((resolve) => setTimeout(resolve, 5));
    process.exit(0);
  }
  setInterval(() => {}, 1 << 30); // keeps the worker alive until terminated, whether or not its calls have ended
}

/** A TCP server that accepts connections and never says anything. */
async function blackHole() {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await /** @type {Promise<void>} */ (new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)));
  return {
    address: `127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

async function main({ server, dead, rounds, calls, bytes }) {
  const { run } = require(ROOT);
  const hole = await blackHole();
  const targets = [dead, hole.address, server];
  const endings = [];
  for (let round = 0; round < rounds; round++) {
    const address = targets[round % targets.length];
    const ending = round % 2 === 0 ? 'terminate' : 'exit';
    const worker = new Worker(__filename, { workerData: { role: 'worker', address, calls, bytes, ending } });
    const exited = new Promise((resolve, reject) => {
      worker.once('exit', resolve);
      worker.once('error', reject);
    });
    await new Promise((resolve) => worker.once('message', resolve));
    if (ending === 'terminate') await worker.terminate();
    endings.push(`${ending}:${await exited}`);
    global.gc?.();
    // This thread keeps working: a large call of its own comes back exact.
    const x = pattern(bytes / 4, round + 1000);
    const expected = Buffer.from(x.buffer).toString('base64');
    const [y] = await run(slowEcho(server, x, 0));
    assert.equal(Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength).toString('base64'), expected);
  }
  hole.close();
  process.stdout.write(`RESULT ${JSON.stringify({ endings })}\n`);
}

if (!isMainThread && workerData?.role === 'worker') {
  workerBody(workerData);
} else if (isMainThread) {
  main(JSON.parse(process.argv[2])).catch((error) => {
    process.stderr.write(`FAILED ${error.stack}\n`);
    process.exitCode = 1;
  });
}
