'use strict';
// The cases of test/hostile_responses.test.js: a seeded PRNG, PredictResponse encoders,
// the random case generator and the check of an outcome against its case.
//
// HOSTILE_SEED=<n> picks another seed (the default is fixed, so runs are repeatable);
// HOSTILE_CASES=<n> the number of random cases (default 4,000: 2,000 warm-up; `npm run test:stress` runs
// 14,000: 4,000 warm-up + 10,000 measured); HOSTILE_CASE=<i> runs only random case i.
const v8 = require('node:v8');
const vm = require('node:vm');

const { RemotePredictError, StatusCode } = require('../..');
const { pb } = require('./hostile_server');

const SEED = Number(process.env.HOSTILE_SEED || 0x5eed1e55) >>> 0;
const TOTAL = Number(process.env.HOSTILE_CASES || 4000);
// RSS is compared from the end of the warm-up on: half the run, at most 4,000 cases.
const WARMUP = Math.min(4000, Math.max(1000, Math.floor(TOTAL / 2000) * 1000));
const ONLY = process.env.HOSTILE_CASE === undefined ? null : Number(process.env.HOSTILE_CASE);
const CONCURRENCY = 256;
const DEADLINE_MS = 15000; // far beyond any answer: a DEADLINE_EXCEEDED means a call hung

// A full V8 collection on demand, without --expose-gc on the command line.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

// ---------------------------------------------------------------------------
// Seeded PRNG (sfc32).

class Rng {
  constructor(seed) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.u32();
  }

  u32() {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  float() {
    return this.u32() / 4294967296;
  }
  int(n) {
    return Math.floor(this.float() * n);
  }
  range(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }
  chance(p) {
    return this.float() < p;
  }
  pick(list) {
    return list[this.int(list.length)];
  }
  bytes(n) {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
  weighted(table) {
    const total = table.reduce((s, [w]) => s + w, 0);
    let x = this.float() * total;
    for (const [w, v] of table) {
      if ((x -= w) < 0) return v;
    }
    return table[table.length - 1][1];
  }
}

// ---------------------------------------------------------------------------
// Dtypes: TF enum, element size, JS typed array, and how typed fields carry values.

const fixed32 = (Array) => (values) => Buffer.from(new Array(values).buffer);
const fixed64 = fixed32;
const DTYPES = {
  float32: {
    e: 1,
    size: 4,
    Array: Float32Array,
    field: 5,
    wire: 'fixed',
    pack: fixed32(Float32Array),
    rand: (r) => r.range(-1e6, 1e6) / 8,
  },
  float64: {
    e: 2,
    size: 8,
    Array: Float64Array,
    field: 6,
    wire: 'fixed',
    pack: fixed64(Float64Array),
    rand: (r) => r.range(-1e9, 1e9) / 16,
  },
  int32: { e: 3, size: 4, Array: Int32Array, field: 7, wire: 'varint', rand: (r) => r.u32() | 0 },
  uint8: { e: 4, size: 1, Array: Uint8Array, field: 7, wire: 'varint', rand: (r) => r.int(256) },
  int16: { e: 5, size: 2, Array: Int16Array, field: 7, wire: 'varint', rand: (r) => r.range(-32768, 32767) },
  int8: { e: 6, size: 1, Array: Int8Array, field: 7, wire: 'varint', rand: (r) => r.range(-128, 127) },
  string: { e: 7, size: 24, field: 8 },
  complex64: {
    e: 8,
    size: 8,
    Array: Float32Array,
    field: 9,
    wire: 'fixed',
    pack: fixed32(Float32Array),
    pair: true,
    rand: (r) => r.range(-1e6, 1e6) / 4,
  },
  int64: {
    e: 9,
    size: 8,
    Array: BigInt64Array,
    field: 10,
    wire: 'varint',
    rand: (r) => BigInt.asIntN(64, (BigInt(r.u32()) << 32n) | BigInt(r.u32())),
  },
  bool: { e: 10, size: 1, Array: Uint8Array, field: 11, wire: 'varint', rand: (r) => r.int(2) },
  bfloat16: { e: 14, size: 2, Array: Uint16Array, field: 13, wire: 'varint', rand: (r) => r.int(65536) },
  uint16: { e: 17, size: 2, Array: Uint16Array, field: 7, wire: 'varint', rand: (r) => r.int(65536) },
  complex128: {
    e: 18,
    size: 16,
    Array: Float64Array,
    field: 12,
    wire: 'fixed',
    pack: fixed64(Float64Array),
    pair: true,
    rand: (r) => r.range(-1e9, 1e9) / 4,
  },
  float16: { e: 19, size: 2, Array: Uint16Array, field: 13, wire: 'varint', rand: (r) => r.int(65536) },
  uint32: { e: 22, size: 4, Array: Uint32Array, field: 16, wire: 'varint', rand: (r) => r.u32() },
  uint64: {
    e: 23,
    size: 8,
    Array: BigUint64Array,
    field: 17,
    wire: 'varint',
    rand: (r) => (BigInt(r.u32()) << 32n) | BigInt(r.u32()),
  },
};
const DTYPE_NAMES = Object.keys(DTYPES);
const ALIAS_POOL = ['y', 'z', 'scores', 'classes', 'out_1', 'output/0', 'ü', 'a'.repeat(40), 'x y', '0'];

// ---------------------------------------------------------------------------
// Encoding a PredictResponse from a description.

const { varint, key, fieldVarint, fieldBytes } = pb;
const concat = (parts) => Buffer.concat(parts.filter(Boolean));

function encodeTypedValues(dt, values, packed) {
  const scalars = dt.pair ? values : values; // complex values are already re, im pairs
  if (dt.wire === 'fixed') {
    const bytes = dt.pack(scalars);
    if (packed) return fieldBytes(dt.field, bytes);
    const width = dt.Array.BYTES_PER_ELEMENT;
    const parts = [];
    for (let i = 0; i < scalars.length; i++)
      parts.push(key(dt.field, width === 4 ? 5 : 1), bytes.subarray(i * width, (i + 1) * width));
    return concat(parts);
  }
  if (packed) return fieldBytes(dt.field, concat(scalars.map((v) => varint(v))));
  return concat(scalars.map((v) => fieldVarint(dt.field, v)));
}

/**
 * t: { dtypeEnum, dims: [number|bigint], unknownRank, dimName, content: Buffer|null,
 *      typed: { values, packed } | null, strings: [Buffer] | null, extra: [Buffer] }
 */
function encodeTensor(t) {
  const dims = t.dims.map((d) =>
    fieldBytes(2, concat([fieldVarint(1, d), t.dimName ? fieldBytes(2, t.dimName) : null])),
  );
  const shape = concat([...dims, t.unknownRank ? fieldVarint(3, 1) : null]);
  const dt = DTYPES[t.dtypeName];
  return concat([
    t.dtypeEnum === 0 ? null : fieldVarint(1, t.dtypeEnum),
    t.omitShape ? null : fieldBytes(2, shape),
    t.content ? fieldBytes(4, t.content) : null,
    t.typed ? encodeTypedValues(dt, t.typed.values, t.typed.packed) : null,
    t.strings ? concat(t.strings.map((s) => fieldBytes(8, s))) : null,
    ...(t.extra || []),
  ]);
}

/** @param {{ keyBytes?: Buffer, valueBytes?: Buffer, omitKey?: boolean, omitValue?: boolean, extra?: Buffer[] }} entry */
function encodeEntry({ keyBytes, valueBytes, omitKey, omitValue, extra }) {
  return fieldBytes(
    1,
    concat([omitKey ? null : fieldBytes(1, keyBytes), omitValue ? null : fieldBytes(2, valueBytes), ...(extra || [])]),
  );
}

const f32bytes = (...v) => Buffer.from(new Float32Array(v).buffer);
/** A float32 [3] TensorProto unless overridden. */
const tensor = (t) => encodeTensor({ dtypeName: 'float32', dtypeEnum: 1, dims: [3], extra: [], ...t });
const entry = (alias, valueBytes) => encodeEntry({ keyBytes: Buffer.from(alias), valueBytes });
const MODEL_SPEC = fieldBytes(
  2,
  concat([fieldBytes(1, 'hostile'), fieldBytes(2, fieldVarint(1, 7)), fieldBytes(3, 'serving_default')]),
);

// ---------------------------------------------------------------------------
// Expected tensors (TF's Tensor::FromProto rules for typed fields: missing values repeat
// the last one, or are zeros when there are none; surplus values are ignored).

function elementCount(dims) {
  return dims.reduce((n, d) => n * Number(d), 1);
}

function expectedTensor(o) {
  const dt = DTYPES[o.dtypeName];
  const n = elementCount(o.dims);
  const shape = o.dims.map(Number);
  if (o.dtypeName === 'string') {
    const given = o.strings;
    const out = [];
    for (let i = 0; i < n; i++) out.push(given.length === 0 ? Buffer.alloc(0) : given[Math.min(i, given.length - 1)]);
    return { dtype: 'string', shape, strings: out };
  }
  if (o.content) return { dtype: o.dtypeName, shape, bytes: o.content };
  const per = dt.pair ? 2 : 1;
  const values = o.typed.values;
  const m = Math.floor(values.length / per);
  const out = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < per; j++)
      out.push(
        m === 0
          ? dt.Array === BigInt64Array || dt.Array === BigUint64Array
            ? 0n
            : 0
          : values[Math.min(i, m - 1) * per + j],
      );
  }
  return { dtype: o.dtypeName, shape, bytes: Buffer.from(new dt.Array(out).buffer) };
}

// ---------------------------------------------------------------------------
// Random cases.

function randomOutput(r, alias) {
  const dtypeName = r.pick(DTYPE_NAMES);
  const dt = DTYPES[dtypeName];
  const rank = r.weighted([
    [2, 0],
    [4, 1],
    [3, 2],
    [1, 3],
  ]);
  const dims = Array.from({ length: rank }, () =>
    r.weighted([
      [1, 0],
      [6, 1],
      [6, 2],
      [6, 3],
      [3, 4],
      [2, 7],
    ]),
  );
  const n = elementCount(dims);
  const o = {
    alias,
    keyBytes: Buffer.from(alias),
    dtypeName,
    dtypeEnum: dt.e,
    dims,
    content: null,
    typed: null,
    strings: null,
    extra: [],
  };
  if (dtypeName === 'string') {
    o.strings = Array.from({ length: n }, () => (r.chance(0.2) ? Buffer.alloc(0) : r.bytes(r.range(1, 24))));
  } else if (r.chance(0.55)) {
    o.content = dtypeName === 'bool' ? Buffer.from(Array.from({ length: n }, () => r.int(2))) : r.bytes(n * dt.size);
  } else {
    const count = n * (dt.pair ? 2 : 1);
    o.typed = { values: Array.from({ length: count }, () => dt.rand(r)), packed: r.chance(0.8) };
    if (n === 0) o.typed.values = [];
  }
  return o;
}

const ABSURD_LENGTHS = [
  2n ** 63n,
  2n ** 63n + 5n,
  2n ** 64n - 1n,
  2n ** 32n,
  2n ** 31n,
  2n ** 31n - 1n,
  0xffffffffn,
  2n ** 40n,
];

/** Byte-level mutations of an encoded body: nothing is known about the outcome. */
function mutateBytes(r, body) {
  const kind = r.pick([
    'truncate',
    'flip',
    'overwrite',
    'insert',
    'delete',
    'duplicate',
    'absurdLength',
    'absurdPrefix',
    'splice',
    'random',
  ]);
  const at = () => r.int(body.length + 1);
  switch (kind) {
    case 'truncate':
      return [kind, body.subarray(0, r.int(Math.max(body.length, 1)))];
    case 'flip': {
      const b = Buffer.from(body);
      for (let i = r.range(1, 8); i > 0 && b.length; i--) b[r.int(b.length)] ^= 1 << r.int(8);
      return [kind, b];
    }
    case 'overwrite': {
      const b = Buffer.from(body);
      for (let i = r.range(1, 6); i > 0 && b.length; i--)
        b[r.int(b.length)] = r.pick([0, 0x7f, 0x80, 0xff, r.int(256)]);
      return [kind, b];
    }
    case 'insert': {
      const p = at();
      return [kind, concat([body.subarray(0, p), r.bytes(r.range(1, 16)), body.subarray(p)])];
    }
    case 'delete': {
      const p = at();
      return [kind, concat([body.subarray(0, p), body.subarray(p + r.range(1, 16))])];
    }
    case 'duplicate': {
      const p = at();
      const q = Math.min(body.length, p + r.range(1, 64));
      return [kind, concat([body.subarray(0, q), body.subarray(p, q), body.subarray(q)])];
    }
    case 'absurdLength': {
      // A length-delimited field with an absurd length somewhere in the body.
      const p = at();
      return [
        kind,
        concat([body.subarray(0, p), key(r.pick([1, 2, 4, 8]), 2), varint(r.pick(ABSURD_LENGTHS)), body.subarray(p)]),
      ];
    }
    case 'absurdPrefix':
      // The first outputs entry's own length replaced by an absurd one.
      return [kind, concat([key(1, 2), varint(r.pick(ABSURD_LENGTHS)), body.subarray(Math.min(body.length, 2))])];
    case 'splice': {
      const p = at();
      return [kind, concat([body.subarray(0, p), varint(r.pick([...ABSURD_LENGTHS, -1n, 0n]))])];
    }
    default:
      return [kind, r.bytes(r.int(200))];
  }
}

/**
 * One random case: { label, spec, body, aliases, types, expect } where expect is
 * { kind: 'ok', outputs } | { kind: 'error', code?, details? } | { kind: 'any' }.
 */
function makeCase(index) {
  const r = new Rng((SEED ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const labels = [];
  const nOut = r.weighted([
    [5, 1],
    [3, 2],
    [2, 3],
  ]);
  const names = [];
  while (names.length < nOut) {
    const a = r.pick(ALIAS_POOL);
    if (!names.includes(a)) names.push(a);
  }
  const outputs = names.map((a) => randomOutput(r, a));
  const nReq = Math.min(
    nOut,
    r.weighted([
      [3, 1],
      [1, 2],
    ]),
  );
  const requested = [...outputs].sort(() => r.float() - 0.5).slice(0, nReq);
  const aliases = requested.map((o) => o.alias);
  const types = requested.map((o) => o.dtypeName);
  const extraEntries = []; // entries before (shadowed) or besides the outputs
  const topExtra = [];
  let invalid = false; // the decoder must refuse the response
  let uncertain = false;
  const missing = new Set();
  const mutated = new Set();

  const family = r.weighted([
    [12, 'valid'],
    [40, 'structural'],
    [33, 'bytes'],
    [15, 'transport'],
  ]);
  if (family === 'structural' || (family === 'bytes' && r.chance(0.3))) {
    for (let m = r.range(1, 2); m > 0; m--) {
      const o = r.pick(outputs);
      if (mutated.has(o)) uncertain = true; // a second mutation may undo the first
      mutated.add(o);
      const kind = r.pick([
        'dtypeUnsupported',
        'dtypeOther',
        'contentLength',
        'negativeDim',
        'hugeDim',
        'overflowDims',
        'tooManyDims',
        'unknownRank',
        'dimName',
        'typedCount',
        'fill',
        'stringHugeCount',
        'stringContent',
        'shadowEntry',
        'entryNoValue',
        'entryNoKey',
        'unknownFields',
        'keyNotUtf8',
        'missingAlias',
        'wrongType',
        'noShape',
        'emptyTensor',
        'amplify',
      ]);
      labels.push(kind);
      switch (kind) {
        case 'dtypeUnsupported':
          o.dtypeEnum = r.pick([0, 20, 21, 101, 107, 1000, -1, 2 ** 31 - 1, -(2 ** 31)]);
          invalid = true;
          break;
        case 'dtypeOther':
          o.dtypeEnum = r.pick([...DTYPE_NAMES.map((d) => DTYPES[d].e), 11, 12, 13, 15, 16, 24, 25, 29, 30]);
          uncertain = true;
          break;
        case 'contentLength': {
          if (o.dtypeName === 'string') {
            o.content = r.bytes(r.range(1, 9));
            o.strings = null;
            uncertain = true;
            break;
          }
          const want = elementCount(o.dims) * DTYPES[o.dtypeName].size;
          let len = r.chance(0.5) ? Math.max(0, want - r.range(1, 9)) : want + r.range(1, 9);
          if (!(want >= 0 && want < 1e6)) len = r.range(1, 9); // an earlier mutation made the shape huge or negative
          if (len === 0) len = want + 1; // empty content would mean "use the typed fields"
          o.content = r.bytes(len);
          o.typed = null;
          invalid = true;
          break;
        }
        case 'negativeDim':
          o.dims = [...o.dims, r.pick([-1, -5, -(2 ** 31), -(2n ** 63n)])].sort(() => r.float() - 0.5);
          invalid = true;
          break;
        case 'hugeDim':
          o.dims = o.dims.map((d) => (d === 0 ? 1 : d));
          o.dims.splice(r.int(o.dims.length + 1), 0, r.pick([2 ** 34, 2 ** 40, 2n ** 62n, 2n ** 63n - 1n]));
          invalid = true;
          break;
        case 'overflowDims':
          o.dims = Array.from({ length: r.range(7, 12) }, () => 2 ** r.range(10, 20));
          invalid = true;
          break;
        case 'tooManyDims':
          o.dims = Array.from({ length: r.range(255, 400) }, () => 1);
          invalid = true;
          break;
        case 'unknownRank':
          o.unknownRank = true;
          uncertain = true;
          break;
        case 'dimName':
          if (o.dims.length === 0) {
            o.dims = [1];
            uncertain = true;
          }
          if (r.chance(0.8)) {
            o.dimName = Buffer.from(r.pick(['batch', 'ü', 'x'.repeat(100)]));
          } else {
            o.dimName = Buffer.from([0xff, 0xfe]);
            invalid = true;
          }
          break;
        case 'typedCount':
          if (o.typed) {
            const per = DTYPES[o.dtypeName].pair ? 2 : 1;
            if (r.chance(0.5))
              o.typed.values = o.typed.values.slice(0, per * r.int(Math.floor(o.typed.values.length / per) + 1));
            else for (let k = r.range(1, 5) * per; k > 0; k--) o.typed.values.push(DTYPES[o.dtypeName].rand(r));
          } else if (o.strings) {
            if (r.chance(0.5)) o.strings = o.strings.slice(0, r.int(o.strings.length + 1));
            else o.strings.push(...Array.from({ length: r.range(1, 5) }, () => r.bytes(r.range(0, 8))));
          }
          break;
        case 'fill':
          // Few values, many elements (at most 2^14: within what a response may decode to).
          o.dims = [r.pick([256, 1000, 2048]), r.pick([1, 3, 8])];
          o.content = null;
          if (o.dtypeName === 'string') o.strings = [r.bytes(r.range(0, 5))];
          else
            o.typed = {
              values: Array.from({ length: DTYPES[o.dtypeName].pair ? 2 : r.int(2) }, () =>
                DTYPES[o.dtypeName].rand(r),
              ),
              packed: true,
            };
          break;
        case 'stringHugeCount':
          o.dtypeName = 'string';
          o.dtypeEnum = 7;
          o.content = null;
          o.typed = null;
          o.strings = [Buffer.from('a'), Buffer.from('bc')];
          o.dims = [r.pick([2 ** 31, 2 ** 36, 2n ** 62n])]; // × 24-byte tstrings: over the decoder's 8 GiB cap
          if (types[aliases.indexOf(o.alias)] !== undefined) types[aliases.indexOf(o.alias)] = 'string';
          invalid = true;
          break;
        case 'stringContent':
          o.dtypeName = 'string';
          o.dtypeEnum = 7;
          o.typed = null;
          o.strings = null;
          o.content = r.bytes(r.range(1, 30));
          if (aliases.includes(o.alias)) types[aliases.indexOf(o.alias)] = 'string';
          uncertain = true;
          break;
        case 'shadowEntry':
          // An earlier entry with the same key: protobuf keeps the last, so even garbage there is harmless.
          extraEntries.push(
            encodeEntry({
              keyBytes: o.keyBytes,
              valueBytes: r.chance(0.5) ? r.bytes(r.range(0, 40)) : encodeTensor(randomOutput(r, o.alias)),
            }),
          );
          break;
        case 'entryNoValue':
          extraEntries.push(encodeEntry({ keyBytes: Buffer.from('novalue'), omitValue: true }));
          invalid = true;
          break;
        case 'entryNoKey':
          extraEntries.push(encodeEntry({ omitKey: true, valueBytes: encodeTensor(randomOutput(r, '')) }));
          break;
        case 'unknownFields':
          o.extra.push(fieldVarint(r.range(60, 2000), r.u32()), fieldBytes(r.range(60, 2000), r.bytes(r.range(0, 10))));
          topExtra.push(
            r.pick([
              fieldVarint(r.range(3, 99), r.u32()),
              fieldBytes(r.range(3, 99), r.bytes(5)),
              concat([key(r.range(3, 99), 5), r.bytes(4)]),
              concat([key(r.range(3, 99), 1), r.bytes(8)]),
              MODEL_SPEC,
            ]),
          );
          break;
        case 'keyNotUtf8':
          extraEntries.push(
            encodeEntry({ keyBytes: Buffer.from([0xc3, 0x28, 0xff]), valueBytes: encodeTensor(randomOutput(r, 'k')) }),
          );
          break;
        case 'missingAlias': {
          const a = `missing_${r.int(3)}`;
          if (!aliases.includes(a)) {
            aliases.push(a);
            types.push(r.pick(DTYPE_NAMES));
            missing.add(a);
          }
          break;
        }
        case 'wrongType': {
          const i = r.int(types.length);
          types[i] = r.pick(DTYPE_NAMES.filter((d) => d !== types[i]));
          break;
        }
        case 'noShape':
          o.omitShape = true;
          uncertain = true;
          break;
        case 'amplify':
          // A fill far over what the response may decode to (64 MiB for these small bodies):
          // refused before anything is allocated.
          o.dims = [2 ** r.range(27, 31), r.pick([1, 2, 4])];
          o.content = null;
          if (o.dtypeName === 'string') o.strings = [r.bytes(r.range(0, 3))];
          else
            o.typed = {
              values: Array.from({ length: DTYPES[o.dtypeName].pair ? 2 : r.int(2) }, () =>
                DTYPES[o.dtypeName].rand(r),
              ),
              packed: true,
            };
          invalid = true; // at least 2^27 bytes from a body of a few hundred
          // (Fills the budget allows, up to 64 MiB each, are left out: TF's BFC allocator keeps
          // its pool at the peak, so at 256 in flight they would show up as RSS growth.)
          break;
        case 'emptyTensor':
          o.dtypeEnum = 0;
          o.dims = [];
          o.content = null;
          o.typed = null;
          o.strings = null;
          invalid = true;
          break;
        default:
          break;
      }
    }
  }

  // Keep at most two requested outputs so the kernel cache (one kernel per output_types list)
  // stays bounded and is fully warmed up; mutations above may have added a third.
  while (aliases.length > 2) {
    const a = aliases.pop();
    types.pop();
    missing.delete(a);
  }

  const entries = outputs.map((o) =>
    encodeEntry({ keyBytes: o.keyBytes, valueBytes: encodeTensor(o), extra: o.entryExtra }),
  );
  const parts = [...extraEntries, ...entries];
  if (r.chance(0.3)) parts.push(MODEL_SPEC);
  parts.push(...topExtra);
  let body = concat(parts.sort(() => (r.chance(0.2) ? r.float() - 0.5 : 0)));
  // Shadowed entries must precede the entry they shadow.
  if (extraEntries.length) body = concat([...extraEntries, ...entries, ...topExtra]);

  if (family === 'bytes') {
    for (
      let m = r.weighted([
        [6, 1],
        [3, 2],
        [1, 3],
      ]);
      m > 0;
      m--
    ) {
      const [kind, changed] = mutateBytes(r, body);
      labels.push(kind);
      body = changed;
    }
    uncertain = true;
  }

  let expect;
  if (uncertain) {
    expect = { kind: 'any' };
  } else if (invalid) {
    expect = { kind: 'error', code: StatusCode.INVALID_ARGUMENT };
  } else {
    expect = { kind: 'ok', outputs: [] };
    for (let i = 0; i < aliases.length; i++) {
      const o = outputs.find((x) => x.alias === aliases[i]);
      if (!o || missing.has(aliases[i])) {
        expect = {
          kind: 'error',
          code: StatusCode.INTERNAL,
          details: new RegExp(`no output named '${escape(aliases[i])}'`),
        };
        break;
      }
      const e = expectedTensor(o);
      if (o.dtypeEnum !== DTYPES[types[i]].e) {
        expect = {
          kind: 'error',
          code: StatusCode.INVALID_ARGUMENT,
          details: /in the PredictResponse, but output_types/,
        };
        break;
      }
      expect.outputs.push(e);
    }
  }

  let spec = {};
  if (family === 'transport') {
    // The body is the valid one: a call that resolves anyway must give exactly its outputs.
    const ifOk = expect.kind === 'ok' ? expect.outputs : undefined;
    const anyError = { kind: 'any-error' };
    const anyOutcome = { kind: 'any', ifOk };
    const t = r.pick([
      'status',
      'status',
      'statusNoMessage',
      'oddStatus',
      'trailersOnly',
      'trailersOnlyOk',
      'noMessage',
      'declaredLonger',
      'compressed',
      'chunked',
      'shortHeader',
      'http',
      'contentType',
      'noTrailers',
      'rst',
      'rstBeforeHeaders',
      'longMessage',
    ]);
    labels.push(t);
    switch (t) {
      case 'status':
      case 'trailersOnly': {
        const code = r.range(1, 16);
        const message = r.pick([
          '',
          'boom',
          'héllo ✓ 🚀',
          'a\u0000b',
          '%',
          'x'.repeat(r.range(100, 4000)),
          String(r.u32()),
        ]);
        spec = { status: code, message: encodeURIComponent(message), trailersOnly: t === 'trailersOnly' };
        expect = { kind: 'error', code, detailsEqual: message };
        break;
      }
      case 'statusNoMessage':
        spec = { status: r.range(1, 16) };
        expect = { kind: 'error', code: spec.status, detailsEqual: '' };
        break;
      case 'oddStatus':
        // Some of these may parse as a real code (even 0); whatever gRPC makes of them must hold.
        spec = {
          status: r.pick(['17', '99', '1000', '-1', 'abc', '', '1a', '2147483648', '4294967296', ' 5', '0x5', '00']),
          message: 'odd',
        };
        expect = anyOutcome;
        break;
      case 'trailersOnlyOk':
        spec = { trailersOnly: true, status: 0 };
        expect = anyError;
        break;
      case 'noMessage':
        spec = { frame: 'none' };
        expect = anyError;
        break;
      case 'declaredLonger':
        spec = { frame: 'declared', declaredLength: body.length + r.range(1, 2 ** 31) };
        expect = anyError;
        break;
      case 'compressed':
        spec = { frame: 'compressed' };
        expect = anyOutcome;
        break;
      case 'chunked':
        spec = { frame: 'chunked' };
        break; // the body's own expectation
      case 'shortHeader':
        spec = { frame: 'shortHeader' };
        expect = anyError;
        break;
      case 'http':
        spec = { httpStatus: r.pick([400, 401, 403, 404, 429, 500, 502, 503, 504]) };
        expect = anyError;
        break;
      case 'contentType':
        spec = {
          contentType: r.pick(['text/html', 'application/json', 'application/grpc+proto', 'application/grpc-web']),
        };
        expect = anyOutcome;
        break;
      case 'noTrailers':
        spec = { noTrailers: true };
        expect = anyError;
        break;
      case 'rst':
        spec = { rst: r.pick([0, 1, 2, 7, 8, 11]) };
        expect = anyError;
        break;
      case 'rstBeforeHeaders':
        spec = { rstBeforeHeaders: true, rst: r.pick([0, 2, 7, 8]) };
        expect = anyError;
        break;
      // Just under gRPC's 8 KiB metadata limit: over it, gRPC 1.51 fails every call on the
      // connection (see the named case), which would blame innocent concurrent cases.
      case 'longMessage':
        spec = { status: r.range(1, 16), message: 'm'.repeat(r.range(5000, 7500)) };
        expect = anyError;
        break;
      default:
        break;
    }
  }
  if (family === 'valid') labels.push('valid');
  return { index, label: `${family}:${labels.join('+')}`, spec, body, aliases, types, expect };
}

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------------------
// Checking an outcome.

function bytesOf(data) {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Returns null when the outcome is acceptable for the case, else a description. */
function checkOutcome(c, outcome) {
  if (!outcome.ok) {
    const e = outcome.error;
    if (!(e instanceof RemotePredictError)) return `rejected with a non-RemotePredictError: ${e && e.stack}`;
    if (!Number.isInteger(e.code) || e.code === 0) return `error code ${e.code}`;
    if (typeof e.message !== 'string' || e.message === '') return 'empty error message';
    // (Unless the server itself said DEADLINE_EXCEEDED.)
    if (e.code === StatusCode.DEADLINE_EXCEEDED && String(c.spec.status) !== '4')
      return `DEADLINE_EXCEEDED: the call hung for its ${DEADLINE_MS} ms deadline`;
    if (e.details === '' && !(c.expect.detailsEqual === '')) return `empty details with code ${e.codeName}`;
    if (c.expect.kind === 'ok') return `expected a result, got ${e.message}`;
    if (c.expect.kind === 'error') {
      if (c.expect.code !== undefined && e.code !== c.expect.code)
        return `expected code ${c.expect.code}, got ${e.message}`;
      if (c.expect.details && !c.expect.details.test(e.details))
        return `details ${JSON.stringify(e.details)} do not match ${c.expect.details}`;
      if (c.expect.detailsEqual !== undefined && e.details !== c.expect.detailsEqual) {
        return `details ${JSON.stringify(e.details.slice(0, 80))} != ${JSON.stringify(c.expect.detailsEqual.slice(0, 80))}`;
      }
    }
    return null;
  }
  if (c.expect.kind === 'error' || c.expect.kind === 'any-error')
    return `expected an error, got a result ${JSON.stringify(outcome.value.map((t) => [t.dtype, t.shape]))}`;
  const tensors = outcome.value;
  if (!Array.isArray(tensors) || tensors.length !== c.aliases.length)
    return `got ${tensors && tensors.length} outputs for ${c.aliases.length} aliases`;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i];
    if (t.dtype !== c.types[i]) return `output ${i}: dtype ${t.dtype}, asked for ${c.types[i]}`;
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0))
      return `output ${i}: shape ${JSON.stringify(t.shape)}`;
    const n = t.shape.reduce((a, d) => a * d, 1);
    if (t.dtype === 'string') {
      if (!Array.isArray(t.data) || t.data.length !== n || !t.data.every((s) => s instanceof Uint8Array))
        return `output ${i}: string data`;
    } else {
      const per = t.dtype.startsWith('complex') ? 2 : 1;
      if (!ArrayBuffer.isView(t.data) || t.data.length !== n * per)
        return `output ${i}: ${t.data && t.data.length} values for shape ${JSON.stringify(t.shape)}`;
    }
    const known = c.expect.kind === 'ok' ? c.expect.outputs : c.expect.ifOk;
    if (known) {
      const e = known[i];
      if (JSON.stringify(t.shape) !== JSON.stringify(e.shape))
        return `output ${i}: shape ${JSON.stringify(t.shape)}, expected ${JSON.stringify(e.shape)}`;
      if (e.strings) {
        const hex = (list) => list.map((s) => Buffer.from(s).toString('hex')).join(',');
        if (hex(t.data) !== hex(e.strings)) return `output ${i}: strings differ`;
      } else if (!bytesOf(t.data).equals(e.bytes)) {
        return `output ${i}: data differ (${bytesOf(t.data).toString('hex').slice(0, 64)} vs ${e.bytes.toString('hex').slice(0, 64)})`;
      }
    }
  }
  return null;
}

function settle(promise) {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error) => ({ ok: false, error }),
  );
}

function describeCase(c) {
  return (
    `case ${c.index} (seed ${SEED}) ${c.label}: spec ${JSON.stringify(c.spec).slice(0, 200)}, aliases ${JSON.stringify(c.aliases)}, ` +
    `types ${JSON.stringify(c.types)}, body (${c.body.length} B) ${c.body.toString('hex').slice(0, 400)}`
  );
}

// ---------------------------------------------------------------------------

module.exports = {
  CONCURRENCY,
  DEADLINE_MS,
  DTYPES,
  DTYPE_NAMES,
  MODEL_SPEC,
  ONLY,
  Rng,
  SEED,
  TOTAL,
  WARMUP,
  checkOutcome,
  concat,
  describeCase,
  encodeEntry,
  encodeTensor,
  entry,
  f32bytes,
  gc,
  makeCase,
  settle,
  tensor,
};
