// How the gRPC channel to a target is configured. Calls with equal channel
// options share one channel per target; different options get their own.
// Everything here is gRPC's own machinery (channel arguments and the service
// config), set the way grpc-js names it where it has a name.
import { native } from './native';
import { checkTargetAddress } from './options';
import { StatusCode, StatusCodeName } from './status-codes';
import { describe } from './tensor';

/** How calls spread over the addresses a target resolves to. */
export type LoadBalancingPolicy = 'pick_first' | 'round_robin';

/** HTTP/2 keepalive pings (grpc-js: `grpc.keepalive_time_ms`, `grpc.keepalive_timeout_ms`, `grpc.keepalive_permit_without_calls`). */
export interface KeepaliveOptions {
  /** Ping the server after this long (ms); required. Servers refuse pings more often than they allow (TF Serving and gRPC servers: every 5 minutes by default) with GOAWAY "too_many_pings". */
  timeMillis: number;
  /** Close the connection (failing its calls with UNAVAILABLE) when a ping is not answered within this (ms). Default: gRPC's 20000. */
  timeoutMillis?: number;
  /** Ping idle connections too. Default false. */
  permitWithoutCalls?: boolean;
}

/**
 * gRPC's retry policy (gRFC A6) for every call on the channel, through the
 * channel's service config. A retried call keeps its one deadline.
 */
export interface RetryOptions {
  /** Attempts in all, the first included: 2 to 5 (gRPC's cap). Default 3. */
  maxAttempts?: number;
  /** Backoff before the first retry, in ms (randomised by gRPC between 0 and the current backoff). Default 100. */
  initialBackoffMillis?: number;
  /** The longest backoff, in ms. Default 1000 (or initialBackoffMillis when larger). */
  maxBackoffMillis?: number;
  /** Backoff growth per retry, > 0. Default 2. */
  backoffMultiplier?: number;
  /** Status codes that are retried (names or numbers). Default `['UNAVAILABLE']`. */
  retryableStatusCodes?: readonly (StatusCodeName | number)[];
}

/**
 * How soon an address that could not be reached is tried again (grpc-js:
 * `grpc.initial_reconnect_backoff_ms`, `grpc.max_reconnect_backoff_ms`).
 * gRPC waits 1 s, then 1.6 times longer per failed attempt (with jitter), up
 * to 120 s: a replica that was down for a while may get calls again only tens
 * of seconds after it is back. A lower maxMillis brings it back sooner.
 */
export interface ReconnectBackoffOptions {
  /** The first wait, in ms. Default: gRPC's 1000. */
  initialMillis?: number;
  /** The longest wait, in ms (not less than initialMillis). Default: gRPC's 120000. */
  maxMillis?: number;
}

export interface ChannelOptions {
  /** Largest request the client sends, in bytes. Default: unlimited. */
  maxSendMessageBytes?: number;
  /**
   * Largest response the client accepts, in bytes. Default: unlimited (gRPC's
   * own default would refuse responses over 4 MiB).
   */
  maxReceiveMessageBytes?: number;
  /**
   * `'round_robin'` spreads calls over every address the target resolves to
   * (`dns:///name:port` with several A records, `ipv4:a:p,b:p`); the default,
   * gRPC's `'pick_first'`, uses one address at a time.
   */
  loadBalancing?: LoadBalancingPolicy;
  /** Keepalive pings: detect a dead peer without waiting for deadlines. Default: none. */
  keepalive?: KeepaliveOptions;
  /** Retries of failed calls. Default: none. */
  retry?: RetryOptions;
  /**
   * HTTP/2 connections per address (1 to 64), taken in turn by successive
   * calls: more than one lifts the per-connection stream limit and spreads
   * the work over more of gRPC's threads. Default 1.
   */
  connections?: number;
  /** Reconnection backoff. Default: gRPC's. */
  reconnectBackoff?: ReconnectBackoffOptions;
}

/** Channel options in the addon's terms. */
export interface ResolvedChannelOptions {
  /** 0: unlimited. */
  maxSendMessageBytes: number;
  maxReceiveMessageBytes: number;
  /** The other options as the kernel's "_channel_options" text; '' when none are given. */
  text: string;
}

const MAX_MESSAGE_BYTES = 2 ** 31 - 1;
const MAX_MILLIS = 2 ** 31 - 1;
const MAX_CONNECTIONS = 64;
const KNOWN: readonly (keyof ChannelOptions)[] = [
  'maxSendMessageBytes',
  'maxReceiveMessageBytes',
  'loadBalancing',
  'keepalive',
  'retry',
  'connections',
  'reconnectBackoff',
];
const RECONNECT_KNOWN: readonly (keyof ReconnectBackoffOptions)[] = ['initialMillis', 'maxMillis'];
const KEEPALIVE_KNOWN: readonly (keyof KeepaliveOptions)[] = ['timeMillis', 'timeoutMillis', 'permitWithoutCalls'];
const RETRY_KNOWN: readonly (keyof RetryOptions)[] = [
  'maxAttempts',
  'initialBackoffMillis',
  'maxBackoffMillis',
  'backoffMultiplier',
  'retryableStatusCodes',
];

/** The retry policy's defaults (also the kernel's, cpp/kernel/channel_options.cc). */
export const RETRY_DEFAULTS = Object.freeze({
  maxAttempts: 3,
  initialBackoffMillis: 100,
  maxBackoffMillis: 1000,
  backoffMultiplier: 2,
  retryableStatusCodes: Object.freeze(['UNAVAILABLE'] as const),
});

function checkInteger(value: unknown, name: string, min: number, max: number, expected: string): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be ${expected}, got ${describe(value)}`);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be ${expected}, got ${describe(value)}`);
  }
  return value + 0;
}

function checkMessageLimit(value: unknown, name: string): number {
  if (value === undefined) return 0;
  return checkInteger(
    value,
    name,
    1,
    MAX_MESSAGE_BYTES,
    `a positive integer number of bytes up to ${MAX_MESSAGE_BYTES}`,
  );
}

function checkOptionsObject(value: unknown, name: string, known: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, got ${describe(value)}`);
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) {
      throw new TypeError(`${name} has an unknown option '${key}'; known options are ${known.join(', ')}`);
    }
  }
  return o;
}

function checkMillisOption(value: unknown, name: string): number {
  return checkInteger(value, name, 1, MAX_MILLIS, `a positive integer number of milliseconds up to ${MAX_MILLIS}`);
}

function keepaliveEntries(value: unknown, name: string): [string, string | number | boolean][] {
  const o = checkOptionsObject(value, name, KEEPALIVE_KNOWN);
  if (o.timeMillis === undefined)
    throw new TypeError(`${name}.timeMillis is required: how often to ping, in milliseconds`);
  const entries: [string, string | number | boolean][] = [
    ['keepalive_time_millis', checkMillisOption(o.timeMillis, `${name}.timeMillis`)],
  ];
  if (o.timeoutMillis !== undefined) {
    entries.push(['keepalive_timeout_millis', checkMillisOption(o.timeoutMillis, `${name}.timeoutMillis`)]);
  }
  if (o.permitWithoutCalls !== undefined) {
    if (typeof o.permitWithoutCalls !== 'boolean') {
      throw new TypeError(`${name}.permitWithoutCalls must be a boolean, got ${describe(o.permitWithoutCalls)}`);
    }
    entries.push(['keepalive_permit_without_calls', o.permitWithoutCalls]);
  }
  return entries;
}

function checkStatusCodes(value: unknown, name: string): StatusCodeName[] {
  const expected =
    "a non-empty array of gRPC status codes other than OK (names such as 'UNAVAILABLE', or numbers 1-16)";
  if (!Array.isArray(value) || value.length === 0)
    throw new TypeError(`${name} must be ${expected}, got ${describe(value)}`);
  const names = Object.keys(StatusCode) as StatusCodeName[];
  return [
    ...new Set(
      value.map((code: unknown, i) => {
        if (typeof code === 'number') {
          checkInteger(code, `${name}[${i}]`, 1, 16, 'a gRPC status code from 1 to 16');
          return names.find((n) => StatusCode[n] === code) as StatusCodeName;
        }
        if (typeof code !== 'string' || !names.includes(code as StatusCodeName) || code === 'OK') {
          throw new TypeError(
            `${name}[${i}] must be a gRPC status code name other than OK (such as 'UNAVAILABLE'), got ${describe(code)}`,
          );
        }
        return code as StatusCodeName;
      }),
    ),
  ];
}

function retryEntries(value: unknown, name: string): [string, string | number][] {
  const o = checkOptionsObject(value, name, RETRY_KNOWN);
  const maxAttempts =
    o.maxAttempts === undefined
      ? RETRY_DEFAULTS.maxAttempts
      : checkInteger(
          o.maxAttempts,
          `${name}.maxAttempts`,
          2,
          5,
          'an integer from 2 to 5 (attempts in all; gRPC allows at most 5)',
        );
  const initial =
    o.initialBackoffMillis === undefined
      ? RETRY_DEFAULTS.initialBackoffMillis
      : checkMillisOption(o.initialBackoffMillis, `${name}.initialBackoffMillis`);
  const max =
    o.maxBackoffMillis === undefined
      ? Math.max(RETRY_DEFAULTS.maxBackoffMillis, initial)
      : checkMillisOption(o.maxBackoffMillis, `${name}.maxBackoffMillis`);
  if (max < initial) {
    throw new RangeError(
      `${name}.maxBackoffMillis (${max}) must not be less than ${name}.initialBackoffMillis (${initial})`,
    );
  }
  let multiplier: number = RETRY_DEFAULTS.backoffMultiplier;
  if (o.backoffMultiplier !== undefined) {
    if (typeof o.backoffMultiplier !== 'number') {
      throw new TypeError(`${name}.backoffMultiplier must be a positive number, got ${describe(o.backoffMultiplier)}`);
    }
    if (!Number.isFinite(o.backoffMultiplier) || o.backoffMultiplier <= 0) {
      throw new RangeError(`${name}.backoffMultiplier must be a positive number, got ${describe(o.backoffMultiplier)}`);
    }
    multiplier = o.backoffMultiplier;
  }
  const codes =
    o.retryableStatusCodes === undefined
      ? [...RETRY_DEFAULTS.retryableStatusCodes]
      : checkStatusCodes(o.retryableStatusCodes, `${name}.retryableStatusCodes`);
  return [
    ['retry_max_attempts', maxAttempts],
    ['retry_initial_backoff_millis', initial],
    ['retry_max_backoff_millis', max],
    ['retry_backoff_multiplier', multiplier],
    ['retry_status_codes', codes.join(',')],
  ];
}

function reconnectEntries(value: unknown, name: string): [string, number][] {
  const o = checkOptionsObject(value, name, RECONNECT_KNOWN);
  const entries: [string, number][] = [];
  const initial =
    o.initialMillis === undefined ? undefined : checkMillisOption(o.initialMillis, `${name}.initialMillis`);
  const max = o.maxMillis === undefined ? undefined : checkMillisOption(o.maxMillis, `${name}.maxMillis`);
  if (max !== undefined && max < (initial ?? 0)) {
    throw new RangeError(`${name}.maxMillis (${max}) must not be less than ${name}.initialMillis (${initial})`);
  }
  if (initial !== undefined) entries.push(['reconnect_initial_backoff_millis', initial]);
  if (max !== undefined) entries.push(['reconnect_max_backoff_millis', max]);
  return entries;
}

/**
 * The options other than the message limits as "name=value" entries of the
 * kernel's channel options text (cpp/kernel/channel_options.h).
 */
function textEntries(o: Record<string, unknown>, name: string): [string, string | number | boolean][] {
  const entries: [string, string | number | boolean][] = [];
  if (o.loadBalancing !== undefined) {
    if (o.loadBalancing !== 'pick_first' && o.loadBalancing !== 'round_robin') {
      throw new TypeError(
        `${name}.loadBalancing must be 'pick_first' or 'round_robin', got ${describe(o.loadBalancing)}`,
      );
    }
    entries.push(['load_balancing', o.loadBalancing]);
  }
  if (o.keepalive !== undefined) entries.push(...keepaliveEntries(o.keepalive, `${name}.keepalive`));
  if (o.retry !== undefined) entries.push(...retryEntries(o.retry, `${name}.retry`));
  if (o.connections !== undefined) {
    entries.push([
      'connections',
      checkInteger(o.connections, `${name}.connections`, 1, MAX_CONNECTIONS, `an integer from 1 to ${MAX_CONNECTIONS}`),
    ]);
  }
  if (o.reconnectBackoff !== undefined)
    entries.push(...reconnectEntries(o.reconnectBackoff, `${name}.reconnectBackoff`));
  return entries;
}

function toText(entries: [string, string | number | boolean][]): string {
  return entries.map(([key, value]) => `${key}=${value}`).join(';');
}

export function resolveChannelOptions(value: unknown, name = 'channelOptions'): ResolvedChannelOptions {
  if (value === undefined) return { maxSendMessageBytes: 0, maxReceiveMessageBytes: 0, text: '' };
  const o = checkOptionsObject(value, name, KNOWN);
  return {
    maxSendMessageBytes: checkMessageLimit(o.maxSendMessageBytes, `${name}.maxSendMessageBytes`),
    maxReceiveMessageBytes: checkMessageLimit(o.maxReceiveMessageBytes, `${name}.maxReceiveMessageBytes`),
    text: toText(textEntries(o, name)),
  };
}

/** Every option, message limits included, as channel options text (for a target's process-wide setting). */
export function channelOptionsText(value: unknown, name = 'options'): string {
  const resolved = resolveChannelOptions(value, name);
  const limits: [string, number][] = [];
  if (resolved.maxSendMessageBytes !== 0) limits.push(['max_send_message_bytes', resolved.maxSendMessageBytes]);
  if (resolved.maxReceiveMessageBytes !== 0)
    limits.push(['max_receive_message_bytes', resolved.maxReceiveMessageBytes]);
  return [toText(limits), resolved.text].filter((t) => t !== '').join(';');
}

/**
 * Process-wide: kernels created from now on that dial `targetAddress` (after
 * target overrides) use these channel options, each unless the call sets it
 * itself: how SavedModels (whose graphs hold no channel options) get load
 * balancing, keepalive or retries. `null` removes them. Kernels, and so
 * channels, are made once per option set: calls and models already prepared
 * keep their channel.
 */
export function setTargetChannelOptions(targetAddress: string, options: ChannelOptions | null): void {
  checkTargetAddress(targetAddress);
  native.setTargetChannelOptions(targetAddress, options === null ? '' : channelOptionsText(options));
}
