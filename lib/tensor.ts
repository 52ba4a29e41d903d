// Tensors in JS (docs/ARCHITECTURE.md#tensors-in-javascript): validation of inputs, conversion to and
// from the addon's tensors, structural recognition of @tensorflow/tfjs tensors
// (no dependency on tfjs) and a helper that turns outputs into tfjs tensors.
import { DTYPE_LIST, DTYPES, DType, dtypeFromTfType, isDType } from './dtypes';
import type { NativeInputTensor, NativeOutputTensor } from './native';

export type NumericDType = Exclude<DType, 'string'>;

/** The `data` of an output tensor, per dtype. */
export interface TensorDataMap {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  uint32: Uint32Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  /** 0 or 1 per element. */
  bool: Uint8Array;
  /** IEEE half-precision bit patterns. */
  float16: Uint16Array;
  /** bfloat16 bit patterns (the upper half of a float32). */
  bfloat16: Uint16Array;
  /** Interleaved re, im. */
  complex64: Float32Array;
  /** Interleaved re, im. */
  complex128: Float64Array;
  /** Bytes of each element, exactly as sent. */
  string: Uint8Array[];
}

export type TypedArray = TensorDataMap[NumericDType];

/**
 * A tensor: `shape` is an array of non-negative integers and `data` holds the
 * product of `shape` elements (1 for a scalar `[]`; complex: 2 values each).
 */
export type Tensor<D extends DType = DType> = {
  [K in D]: { dtype: K; shape: number[]; data: TensorDataMap[K] };
}[D];

/** What an input tensor's `data` may be: as for outputs, and strings may be JS strings (sent UTF-8). */
export type TensorInputDataMap = Omit<TensorDataMap, 'string'> & { string: readonly (Uint8Array | string)[] };

/** The `data` of an input tensor of some dtype: a typed array, or for strings an array of Uint8Array / string. */
export type TensorInputData = TensorInputDataMap[DType];

export type PlainTensorInput<D extends DType = DType> = {
  [K in D]: { dtype: K; shape: readonly number[]; data: TensorInputDataMap[K] };
}[D];

/** The parts of a @tensorflow/tfjs tensor this package uses. */
export interface TfjsTensorLike {
  readonly dtype: string;
  readonly shape: readonly number[];
  dataSync(): unknown;
}

/** An input tensor: a plain `{ dtype, shape, data }` or a tfjs tensor. */
export type TensorInput = PlainTensorInput | TfjsTensorLike;

/**
 * A plain input tensor whose `dtype` the compiler knows only as a `string`, as
 * in an object built without a type annotation
 * (`const x = { dtype: 'float32', shape: [3], data }` gives `dtype: string`).
 * Accepted when `shape` and `data` have the types of a tensor's; whether the
 * dtype is one of {@link DType} and suits `data` is then checked when the call
 * is made (a TypeError naming the input). Annotate the object
 * (`: PlainTensorInput`, `satisfies RunOptions`) to have the compiler check it.
 */
export interface WidenedTensorInput {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: TensorInputData;
}

/** The dtypes of @tensorflow/tfjs tensors (those an input tfjs tensor may have). */
export type TfjsDType = 'float32' | 'int32' | 'bool' | 'complex64' | 'string';

/** A tfjs tensor as an input: one of the dtypes tfjs has. */
export interface TfjsTensorInput extends TfjsTensorLike {
  readonly dtype: TfjsDType;
}

/**
 * What an input tensor of type `X` must be: a tfjs tensor as it is; a plain
 * tensor with a literal dtype (`'float32'`) must carry that dtype's data (a
 * union of dtypes: the data of one of them); a dtype typed `string` is a
 * {@link WidenedTensorInput}; a string literal that names no dtype is refused.
 */
export type InputTensor<X> = X extends TfjsTensorLike
  ? X
  : X extends { readonly dtype: infer D }
    ? string extends D
      ? WidenedTensorInput
      : [D] extends [DType]
        ? { readonly dtype: D; readonly shape: readonly number[]; readonly data: TensorInputDataMap[D & DType] }
        : { readonly dtype: DType; readonly shape: readonly number[]; readonly data: TensorInputData }
    : // Also what object literals written inside a predict() call are checked against.
      PlainTensorInput | TfjsTensorInput;

/** Input tensors as run() takes them: each element checked by {@link InputTensor}. */
export type InputTensors<I extends readonly unknown[]> = { readonly [K in keyof I]: InputTensor<I[K]> };

/** A dtype name as written in `outputTypes`: a {@link DType}, or a `string` known only at run time (checked then). */
type OutputTypeOf<S> = S extends DType ? S : string extends S ? string : DType;

/**
 * `outputTypes` as run() takes them: literal dtypes (`['float32', 'int64']`),
 * `DType[]`, or `string[]` from an object built without annotation (checked
 * when the call is made). A string literal that names no dtype is refused.
 */
export type OutputTypes<O extends readonly string[]> = { readonly [K in keyof O]: OutputTypeOf<O[K]> };

/**
 * The outputs for `outputTypes` of type `O`: a tuple typed per dtype for a
 * literal tuple (`['float32', 'int64']` → `[Tensor<'float32'>, Tensor<'int64'>]`),
 * `Tensor[]` for `DType[]` or `string[]`.
 */
export type OutputTensors<O extends readonly string[]> = {
  -readonly [K in keyof O]: Tensor<O[K] extends DType ? O[K] : DType>;
};

/** tfjs dtype → dtype here (tfjs stores bool as Uint8Array, complex64 interleaved). */
const TFJS_DTYPES: Readonly<Record<string, DType>> = {
  float32: 'float32',
  int32: 'int32',
  bool: 'bool',
  string: 'string',
  complex64: 'complex64',
};

/** TensorShape::MaxDimensions() */
export const MAX_RANK = 254;

const utf8 = new TextEncoder();

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
      return String(value);
    case 'function':
      return 'a function';
    case 'symbol':
      return value.toString();
    default: {
      if (Array.isArray(value)) return 'an Array';
      const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
      return typeof name === 'string' && name !== 'Object' ? name : 'an object';
    }
  }
}

/** The typed-array class of a value ('Float32Array', ...; a Buffer is a 'Uint8Array'), or undefined. */
function typedArrayKind(value: unknown): string | undefined {
  if (!ArrayBuffer.isView(value)) return undefined;
  return (value as unknown as { [Symbol.toStringTag]?: string })[Symbol.toStringTag];
}

/** True for objects shaped like a @tensorflow/tfjs tensor. */
export function isTfjsTensor(value: unknown): value is TfjsTensorLike {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<TfjsTensorLike>;
  return typeof v.dataSync === 'function' && typeof v.dtype === 'string' && Array.isArray(v.shape);
}

/** Validates the shape of tensor `name`: an array of non-negative integers. Returns a copy. */
function checkShape(shape: unknown, name: string): number[] {
  if (!Array.isArray(shape)) {
    throw new TypeError(`${name}.shape must be an array of non-negative integers, got ${describe(shape)}`);
  }
  const copy: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const dim: unknown = shape[i];
    if (typeof dim !== 'number') {
      throw new TypeError(`${name}.shape[${i}] must be a non-negative integer, got ${describe(dim)}`);
    }
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new RangeError(`${name}.shape[${i}] must be a non-negative integer, got ${describe(dim)}`);
    }
    copy.push(dim + 0); // no -0
  }
  return copy;
}

export function elementCount(shape: readonly number[]): number {
  let product = 1;
  for (const dim of shape) product *= dim;
  return product;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function checkValueCount(length: number, dtype: DType, shape: readonly number[], name: string): void {
  const elements = elementCount(shape);
  const perElement = DTYPES[dtype].valuesPerElement;
  if (length === elements * perElement) return;
  const expected =
    perElement === 1
      ? `${elements} element${elements === 1 ? '' : 's'}`
      : `${elements} ${dtype} element${elements === 1 ? '' : 's'} (${elements * perElement} values, re and im interleaved)`;
  throw new RangeError(
    `${name}.data has ${length} value${length === 1 ? '' : 's'}, but shape ${shapeText(shape)} holds ${expected}`,
  );
}

function checkNumericData(data: unknown, dtype: NumericDType, shape: readonly number[], name: string): TypedArray {
  const expected = DTYPES[dtype].arrayType!.name;
  if (typedArrayKind(data) !== expected) {
    throw new TypeError(`${name}.data must be a ${expected} for dtype '${dtype}', got ${describe(data)}`);
  }
  const array = data as TypedArray;
  checkValueCount(array.length, dtype, shape, name);
  if (dtype === 'bool') {
    const bytes = array as Uint8Array;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] > 1) throw new RangeError(`${name}.data[${i}] must be 0 or 1 for dtype 'bool', got ${bytes[i]}`);
    }
  }
  return array;
}

function checkStringData(data: unknown, shape: readonly number[], name: string): Uint8Array[] {
  if (!Array.isArray(data)) {
    throw new TypeError(
      `${name}.data must be an array of Uint8Array or string for dtype 'string', got ${describe(data)}`,
    );
  }
  const bytes = data.map((element: unknown, i) => {
    if (typeof element === 'string') return utf8.encode(element);
    if (typedArrayKind(element) === 'Uint8Array') return element as Uint8Array;
    throw new TypeError(
      `${name}.data[${i}] must be a Uint8Array or string for dtype 'string', got ${describe(element)}`,
    );
  });
  checkValueCount(bytes.length, 'string', shape, name);
  return bytes;
}

/** Reads a tfjs tensor into a plain input tensor (no validation beyond the dtype). */
function fromTfjs(tensor: TfjsTensorLike, name: string): { dtype: DType; shape: unknown; data: unknown } {
  const dtype = TFJS_DTYPES[tensor.dtype];
  if (dtype === undefined) {
    throw new TypeError(
      `${name} is a tfjs tensor of dtype ${describe(tensor.dtype)}; supported tfjs dtypes are ${Object.keys(TFJS_DTYPES).join(', ')}`,
    );
  }
  let data: unknown;
  try {
    data = tensor.dataSync();
  } catch (cause) {
    throw new TypeError(`${name} is a tfjs tensor whose values cannot be read: ${(cause as Error).message}`, { cause });
  }
  return { dtype, shape: Array.from(tensor.shape), data };
}

/**
 * Validates one input tensor (`name` is how errors refer to it, e.g. `inputTensors[2]`)
 * and converts it to the addon's form. Throws TypeError / RangeError naming the argument.
 */
export function toNativeInput(value: unknown, name: string): NativeInputTensor {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`${name} must be a tensor { dtype, shape, data } or a tfjs tensor, got ${describe(value)}`);
  }
  const plain = isTfjsTensor(value)
    ? fromTfjs(value, name)
    : (value as { dtype?: unknown; shape?: unknown; data?: unknown });
  const { dtype } = plain;
  if (!isDType(dtype)) throw new TypeError(`${name}.dtype must be one of ${DTYPE_LIST}, got ${describe(dtype)}`);
  const shape = checkShape(plain.shape, name);
  if (shape.length > MAX_RANK) {
    throw new TypeError(`${name}.shape has ${shape.length} dimensions; a TensorFlow tensor has at most ${MAX_RANK}`);
  }
  const data =
    dtype === 'string' ? checkStringData(plain.data, shape, name) : checkNumericData(plain.data, dtype, shape, name);
  return { dtype: DTYPES[dtype].tfType, shape, data };
}

/** An output tensor over the addon's buffer (no copy). */
export function fromNativeOutput(output: NativeOutputTensor): Tensor {
  return outputTensor(output.dtype, Array.from(output.shape), output.data);
}

/**
 * An output tensor from its DataType, shape and data as the addon gives them:
 * `bytes` whole, or a copy of `byteLength` bytes from `byteOffset` (a multiple
 * of the dtype's element size).
 */
export function outputTensor(
  tfType: number,
  shape: number[],
  bytes: NativeOutputTensor['data'],
  byteOffset = 0,
  byteLength?: number,
): Tensor {
  const dtype = dtypeFromTfType(tfType);
  if (dtype === 'string') {
    if (!Array.isArray(bytes)) throw new TypeError('native addon returned a string tensor without an array of bytes');
    return { dtype, shape, data: bytes };
  }
  if (!(bytes instanceof ArrayBuffer)) {
    throw new TypeError(`native addon returned a ${dtype} tensor whose data is not an ArrayBuffer`);
  }
  const ArrayType = DTYPES[dtype].arrayType!;
  const data =
    byteLength === undefined
      ? new ArrayType(bytes)
      : new ArrayType(bytes, byteOffset, byteLength / ArrayType.BYTES_PER_ELEMENT).slice();
  checkValueCount(data.length, dtype, shape, 'native output');
  return { dtype, shape, data } as Tensor;
}

/** A scalar of the dtype holding zero (an empty string for 'string'), as the addon would return it. */
export function zeroScalarNativeOutput(dtype: DType): NativeOutputTensor {
  const { tfType, arrayType, valuesPerElement } = DTYPES[dtype];
  return {
    dtype: tfType,
    shape: [],
    data: arrayType === null ? [new Uint8Array(0)] : new ArrayBuffer(arrayType.BYTES_PER_ELEMENT * valuesPerElement),
  };
}

/**
 * The parts of the @tensorflow/tfjs (or tfjs-node) module `toTfjs` uses; the
 * module itself (`import * as tf from '@tensorflow/tfjs'`) is one. When it
 * also has `tidy()`, the intermediate tensors of a complex64 conversion are
 * released through it.
 */
export interface TfjsModule {
  tensor(values: unknown, shape?: number[], dtype?: string): unknown;
  complex(real: unknown, imag: unknown): unknown;
}

/** The tensor type of a tfjs module: what its `tensor()` returns (`tf.Tensor` for @tensorflow/tfjs). */
export type TfjsTensorOf<M extends TfjsModule> = ReturnType<M['tensor']>;

/**
 * Turns a tensor into a tfjs tensor, given your tfjs module:
 * `const t = toTfjs(outputs[0], tf)` is a `tf.Tensor` (the type of
 * `tf.tensor()`'s result). tfjs has float32, int32, bool, string and
 * complex64; other dtypes are a TypeError (convert their data yourself).
 */
export function toTfjs<M extends TfjsModule>(tensor: Tensor, tf: M): TfjsTensorOf<M>;
/**
 * @deprecated Leave out the type argument: `toTfjs(tensor, tf)` infers the
 * tensor type from the module. This form returns whatever `T` is said to be.
 */
export function toTfjs<T>(tensor: Tensor, tf: TfjsModule): T;
export function toTfjs(tensor: Tensor, tf: TfjsModule): unknown {
  if (typeof tf !== 'object' || tf === null || typeof tf.tensor !== 'function') {
    throw new TypeError(`toTfjs: tf must be the @tensorflow/tfjs module, got ${describe(tf)}`);
  }
  if (typeof tensor !== 'object' || tensor === null || !isDType(tensor.dtype)) {
    throw new TypeError(`toTfjs: tensor must be a tensor { dtype, shape, data }, got ${describe(tensor)}`);
  }
  const shape = Array.from(tensor.shape);
  switch (tensor.dtype) {
    case 'float32':
    case 'int32':
    case 'bool':
    case 'string':
      return tf.tensor(tensor.data, shape, tensor.dtype);
    case 'complex64': {
      if (typeof tf.complex !== 'function') throw new TypeError('toTfjs: tf.complex is not a function');
      const values = tensor.data;
      const real = new Float32Array(values.length / 2);
      const imag = new Float32Array(values.length / 2);
      for (let i = 0; i < real.length; i++) {
        real[i] = values[2 * i];
        imag[i] = values[2 * i + 1];
      }
      const make = (): unknown => tf.complex(tf.tensor(real, shape, 'float32'), tf.tensor(imag, shape, 'float32'));
      // tidy() disposes the real and imaginary parts (complex() keeps its own references).
      const { tidy } = tf as { tidy?: unknown };
      return typeof tidy === 'function' ? (tidy as (fn: () => unknown) => unknown).call(tf, make) : make();
    }
    default:
      throw new TypeError(
        `toTfjs: tfjs has no dtype '${tensor.dtype}' (it has float32, int32, bool, string and complex64); ` +
          `convert tensor.data (a ${typedArrayKind(tensor.data)}) yourself`,
      );
  }
}
