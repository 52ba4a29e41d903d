// How the gRPC channel to a target is configured. Calls with equal channel
// options share one channel per target; different options get their own.
import { describe } from './tensor';

export interface ChannelOptions {
  /** Largest request the client sends, in bytes. Default: unlimited. */
  maxSendMessageBytes?: number;
  /**
   * Largest response the client accepts, in bytes. Default: unlimited (gRPC's
   * own default would refuse responses over 4 MiB).
   */
  maxReceiveMessageBytes?: number;
}

/** Channel options in the addon's terms: 0 means unlimited. */
export interface ResolvedChannelOptions {
  maxSendMessageBytes: number;
  maxReceiveMessageBytes: number;
}

const MAX_MESSAGE_BYTES = 2 ** 31 - 1;
const KNOWN: readonly (keyof ChannelOptions)[] = ['maxSendMessageBytes', 'maxReceiveMessageBytes'];

function checkMessageLimit(value: unknown, name: string): number {
  if (value === undefined) return 0;
  const expected = `a positive integer number of bytes up to ${MAX_MESSAGE_BYTES}`;
  if (typeof value !== 'number') throw new TypeError(`${name} must be ${expected}, got ${describe(value)}`);
  if (!Number.isSafeInteger(value) || value <= 0 || value > MAX_MESSAGE_BYTES) {
    throw new RangeError(`${name} must be ${expected}, got ${describe(value)}`);
  }
  return value;
}

export function resolveChannelOptions(value: unknown, name = 'channelOptions'): ResolvedChannelOptions {
  if (value === undefined) return { maxSendMessageBytes: 0, maxReceiveMessageBytes: 0 };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, got ${describe(value)}`);
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(KNOWN as readonly string[]).includes(key)) {
      throw new TypeError(`${name} has an unknown option '${key}'; known options are ${KNOWN.join(', ')}`);
    }
  }
  return {
    maxSendMessageBytes: checkMessageLimit(o.maxSendMessageBytes, `${name}.maxSendMessageBytes`),
    maxReceiveMessageBytes: checkMessageLimit(o.maxReceiveMessageBytes, `${name}.maxReceiveMessageBytes`),
  };
}
