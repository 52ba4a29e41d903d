// float16 and bfloat16 travel as raw bits: conversions from and to numbers,
// rounding to nearest even as TensorFlow does.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toBfloat16Bits(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  if (Number.isNaN(value)) return (bits >>> 16) | 0x0040; // keep it a (quiet) NaN
  if (Math.abs(f32[0]) < 2 ** -126) return (bits >>> 16) & 0x8000; // subnormals flush to ±0, as in TensorFlow
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff; // round to nearest even
}

export function fromBfloat16Bits(bits: number): number {
  u32[0] = bits << 16;
  return f32[0];
}

export function toFloat16Bits(value: number): number {
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const abs = Math.abs(value);
  if (Number.isNaN(value)) return 0x7e00;
  if (abs >= 65520) return sign | 0x7c00; // rounds to infinity
  if (abs < 2 ** -14) return sign | Math.round(abs / 2 ** -24); // subnormal (round half to even below)
  let exponent = Math.floor(Math.log2(abs));
  if (abs < 2 ** exponent) exponent -= 1; // guard against log2 rounding
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

export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

// ---------------------------------------------------------------------------
// Parsing --input / --output.
