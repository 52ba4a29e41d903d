// docs/ARCHITECTURE.md#tensors-in-javascript: JS dtype names, TensorFlow DataType numbers, typed arrays.
export type DType =
  | 'float32'
  | 'float64'
  | 'int32'
  | 'int64'
  | 'uint64'
  | 'uint32'
  | 'int16'
  | 'uint16'
  | 'int8'
  | 'uint8'
  | 'bool'
  | 'float16'
  | 'bfloat16'
  | 'complex64'
  | 'complex128'
  | 'string';

type NumericArrayConstructor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | Uint32ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor;

interface DTypeInfo {
  tfType: number;
  arrayType: NumericArrayConstructor | null; // null: strings
  valuesPerElement: number;
}

export const DTYPES: Readonly<Record<DType, DTypeInfo>> = {
  float32: { tfType: 1, arrayType: Float32Array, valuesPerElement: 1 },
  float64: { tfType: 2, arrayType: Float64Array, valuesPerElement: 1 },
  int32: { tfType: 3, arrayType: Int32Array, valuesPerElement: 1 },
  uint8: { tfType: 4, arrayType: Uint8Array, valuesPerElement: 1 },
  int16: { tfType: 5, arrayType: Int16Array, valuesPerElement: 1 },
  int8: { tfType: 6, arrayType: Int8Array, valuesPerElement: 1 },
  string: { tfType: 7, arrayType: null, valuesPerElement: 1 },
  complex64: { tfType: 8, arrayType: Float32Array, valuesPerElement: 2 },
  int64: { tfType: 9, arrayType: BigInt64Array, valuesPerElement: 1 },
  bool: { tfType: 10, arrayType: Uint8Array, valuesPerElement: 1 },
  bfloat16: { tfType: 14, arrayType: Uint16Array, valuesPerElement: 1 },
  uint16: { tfType: 17, arrayType: Uint16Array, valuesPerElement: 1 },
  complex128: { tfType: 18, arrayType: Float64Array, valuesPerElement: 2 },
  float16: { tfType: 19, arrayType: Uint16Array, valuesPerElement: 1 },
  uint32: { tfType: 22, arrayType: Uint32Array, valuesPerElement: 1 },
  uint64: { tfType: 23, arrayType: BigUint64Array, valuesPerElement: 1 },
};

/** The values of each integer dtype: [min, max]. */
export const INTEGER_RANGES: Readonly<Partial<Record<DType, readonly [bigint, bigint]>>> = {
  int8: [-(2n ** 7n), 2n ** 7n - 1n],
  uint8: [0n, 2n ** 8n - 1n],
  int16: [-(2n ** 15n), 2n ** 15n - 1n],
  uint16: [0n, 2n ** 16n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/** Every dtype, quoted, for messages: "'float32', 'float64', ...". */
export const DTYPE_LIST = (Object.keys(DTYPES) as DType[]).map((d) => `'${d}'`).join(', ');

const BY_TF_TYPE = new Map<number, DType>((Object.keys(DTYPES) as DType[]).map((name) => [DTYPES[name].tfType, name]));

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, value);
}

export function dtypeFromTfType(tfType: number): DType {
  const name = BY_TF_TYPE.get(tfType);
  if (name === undefined) throw new TypeError(`TensorFlow DataType ${tfType} has no JS dtype`);
  return name;
}

/** The JS dtype of a TensorFlow DataType, or null when it has none. */
export function dtypeOrNullFromTfType(tfType: number): DType | null {
  return BY_TF_TYPE.get(tfType) ?? null;
}
