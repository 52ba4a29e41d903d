'use strict';
// A hostile "PredictionService": a raw HTTP/2 server speaking just enough gRPC to
// answer /tensorflow.serving.PredictionService/Predict with whatever the test asks for,
// byte for byte — malformed PredictResponse bodies, lying gRPC length prefixes,
// odd grpc-status values and messages, missing trailers, resets, or no answer at all.
//
// It runs in a child process (so the client's memory numbers are the client's own):
//
//   const { startHostileServer, script } = require('./support/hostile_server');
//   const server = await startHostileServer();         // { address, port, stop(), stats() }
//   run({ targetAddress: server.address, modelName: 'hostile',
//         inputTensorAliases: ['script'], inputTensors: [script({ status: 0 }, responseBytes)], ... })
//
// The request says what to answer: its input 'script' is a DT_STRING tensor whose element 0
// is a JSON object (below) and element 1 the PredictResponse bytes to send. A request for the
// model named 'hang' (any inputs) is accepted and never answered.
//
// Script fields (all optional):
//   status        grpc-status trailer value, sent verbatim (number or string); default 0
//   message       grpc-message trailer value, sent verbatim (percent-encode it yourself)
//   frame         'normal' (default) | 'none' (no message) | 'double' (the body twice)
//                 | 'declared' (length prefix = declaredLength, then the body)
//                 | 'compressed' (compressed flag set, no grpc-encoding) | 'chunked' (the frame in
//                 1..7-byte DATA chunks) | 'shortHeader' (only the first 3 bytes of the prefix)
//   declaredLength  the uint32 written as the length prefix for frame 'declared'
//   httpStatus    ':status' (default 200); contentType (default 'application/grpc')
//   trailersOnly  status in the response headers, no body (gRPC "trailers-only")
//   noTrailers    end the stream after the body without any trailers
//   rst           reset the stream with this HTTP/2 error code instead of sending trailers;
//                 rstBeforeHeaders: reset before any response headers
//   delayMs       wait before answering
//   hang          never answer
const http2 = require('node:http2');
const { spawn } = require('node:child_process');

// ---------------------------------------------------------------------------
// Minimal protobuf encoding (shared with the tests that build hostile bodies).

/** A varint of a number or bigint; negative values take ten bytes (two's complement). */
function varint(value) {
  let v = BigInt.asUintN(64, BigInt(value));
  const out = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

const key = (field, wireType) => varint((BigInt(field) << 3n) | BigInt(wireType));
const fieldVarint = (field, value) => Buffer.concat([key(field, 0), varint(value)]);
const fieldBytes = (field, bytes) => {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
  return Buffer.concat([key(field, 2), varint(b.length), b]);
};
const fieldFixed32 = (field, buf4) => Buffer.concat([key(field, 5), buf4]);
const fieldFixed64 = (field, buf8) => Buffer.concat([key(field, 1), buf8]);

const pb = { varint, key, fieldVarint, fieldBytes, fieldFixed32, fieldFixed64 };

// ---------------------------------------------------------------------------
// Minimal protobuf decoding of the request (our own: a hostile server must not trust it either).

function readVarint(buf, pos) {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
  throw new Error('varint too long');
}

/** Yields [field, wireType, value] with value a Buffer (length-delimited) or bigint. */
function* fields(buf) {
  let pos = 0;
  while (pos < buf.length) {
    let tag;
    [tag, pos] = readVarint(buf, pos);
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (wireType === 0) {
      let v;
      [v, pos] = readVarint(buf, pos);
      yield [field, wireType, v];
    } else if (wireType === 2) {
      let len;
      [len, pos] = readVarint(buf, pos);
      if (len > BigInt(buf.length - pos)) throw new Error('truncated field');
      yield [field, wireType, buf.subarray(pos, pos + Number(len))];
      pos += Number(len);
    } else if (wireType === 1) {
      pos += 8;
      if (pos > buf.length) throw new Error('truncated fixed64');
    } else if (wireType === 5) {
      pos += 4;
      if (pos > buf.length) throw new Error('truncated fixed32');
    } else {
      throw new Error(`wire type ${wireType}`);
    }
  }
}

/** { modelName, script: [Buffer...] } from PredictRequest bytes. */
function parseRequest(bytes) {
  let modelName = '';
  let script = null;
  for (const [field, wt, value] of fields(bytes)) {
    if (field === 1 && wt === 2) {
      for (const [f, w, v] of fields(value)) if (f === 1 && w === 2) modelName = v.toString('utf8');
    } else if (field === 2 && wt === 2) {
      let name = '';
      let tensor = null;
      for (const [f, w, v] of fields(value)) {
        if (f === 1 && w === 2) name = v.toString('utf8');
        if (f === 2 && w === 2) tensor = v;
      }
      if (name === 'script' && tensor) {
        script = [];
        for (const [f, w, v] of fields(tensor)) if (f === 8 && w === 2) script.push(v);
      }
    }
  }
  return { modelName, script };
}

// ---------------------------------------------------------------------------
// The server (child process side).

function grpcFrame(body, { compressed = false, declaredLength = body.length } = {}) {
  const header = Buffer.alloc(5);
  header[0] = compressed ? 1 : 0;
  header.writeUInt32BE(declaredLength >>> 0, 1);
  return Buffer.concat([header, body]);
}

function serve(port) {
  const stats = { requests: 0, hung: 0, open: 0, badRequests: 0 };
  const server = http2.createServer({
    maxSessionMemory: 4096, // MB: many large streams on gRPC's one connection
    settings: { maxConcurrentStreams: 100000, initialWindowSize: 16 << 20 },
  });
  server.on('session', (session) => {
    session.on('error', () => {});
    try {
      session.setLocalWindowSize(64 << 20);
    } catch {
      /* older Node */
    }
  });
  server.on('stream', (stream, headers) => {
    stats.requests++;
    stats.open++;
    stream.on('error', () => {});
    stream.on('close', () => {
      stats.open--;
    });
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      let request;
      try {
        const all = Buffer.concat(chunks);
        if (headers[':path'] !== '/tensorflow.serving.PredictionService/Predict')
          throw new Error(`path ${headers[':path']}`);
        if (all.length < 5) throw new Error('no gRPC frame');
        const length = all.readUInt32BE(1);
        if (all.length !== 5 + length) throw new Error('bad gRPC frame length');
        request = parseRequest(all.subarray(5));
      } catch (e) {
        stats.badRequests++;
        answer(
          stream,
          { status: 13, message: encodeURIComponent(`hostile server: bad request: ${e.message}`) },
          Buffer.alloc(0),
        );
        return;
      }
      if (request.modelName === 'hang') {
        stats.hung++;
        return; // accepted, never answered; closed when the client cancels
      }
      if (!request.script || request.script.length < 1) {
        answer(stream, { status: 3, message: 'hostile%20server:%20no%20script%20input' }, Buffer.alloc(0));
        return;
      }
      let spec;
      try {
        spec = JSON.parse(request.script[0].toString('utf8'));
      } catch (e) {
        answer(
          stream,
          { status: 3, message: encodeURIComponent(`hostile server: bad script: ${e.message}`) },
          Buffer.alloc(0),
        );
        return;
      }
      const body = request.script[1] || Buffer.alloc(0);
      if (spec.hang) {
        stats.hung++;
        return;
      }
      if (spec.delayMs) setTimeout(() => answer(stream, spec, body), spec.delayMs);
      else answer(stream, spec, body);
    });
  });
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`PORT ${/** @type {import('node:net').AddressInfo} */ (server.address()).port}\n`);
  });
  // Commands from the parent on stdin: 'stats' prints a JSON line; EOF exits.
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d) => {
    if (d.includes('stats')) process.stdout.write(`STATS ${JSON.stringify(stats)}\n`);
  });
  process.stdin.on('end', () => process.exit(0));
}

function answer(stream, spec, body) {
  if (stream.destroyed || stream.closed) return;
  try {
    if (spec.rstBeforeHeaders) {
      stream.close(spec.rst ?? http2.constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    const status = spec.status === undefined ? '0' : String(spec.status);
    const head = {
      ':status': spec.httpStatus ?? 200,
      'content-type': spec.contentType ?? 'application/grpc',
    };
    const trailers = { 'grpc-status': status };
    if (spec.message !== undefined) trailers['grpc-message'] = spec.message;
    if (spec.trailersOnly) {
      stream.respond({ ...head, ...trailers }, { endStream: true });
      return;
    }
    const wantTrailers = !spec.noTrailers && spec.rst === undefined;
    stream.respond(head, { waitForTrailers: wantTrailers });
    if (wantTrailers) {
      stream.once('wantTrailers', () => {
        try {
          stream.sendTrailers(trailers);
        } catch {
          stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        }
      });
    }
    let data;
    switch (spec.frame ?? 'normal') {
      case 'normal':
      case 'chunked':
        data = grpcFrame(body);
        break;
      case 'none':
        data = Buffer.alloc(0);
        break;
      case 'double':
        data = Buffer.concat([grpcFrame(body), grpcFrame(body)]);
        break;
      case 'declared':
        data = grpcFrame(body, { declaredLength: spec.declaredLength });
        break;
      case 'compressed':
        data = grpcFrame(body, { compressed: true });
        break;
      case 'shortHeader':
        data = grpcFrame(body).subarray(0, 3);
        break;
      default:
        data = grpcFrame(body);
    }
    if (spec.frame === 'chunked') {
      for (let i = 0; i < data.length;) {
        const n = 1 + ((i * 7919) % 7);
        stream.write(data.subarray(i, i + n));
        i += n;
      }
    } else if (data.length) {
      stream.write(data);
    }
    if (spec.rst !== undefined) {
      // Let the data go out first, then reset.
      setImmediate(() => {
        if (!stream.destroyed) stream.close(spec.rst);
      });
      return;
    }
    stream.end();
  } catch (e) {
    // Node refused a header value (e.g. a control character): reset instead.
    if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  }
}

// ---------------------------------------------------------------------------
// The parent side.

/** The 'script' input tensor for a request: the JSON spec and the response body bytes. */
function script(spec, body = Buffer.alloc(0)) {
  return {
    dtype: 'string',
    shape: [2],
    data: [new Uint8Array(Buffer.from(JSON.stringify(spec))), new Uint8Array(body)],
  };
}

/** Starts the server in a child process; resolves with { port, address, stop(), stats(), pid }. */
function startHostileServer({ port = 0 } = {}) {
  const child = spawn(process.execPath, [__filename, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let stdout = '';
  let statsWaiters = [];
  child.stdout.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('hostile server did not start in 10 s'));
    }, 10000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`hostile server exited (code ${code}, signal ${signal})`));
    });
    child.stdout.on('data', (d) => {
      stdout += d;
      let nl;
      while ((nl = stdout.indexOf('\n')) >= 0) {
        const line = stdout.slice(0, nl);
        stdout = stdout.slice(nl + 1);
        const m = /^PORT (\d+)$/.exec(line);
        if (m) {
          clearTimeout(timer);
          const p = Number(m[1]);
          const exited = new Promise((r) => child.once('exit', r));
          resolve({
            port: p,
            address: `127.0.0.1:${p}`,
            pid: child.pid,
            stats: () =>
              new Promise((r) => {
                statsWaiters.push(r);
                child.stdin.write('stats\n');
              }),
            stop: async () => {
              if (child.exitCode === null && child.signalCode === null) {
                child.stdin.end();
                const t = setTimeout(() => child.kill('SIGKILL'), 3000);
                await exited;
                clearTimeout(t);
              }
            },
          });
        } else if (line.startsWith('STATS ')) {
          const waiters = statsWaiters;
          statsWaiters = [];
          waiters.forEach((r) => r(JSON.parse(line.slice(6))));
        }
      }
    });
  });
}

module.exports = { startHostileServer, script, pb, parseRequest };

if (require.main === module) serve(Number(process.argv[2] || 0));
