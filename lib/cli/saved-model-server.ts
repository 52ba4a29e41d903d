// An HTTP service answering TF Serving-style REST predict requests by running
// a SavedModel loaded with loadSavedModel(): what the `serve` command runs.
//
//   GET  /v1/models/NAME           → { model, signatures }
//   POST /v1/models/NAME:predict   { "signature_name"?, "inputs": { "x": [1, 2, 5] } }
//                                  → { "outputs": { "y": [3, 4, 7] } }
import * as http from 'node:http';

import { SavedModelError } from '../errors';
import { tensorFromJson, tensorToJson } from './json-tensors';
import type { SavedModel } from '../saved-model';
import { StatusCode } from '../status-codes';
import type { Tensor, TensorInput } from '../tensor';

export interface SavedModelServerOptions {
  model: SavedModel;
  /** The NAME in the URLs. */
  name: string;
  /** Deadline of each run; default none. */
  timeoutMillis?: number;
  /** Largest request body accepted, in bytes. Default 64 MiB. */
  maxBodyBytes?: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const HTTP_STATUS_BY_CODE: Readonly<Record<number, number>> = {
  [StatusCode.INVALID_ARGUMENT]: 400,
  [StatusCode.NOT_FOUND]: 404,
  [StatusCode.FAILED_PRECONDITION]: 400,
  [StatusCode.DEADLINE_EXCEEDED]: 504,
  [StatusCode.UNAVAILABLE]: 503,
  [StatusCode.RESOURCE_EXHAUSTED]: 429,
  [StatusCode.CANCELLED]: 499,
};

function readBody(request: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `the request body is larger than ${limit} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseRequest(body: string): { signature: string; inputs: Record<string, unknown> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new HttpError(400, `the request body is not JSON: ${(error as Error).message}`);
  }
  const request = parsed as { signature_name?: unknown; inputs?: unknown } | null;
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new HttpError(400, 'the request body must be a JSON object { "inputs": { NAME: VALUE, ... } }');
  }
  const signature = request.signature_name ?? 'serving_default';
  if (typeof signature !== 'string') throw new HttpError(400, '"signature_name" must be a string');
  const { inputs } = request;
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) {
    throw new HttpError(
      400,
      '"inputs" must be an object mapping input names to values (TF Serving\'s columnar format)',
    );
  }
  return { signature, inputs: inputs as Record<string, unknown> };
}

async function predict(options: SavedModelServerOptions, body: string): Promise<unknown> {
  const { model } = options;
  const { signature, inputs } = parseRequest(body);
  const spec = model.signatures[signature];
  if (spec === undefined || !Object.prototype.hasOwnProperty.call(model.signatures, signature)) {
    throw new HttpError(
      400,
      `"${signature}" is not a signature of this model; it has ${Object.keys(model.signatures).join(', ')}`,
    );
  }
  const tensors: Record<string, TensorInput> = {};
  for (const [name, value] of Object.entries(inputs)) {
    const dtype = spec.inputs[name]?.dtype;
    // Unknown names are left to predict(), which names them all.
    tensors[name] = dtype
      ? tensorFromJson(value, dtype, `inputs.${name}`)
      : { dtype: 'float32', shape: [0], data: new Float32Array(0) };
  }
  const outputs: Record<string, Tensor> = await model.predict(tensors, {
    signature,
    ...(options.timeoutMillis ? { timeoutMillis: options.timeoutMillis } : {}),
  });
  const json: Record<string, unknown> = {};
  for (const [name, tensor] of Object.entries(outputs)) json[name] = tensorToJson(tensor);
  return { outputs: json };
}

function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (error instanceof TypeError || error instanceof RangeError) return 400;
  if (error instanceof SavedModelError) return HTTP_STATUS_BY_CODE[error.code] ?? 500;
  return 500;
}

/** An http.Server (not yet listening) serving `options.model`. */
export function createSavedModelServer(options: SavedModelServerOptions): http.Server {
  const base = `/v1/models/${encodeURIComponent(options.name)}`;
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  return http.createServer((request, response) => {
    const send = (status: number, value: unknown): void => {
      const text = JSON.stringify(value);
      response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    };
    const url = (request.url ?? '/').split('?')[0];
    const handle = async (): Promise<unknown> => {
      if (url === base) {
        if (request.method !== 'GET') throw new HttpError(405, `use GET for ${base}`);
        return { model: options.name, signatures: options.model.signatures };
      }
      if (url === `${base}:predict`) {
        if (request.method !== 'POST') throw new HttpError(405, `use POST for ${base}:predict`);
        return predict(options, await readBody(request, maxBodyBytes));
      }
      throw new HttpError(404, `no such endpoint ${url}; this server answers ${base} and ${base}:predict`);
    };
    handle().then(
      (value) => send(200, value),
      (error: unknown) => {
        const status = statusOf(error);
        if (status === 500 && !(error instanceof SavedModelError)) console.error(error);
        send(status, { error: (error as Error).message });
      },
    );
  });
}
