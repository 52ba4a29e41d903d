// Call counters of run() / runReturningStatus() and of each PredictionClient,
// kept in JS where the promise settles: plain numbers, no dependency, ready
// to be exported to Prometheus or OpenTelemetry (see the README).
import { StatusCodeName, statusCodeName } from './status-codes';

/** Upper bounds (ms, inclusive) of the latency histogram's buckets; a last bucket takes the rest. */
export const LATENCY_BUCKETS_MILLIS = Object.freeze([1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]);

export interface LatencyHistogram {
  /** LATENCY_BUCKETS_MILLIS. */
  boundsMillis: readonly number[];
  /**
   * Calls per bucket, not cumulative: `counts[i]` took at most
   * `boundsMillis[i]` ms and more than `boundsMillis[i - 1]`; the last entry
   * (index `boundsMillis.length`) counts the slower ones. OpenTelemetry's
   * explicit-bucket histogram takes these as they are; Prometheus' `le`
   * buckets are their running sums.
   */
  counts: number[];
  /** Sum of all latencies, in ms. */
  sumMillis: number;
  /** Calls measured (= the sum of `counts`). */
  count: number;
}

export interface CallStats {
  /** Calls started (options valid, the call made). Monotonic. */
  started: number;
  /**
   * Calls finished, by gRPC status code name (`OK`, `UNAVAILABLE`,
   * `DEADLINE_EXCEEDED`, `CANCELLED` for an abort, ...); the RPC's status in
   * either mode. Monotonic.
   */
  finished: Partial<Record<StatusCodeName | `CODE_${number}`, number>>;
  /** started - the sum of finished. */
  inFlight: number;
  /** From the call to the settling of its result. */
  latency: LatencyHistogram;
}

/** Counters of one scope (the process, or one client). */
export class CallRecorder {
  #started = 0;
  #finished = new Map<string, number>();
  #inFlight = 0;
  #counts: number[] = new Array<number>(LATENCY_BUCKETS_MILLIS.length + 1).fill(0);
  #sumMillis = 0;

  started(): void {
    this.#started += 1;
    this.#inFlight += 1;
  }

  finished(code: number, millis: number): void {
    const name = statusCodeName(code);
    this.#finished.set(name, (this.#finished.get(name) ?? 0) + 1);
    this.#inFlight -= 1;
    let i = 0;
    while (i < LATENCY_BUCKETS_MILLIS.length && millis > LATENCY_BUCKETS_MILLIS[i]) i += 1;
    this.#counts[i] += 1;
    this.#sumMillis += millis;
  }

  snapshot(): CallStats {
    return {
      started: this.#started,
      finished: Object.fromEntries(this.#finished),
      inFlight: this.#inFlight,
      latency: {
        boundsMillis: LATENCY_BUCKETS_MILLIS,
        counts: [...this.#counts],
        sumMillis: this.#sumMillis,
        count: this.#counts.reduce((a, b) => a + b, 0),
      },
    };
  }
}

/** Every call of the process (run(), runReturningStatus(), clients). */
export const processRecorder = new CallRecorder();

/**
 * Counters of every run() / runReturningStatus() / PredictionClient call of
 * this process (each call's own, as its promise settles): a snapshot.
 */
export function stats(): CallStats {
  return processRecorder.snapshot();
}
