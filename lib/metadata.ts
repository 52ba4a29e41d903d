// Request metadata (gRPC headers): per call, per client, or per target for
// every call of the process, graphs included. The rules are gRPC's, checked
// here so that a bad header is a TypeError naming it instead of a failed call.
import { native } from './native';
import { checkTargetAddress } from './options';
import { describe } from './tensor';

/**
 * Header name → value. Names are lower-case (`0-9 a-z - _ .`); a name ending
 * in `-bin` carries binary data (a Uint8Array/Buffer, or a string sent as
 * its UTF-8 bytes), any other name printable ASCII text.
 */
export type Metadata = Readonly<Record<string, string | Uint8Array>>;

/** [key, value, key, value, ...] as the addon takes it. */
export type FlatMetadata = (string | Uint8Array)[];

/** As HTTP/2 counts header sizes (key + value + 32 per entry, binary values base64): servers refuse more than 8 KiB of headers by default. */
export const MAX_METADATA_BYTES = 8192;
const KEY = /^[0-9a-z_.-]{1,255}$/;
const RESERVED = new Set(['content-type', 'te', 'user-agent', 'host']);
const PRINTABLE = /^[\x20-\x7e]*$/;

/**
 * Checks metadata (TypeError naming the key; RangeError when too large) and
 * flattens it; undefined gives an empty array.
 */
export function resolveMetadata(value: unknown, name = 'metadata'): FlatMetadata {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new TypeError(`${name} must be an object of header name → string or Uint8Array, got ${describe(value)}`);
  }
  const flat: FlatMetadata = [];
  let total = 0;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const at = `${name}['${key}']`;
    if (!KEY.test(key)) {
      throw new TypeError(`${at}: a header name must be 1-255 lower-case letters, digits, '-', '_' or '.'`);
    }
    if (key.startsWith('grpc-') || RESERVED.has(key)) {
      throw new TypeError(`${at}: '${key}' is reserved by gRPC / HTTP/2`);
    }
    const binary = key.endsWith('-bin');
    let size: number;
    if (v instanceof Uint8Array) {
      if (!binary) throw new TypeError(`${at}: only keys ending in '-bin' take binary values; give a string`);
      flat.push(key, v);
      size = Math.ceil(v.byteLength / 3) * 4;
    } else if (typeof v === 'string') {
      if (!binary && !PRINTABLE.test(v)) {
        throw new TypeError(
          `${at} must be printable ASCII (0x20-0x7e) unless the key ends in '-bin', got ${describe(v)}`,
        );
      }
      flat.push(key, v);
      size = binary ? Math.ceil(Buffer.byteLength(v) / 3) * 4 : v.length;
    } else {
      throw new TypeError(`${at} must be a string${binary ? ' or Uint8Array' : ''}, got ${describe(v)}`);
    }
    total += key.length + size + 32;
    if (total > MAX_METADATA_BYTES) {
      throw new RangeError(
        `${at} takes the metadata over ${MAX_METADATA_BYTES} bytes (key + value + 32 per entry, binary values base64-encoded)`,
      );
    }
  }
  return flat;
}

/**
 * Process-wide: every remote predict call to `targetAddress` (after target
 * overrides) carries these headers, in graphs of this process as well as
 * run() and clients (whose own metadata wins for the same name); `null`
 * removes them. Unlike channel settings this reaches kernels and loaded
 * SavedModels that already exist, so a token can be rotated at any time.
 */
export function setTargetMetadata(targetAddress: string, metadata: Metadata | null): void {
  checkTargetAddress(targetAddress);
  native.setTargetMetadata(targetAddress, metadata === null ? [] : resolveMetadata(metadata));
}
