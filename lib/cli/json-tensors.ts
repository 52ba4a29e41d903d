// Tensors as JSON values, the way TF Serving's REST API writes them: nested
// arrays whose nesting is the shape. Used by the `serve` command.
import { DType, DTYPES, INTEGER_RANGES } from '../dtypes';
import { describe, PlainTensorInput, Tensor } from '../tensor';

const JSON_DTYPES: readonly DType[] = [
  'float32',
  'float64',
  'int32',
  'int64',
  'uint64',
  'uint32',
  'int16',
  'uint16',
  'int8',
  'uint8',
  'bool',
  'string',
];

function checkRange(value: number | bigint, dtype: DType, name: string): void {
  const range = INTEGER_RANGES[dtype];
  if (range && (BigInt(value) < range[0] || BigInt(value) > range[1])) {
    throw new RangeError(`${name}: ${value} is out of range for ${dtype} [${range[0]}, ${range[1]}]`);
  }
}

function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  let level = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

function flatten(value: unknown, shape: readonly number[], name: string, out: unknown[], depth = 0): void {
  if (depth === shape.length) {
    if (Array.isArray(value))
      throw new RangeError(`${name} is not rectangular: found an array where a value was expected`);
    out.push(value);
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[depth]) {
    throw new RangeError(
      `${name} is not rectangular: expected ${shape[depth]} entries at depth ${depth}, got ${describe(value)}`,
    );
  }
  for (const item of value) flatten(item, shape, name, out, depth + 1);
}

function toElement(value: unknown, dtype: DType, name: string): number | bigint | string {
  if (dtype === 'string') {
    if (typeof value !== 'string') throw new TypeError(`${name} must hold strings, got ${describe(value)}`);
    return value;
  }
  if (dtype === 'bool') {
    if (typeof value !== 'boolean') throw new TypeError(`${name} must hold true/false, got ${describe(value)}`);
    return value ? 1 : 0;
  }
  if (dtype === 'int64' || dtype === 'uint64') {
    if (
      (typeof value === 'number' && Number.isSafeInteger(value)) ||
      (typeof value === 'string' && /^-?\d+$/.test(value))
    ) {
      const big = BigInt(value);
      checkRange(big, dtype, name);
      return big;
    }
    throw new TypeError(`${name} must hold integers (or decimal strings for large ones), got ${describe(value)}`);
  }
  if (typeof value !== 'number') throw new TypeError(`${name} must hold numbers, got ${describe(value)}`);
  if (dtype !== 'float32' && dtype !== 'float64' && !Number.isInteger(value)) {
    throw new TypeError(`${name} must hold integers, got ${value}`);
  }
  checkRange(value, dtype, name);
  return value;
}

/** A JSON value (a scalar or nested arrays) as a tensor of `dtype`. Throws TypeError / RangeError naming `name`. */
export function tensorFromJson(value: unknown, dtype: DType, name: string): PlainTensorInput {
  if (!JSON_DTYPES.includes(dtype)) throw new TypeError(`${name}: dtype ${dtype} cannot be written as JSON here`);
  const shape = shapeOf(value);
  const flat: unknown[] = [];
  flatten(value, shape, name, flat);
  const elements = flat.map((v) => toElement(v, dtype, name));
  if (dtype === 'string') return { dtype, shape, data: elements as string[] };
  const ArrayType = DTYPES[dtype].arrayType!;
  return {
    dtype,
    shape,
    data: (ArrayType as unknown as { from(values: unknown[]): never }).from(elements),
  } as PlainTensorInput;
}

function elementToJson(value: unknown, dtype: DType): unknown {
  if (dtype === 'bool') return value !== 0;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return value;
}

/** A tensor as nested arrays (int64 beyond 2^53 as decimal strings; NaN and infinities become null). */
export function tensorToJson(tensor: Tensor): unknown {
  if (!JSON_DTYPES.includes(tensor.dtype)) {
    throw new TypeError(`a ${tensor.dtype} output cannot be written as JSON here`);
  }
  const flat = Array.from(tensor.data as ArrayLike<unknown>, (v) => elementToJson(v, tensor.dtype));
  const nest = (depth: number, offset: number): [unknown, number] => {
    if (depth === tensor.shape.length) return [flat[offset], offset + 1];
    const out: unknown[] = [];
    let next = offset;
    for (let i = 0; i < tensor.shape[depth]; i += 1) {
      const [item, after] = nest(depth + 1, next);
      out.push(item);
      next = after;
    }
    return [out, next];
  };
  return nest(0, 0)[0];
}
