// Tensors printed for people: `y: float32[3] = [1.5, 2, 3.5]`.
import type { PlainTensorInput, Tensor } from '../tensor';
import { fromBfloat16Bits, fromFloat16Bits } from './half-floats';

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
    case 'string':
      return tensor.data.map(formatBytes);
    case 'bool':
      return Array.from(tensor.data, (v) => (v ? 'true' : 'false'));
    case 'float32':
      return Array.from(tensor.data, formatFloat32);
    case 'float16':
      return Array.from(tensor.data, (b) => String(fromFloat16Bits(b)));
    case 'bfloat16':
      return Array.from(tensor.data, (b) => String(fromBfloat16Bits(b)));
    case 'complex64':
    case 'complex128': {
      const format = tensor.dtype === 'complex64' ? formatFloat32 : String;
      const out: string[] = [];
      for (let i = 0; i < tensor.data.length; i += 2)
        out.push(formatComplex(format(tensor.data[i]), format(tensor.data[i + 1])));
      return out;
    }
    default:
      return Array.from(tensor.data as ArrayLike<number | bigint>, String);
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

export function formatInput(alias: string, tensor: PlainTensorInput): string {
  const data =
    tensor.dtype === 'string'
      ? tensor.data.map((s) => (typeof s === 'string' ? new TextEncoder().encode(s) : s))
      : tensor.data;
  return formatTensor(alias, { ...tensor, shape: Array.from(tensor.shape), data } as Tensor);
}
