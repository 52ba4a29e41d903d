#!/usr/bin/env node
// tfserving-remote-predict: calls a TF Serving PredictionService from the
// command line, or (with no --target) runs a demo against a local reference
// server hosting the example models.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { DeadlineFlagError, deadlineFromFlags } from './cli/deadline';
import { fetchLibtensorflowCcCommand } from './cli/fetch-libtensorflow-cc';
import { DTYPES, DType, isDType } from './dtypes';
import { RemotePredictError } from './errors';
import { tensorflowVersion } from './index';
import { RunOptions } from './options';
import { run, runReturningStatus } from './run';
import { SERVE_USAGE, serveCommand } from './serve-command';
import { TFJS_NODE_PACKAGE, TFJS_NODE_VERSION, setupTfjsNodeCommand } from './setup-tfjs-node';
import { statusCodeName } from './status-codes';
import { PlainTensorInput, Tensor } from './tensor';

const PROGRAM = 'tfserving-remote-predict';

const USAGE = `Usage:
  ${PROGRAM}
      Starts a local reference PredictionService hosting the example models
      and runs half_plus_two through run() and runReturningStatus().

  ${PROGRAM} --target HOST:PORT --model NAME
      --input ALIAS=DTYPE[SHAPE]:V1,V2,...   (repeatable)
      --output ALIAS=DTYPE                   (repeatable)
      [--deadline MS] [--version N | --label LABEL] [--signature NAME] [--status]
      Calls that server and prints the outputs.

${SERVE_USAGE}

  ${PROGRAM} setup-tfjs-node [--project DIR] [--force] [--check] [--verbose]
      Installs ${TFJS_NODE_PACKAGE}@${TFJS_NODE_VERSION} next to this package on this package's
      libtensorflow (its deps/ linked to ours, its binding built from source, no
      download of its own libtensorflow), so tf.node.loadSavedModel runs graphs that
      hold TfServingRemotePredict. Idempotent; re-run it after npm ci.
      (${PROGRAM} setup-tfjs-node --help for details.)

  ${PROGRAM} fetch-libtensorflow-cc [--from DIR] [--headers] [--check]
      For a prebuilt install (no compiler): stages libtensorflow_cc.so.2, which
      loadSavedModel() needs and the prebuilt package leaves out, from pip's
      tensorflow-cpu wheel of the same version (or a TensorFlow directory you have).
      (${PROGRAM} fetch-libtensorflow-cc --help for details.)

Options of the call (serve --help and setup-tfjs-node --help list theirs):
  --target ADDRESS    host:port (or dns:///host:port, ipv4:..., unix:/path)
  --model NAME        model name
  --input SPEC        e.g. x=float32[3]:1,2,5   x=float32:1,2,5 (1-D)   n=int64[]:7 (scalar)
                      dtypes: ${Object.keys(DTYPES).join(', ')}
                      floats accept nan, inf, -inf; bool true/false/1/0; float16 and
                      bfloat16 take numbers (rounded to the nearest value); complex
                      values are re,im pairs; strings are comma-separated, or a JSON
                      array: s=string[2]:["a,b","c"]
  --output SPEC       e.g. y=float32
  --deadline MS       RPC deadline in milliseconds (default 3000)
  --version N         model version (default: latest)
  --label LABEL       model version label (instead of --version)
  --signature NAME    signature (default serving_default)
  --status            use runReturningStatus(): print the status instead of failing
  -h, --help          this help

Exit status: 0 on success, 1 when the call fails (or returns a non-zero status), 2 for bad arguments.`;

class UsageError extends Error {}

// ---------------------------------------------------------------------------
// Half-precision conversions (float16 / bfloat16 travel as raw bits).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toBfloat16Bits(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  if (Number.isNaN(value)) return (bits >>> 16) | 0x0040;  // keep it a (quiet) NaN
  if (Math.abs(f32[0]) < 2 ** -126) return (bits >>> 16) & 0x8000;  // subnormals flush to ±0, as in TensorFlow
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;  // round to nearest even
}

function fromBfloat16Bits(bits: number): number {
  u32[0] = bits << 16;
  return f32[0];
}

export function toFloat16Bits(value: number): number {
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const abs = Math.abs(value);
  if (Number.isNaN(value)) return 0x7e00;
  if (abs >= 65520) return sign | 0x7c00;  // rounds to infinity
  if (abs < 2 ** -14) return sign | Math.round(abs / 2 ** -24);  // subnormal (round half to even below)
  let exponent = Math.floor(Math.log2(abs));
  if (abs < 2 ** exponent) exponent -= 1;  // guard against log2 rounding
  if (abs >= 2 ** (exponent + 1)) exponent += 1;
  let mantissa = roundHalfEven((abs / 2 ** exponent - 1) * 1024);
  if (mantissa === 1024) {
    mantissa = 0;
    exponent += 1;
  }
  return sign | ((exponent + 15) << 10) | mantissa;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

// ---------------------------------------------------------------------------
// Parsing --input / --output.

interface OutputSpec {
  alias: string;
  dtype: DType;
}

function parseDType(text: string, where: string): DType {
  if (!isDType(text)) throw new UsageError(`${where}: unknown dtype '${text}' (one of ${Object.keys(DTYPES).join(', ')})`);
  return text;
}

function parseNumber(text: string, where: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'nan') return NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  const value = Number(t);
  if (t === '' || Number.isNaN(value)) throw new UsageError(`${where}: '${text}' is not a number`);
  return value;
}

function parseInteger(text: string, where: string, min: bigint, max: bigint): bigint {
  let value: bigint;
  try {
    value = BigInt(text.trim());
  } catch {
    throw new UsageError(`${where}: '${text}' is not an integer`);
  }
  if (value < min || value > max) throw new UsageError(`${where}: ${text} is outside [${min}, ${max}]`);
  return value;
}

const INTEGER_RANGES: Partial<Record<DType, [bigint, bigint]>> = {
  int8: [-(2n ** 7n), 2n ** 7n - 1n],
  uint8: [0n, 2n ** 8n - 1n],
  int16: [-(2n ** 15n), 2n ** 15n - 1n],
  uint16: [0n, 2n ** 16n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

function splitValues(text: string, dtype: DType, where: string): string[] {
  if (dtype === 'string' && text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${where}: bad JSON array of strings: ${(error as Error).message}`);
    }
    if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string')) {
      throw new UsageError(`${where}: the JSON must be an array of strings`);
    }
    return parsed;
  }
  return text === '' ? [] : text.split(',');
}

function makeData(dtype: DType, texts: string[], where: string): PlainTensorInput['data'] {
  const at = (i: number): string => `${where} value ${i + 1}`;
  const range = INTEGER_RANGES[dtype];
  switch (dtype) {
    case 'string':
      return texts;
    case 'bool':
      return Uint8Array.from(texts, (t, i) => {
        const v = t.trim().toLowerCase();
        if (v === 'true' || v === '1') return 1;
        if (v === 'false' || v === '0') return 0;
        throw new UsageError(`${at(i)}: '${t}' is not true, false, 1 or 0`);
      });
    case 'float16':
      return Uint16Array.from(texts, (t, i) => toFloat16Bits(parseNumber(t, at(i))));
    case 'bfloat16':
      return Uint16Array.from(texts, (t, i) => toBfloat16Bits(parseNumber(t, at(i))));
    case 'float32':
    case 'complex64':
      return Float32Array.from(texts, (t, i) => parseNumber(t, at(i)));
    case 'float64':
    case 'complex128':
      return Float64Array.from(texts, (t, i) => parseNumber(t, at(i)));
    case 'int64':
      return BigInt64Array.from(texts, (t, i) => parseInteger(t, at(i), ...range!));
    case 'uint64':
      return BigUint64Array.from(texts, (t, i) => parseInteger(t, at(i), ...range!));
    default: {
      const ArrayType = DTYPES[dtype].arrayType!;
      const values = texts.map((t, i) => Number(parseInteger(t, at(i), ...range!)));
      return (ArrayType as Int32ArrayConstructor).from(values) as PlainTensorInput['data'];
    }
  }
}

/** `ALIAS=DTYPE[SHAPE]:V1,V2,...` (shape optional: 1-D). */
export function parseInputSpec(spec: string): { alias: string; tensor: PlainTensorInput } {
  const where = `--input ${spec}`;
  const m = /^([^=]+)=([a-z0-9]+)(?:\[([^\]]*)\])?:(.*)$/s.exec(spec);
  if (!m) throw new UsageError(`${where}: expected ALIAS=DTYPE[SHAPE]:V1,V2,... e.g. x=float32[3]:1,2,5`);
  const [, alias, dtypeText, shapeText, valuesText] = m;
  const dtype = parseDType(dtypeText, where);
  const texts = splitValues(valuesText, dtype, where);
  const perElement = DTYPES[dtype].valuesPerElement;
  let shape: number[];
  if (shapeText === undefined) {
    if (texts.length % perElement !== 0) throw new UsageError(`${where}: complex values are re,im pairs; got ${texts.length} values`);
    shape = [texts.length / perElement];
  } else {
    shape = shapeText.trim() === '' ? [] : shapeText.split(',').map((d) => {
      const n = Number(d.trim());
      if (d.trim() === '' || !Number.isSafeInteger(n) || n < 0) {
        throw new UsageError(`${where}: shape dimension '${d}' is not a non-negative integer`);
      }
      return n;
    });
  }
  const expected = shape.reduce((a, b) => a * b, 1) * perElement;
  if (texts.length !== expected) {
    const what = perElement === 2 ? ' (complex values are re,im pairs)' : '';
    throw new UsageError(`${where}: ${texts.length} values, but shape [${shape.join(',')}] needs ${expected}${what}`);
  }
  return { alias, tensor: { dtype, shape, data: makeData(dtype, texts, where) } as PlainTensorInput };
}

/** `ALIAS=DTYPE`. */
export function parseOutputSpec(spec: string): OutputSpec {
  const m = /^([^=]+)=([a-z0-9]+)$/.exec(spec);
  if (!m) throw new UsageError(`--output ${spec}: expected ALIAS=DTYPE, e.g. y=float32`);
  return { alias: m[1], dtype: parseDType(m[2], `--output ${spec}`) };
}

// ---------------------------------------------------------------------------
// Printing tensors.

function formatFloat32(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  for (let digits = 1; digits <= 9; digits++) {
    const text = x.toPrecision(digits);
    if (Math.fround(Number(text)) === x) return String(Number(text));
  }
  return String(x);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function formatBytes(bytes: Uint8Array): string {
  try {
    return JSON.stringify(utf8.decode(bytes));
  } catch {
    return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
  }
}

function formatComplex(re: string, im: string): string {
  return im.startsWith('-') ? `${re}${im}i` : `${re}+${im}i`;
}

function elementTexts(tensor: Tensor): string[] {
  switch (tensor.dtype) {
    case 'string': return tensor.data.map(formatBytes);
    case 'bool': return Array.from(tensor.data, (v) => (v ? 'true' : 'false'));
    case 'float32': return Array.from(tensor.data, formatFloat32);
    case 'float16': return Array.from(tensor.data, (b) => String(fromFloat16Bits(b)));
    case 'bfloat16': return Array.from(tensor.data, (b) => String(fromBfloat16Bits(b)));
    case 'complex64':
    case 'complex128': {
      const format = tensor.dtype === 'complex64' ? formatFloat32 : String;
      const out: string[] = [];
      for (let i = 0; i < tensor.data.length; i += 2) out.push(formatComplex(format(tensor.data[i]), format(tensor.data[i + 1])));
      return out;
    }
    default: return Array.from(tensor.data as ArrayLike<number | bigint>, String);
  }
}

function nest(texts: string[], shape: readonly number[]): string {
  if (shape.length === 0) return texts[0];
  const [first, ...rest] = shape;
  const size = rest.reduce((a, b) => a * b, 1);
  const parts: string[] = [];
  for (let i = 0; i < first; i++) parts.push(nest(texts.slice(i * size, (i + 1) * size), rest));
  return `[${parts.join(', ')}]`;
}

export function formatTensor(alias: string, tensor: Tensor): string {
  return `${alias}: ${tensor.dtype}[${tensor.shape.join(',')}] = ${nest(elementTexts(tensor), tensor.shape)}`;
}

function formatInput(alias: string, tensor: PlainTensorInput): string {
  const data = tensor.dtype === 'string'
    ? tensor.data.map((s) => (typeof s === 'string' ? new TextEncoder().encode(s) : s))
    : tensor.data;
  return formatTensor(alias, { ...tensor, shape: Array.from(tensor.shape), data } as Tensor);
}

function formatStatus(statusCode: number, statusErrorMessage: string): string {
  return `status ${statusCode} (${statusCodeName(statusCode)})${statusErrorMessage ? `: ${statusErrorMessage}` : ''}`;
}

const millis = (since: number): string => `${(performance.now() - since).toFixed(1)} ms`;

// ---------------------------------------------------------------------------
// The two modes.

interface Call {
  options: RunOptions;
  inputs: { alias: string; tensor: PlainTensorInput }[];
  statusMode: boolean;
}

/** Runs one call and prints it; returns the exit status. */
async function callAndPrint({ options, inputs, statusMode }: Call, indent = ''): Promise<number> {
  for (const { alias, tensor } of inputs) console.log(`${indent}input  ${formatInput(alias, tensor)}`);
  const printOutputs = (tensors: Tensor[]): void => {
    tensors.forEach((t, i) => console.log(`${indent}output ${formatTensor(options.outputTensorAliases[i], t)}`));
  };
  const started = performance.now();
  try {
    if (statusMode) {
      const { statusCode, statusErrorMessage, outputTensors } = await runReturningStatus(options);
      const latency = millis(started);
      console.log(`${indent}${formatStatus(statusCode, statusErrorMessage)}`);
      printOutputs(outputTensors);
      console.log(`${indent}latency ${latency}`);
      return statusCode === 0 ? 0 : 1;
    }
    const outputTensors = await run(options);
    const latency = millis(started);
    printOutputs(outputTensors);
    console.log(`${indent}latency ${latency}`);
    return 0;
  } catch (error) {
    if (!(error instanceof RemotePredictError)) throw error;
    console.log(`${indent}error ${error.message} (code ${error.code}); latency ${millis(started)}`);
    return 1;
  }
}

async function demo(): Promise<number> {
  const root = path.resolve(__dirname, '..');
  const serverModule = path.join(root, 'test', 'support', 'reference_server.js');
  const models = path.join(root, 'test', 'fixtures', 'models');
  if (!fs.existsSync(serverModule)) {
    console.error(`${PROGRAM}: the demo needs the repository's test/ directory (${serverModule}); use --target to call a server`);
    return 1;
  }
  if (!fs.existsSync(path.join(models, 'half_plus_two'))) {
    console.error(`${PROGRAM}: no example models in ${models}; make them with: python3 scripts/generate_fixtures.py`);
    return 1;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a test helper found at run time, not a dependency
  const { startReferenceServer } = require(serverModule) as {
    startReferenceServer(): Promise<{ address: string; stop(): Promise<void> }>;
  };

  console.log(`${PROGRAM} demo (libtensorflow ${tensorflowVersion})`);
  const startedServer = performance.now();
  const server = await startReferenceServer();
  try {
    console.log(`reference PredictionService on ${server.address} (started in ${millis(startedServer)}), serving`);
    console.log('  half_plus_two v1 y = 0.5x + 1, v2 y = 0.5x + 2 (latest), all_dtypes, slow\n');
    const x: PlainTensorInput = { dtype: 'float32', shape: [3], data: new Float32Array([1, 2, 5]) };
    const call = (modelName: string, statusMode: boolean): Call => ({
      options: {
        targetAddress: server.address,
        modelName,
        inputTensorAliases: ['x'],
        inputTensors: [x],
        outputTensorAliases: ['y'],
        outputTypes: ['float32'],
      },
      inputs: [{ alias: 'x', tensor: x }],
      statusMode,
    });
    let failures = 0;
    console.log('run() half_plus_two (latest version)');
    failures += await callAndPrint(call('half_plus_two', false), '  ');
    console.log('\nrunReturningStatus() half_plus_two');
    failures += await callAndPrint(call('half_plus_two', true), '  ');
    console.log('\nrunReturningStatus() no_such_model (fails: status mode reports it, outputs are zero scalars)');
    const expectedFailure = await callAndPrint(call('no_such_model', true), '  ');
    if (expectedFailure === 0) failures += 1;
    return failures === 0 ? 0 : 1;
  } finally {
    await server.stop();
  }
}

function callFromArgs(values: Record<string, string | boolean | string[] | undefined>): Call {
  const str = (name: string): string | undefined => values[name] as string | undefined;
  const list = (name: string): string[] => (values[name] as string[] | undefined) ?? [];
  if (!str('model')) throw new UsageError('--model is required with --target');
  const inputs = list('input').map(parseInputSpec);
  const outputs = list('output').map(parseOutputSpec);
  if (outputs.length === 0) throw new UsageError('at least one --output ALIAS=DTYPE is required');
  const integer = (name: string): number | undefined => {
    const text = str(name);
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === '' || !Number.isSafeInteger(n)) throw new UsageError(`--${name}: '${text}' is not an integer`);
    return n;
  };
  if (str('version') !== undefined && str('label') !== undefined) {
    throw new UsageError('--version and --label exclude each other');
  }
  const options: RunOptions = {
    targetAddress: str('target')!,
    modelName: str('model')!,
    inputTensorAliases: inputs.map((i) => i.alias),
    inputTensors: inputs.map((i) => i.tensor),
    outputTensorAliases: outputs.map((o) => o.alias),
    outputTypes: outputs.map((o) => o.dtype),
  };
  const version = integer('version');
  const deadline = deadlineFromFlags({ deadline: str('deadline') });
  if (version !== undefined) options.modelVersion = version;
  if (deadline !== undefined) options.maxRpcDeadlineMillis = deadline;
  if (str('label') !== undefined) options.versionLabel = str('label');
  if (str('signature') !== undefined) options.signatureName = str('signature');
  return { options, inputs, statusMode: values.status === true };
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  if (argv[0] === 'serve') return serveCommand(argv.slice(1), PROGRAM);
  if (argv[0] === 'setup-tfjs-node') return setupTfjsNodeCommand(argv.slice(1), PROGRAM);
  if (argv[0] === 'fetch-libtensorflow-cc') return fetchLibtensorflowCcCommand(argv.slice(1), PROGRAM);
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        target: { type: 'string' },
        model: { type: 'string' },
        input: { type: 'string', multiple: true },
        output: { type: 'string', multiple: true },
        deadline: { type: 'string' },
        version: { type: 'string' },
        label: { type: 'string' },
        signature: { type: 'string' },
        status: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`${PROGRAM}: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.target === undefined) {
    const others = Object.keys(values).filter((k) => k !== 'target');
    if (others.length > 0) {
      console.error(`${PROGRAM}: --${others[0]} needs --target (without it, the demo runs)\n\n${USAGE}`);
      return 2;
    }
    return demo();
  }
  let call: Call;
  try {
    call = callFromArgs(values);
    return await callAndPrint(call);
  } catch (error) {
    if (error instanceof UsageError || error instanceof DeadlineFlagError || error instanceof TypeError || error instanceof RangeError) {
      console.error(`${PROGRAM}: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

if (require.main === module) {
  main().then(
    (status) => { process.exitCode = status; },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
