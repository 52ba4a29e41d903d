// The tensors of --input / --output: `ALIAS=DTYPE[SHAPE]:V1,V2,...` and `ALIAS=DTYPE`.
import { DTYPES, DType, INTEGER_RANGES, isDType } from '../dtypes';
import type { PlainTensorInput } from '../tensor';
import { toBfloat16Bits, toFloat16Bits } from './half-floats';
import { UsageError } from './usage';

export interface OutputSpec {
  alias: string;
  dtype: DType;
}

function parseDType(text: string, where: string): DType {
  if (!isDType(text))
    throw new UsageError(`${where}: unknown dtype '${text}' (one of ${Object.keys(DTYPES).join(', ')})`);
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
    if (texts.length % perElement !== 0)
      throw new UsageError(`${where}: complex values are re,im pairs; got ${texts.length} values`);
    shape = [texts.length / perElement];
  } else {
    shape =
      shapeText.trim() === ''
        ? []
        : shapeText.split(',').map((d) => {
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
