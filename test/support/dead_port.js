'use strict';
const net = require('node:net');

// A loopback port nothing listens on (bound, then released).
async function deadPort() {
  const server = net.createServer();
  await /** @type {Promise<void>} */ (new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  await new Promise((resolve) => server.close(resolve));
  return port;
}

module.exports = { deadPort };
