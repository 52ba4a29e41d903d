// gRPC status codes (the numbers TensorFlow's error::Code shares), both ways.

export const StatusCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type StatusCodeName = keyof typeof StatusCode;

const NAMES: readonly StatusCodeName[] = (Object.keys(StatusCode) as StatusCodeName[]).sort(
  (a, b) => StatusCode[a] - StatusCode[b],
);

/** `'UNAVAILABLE'` for 14; `'CODE_42'` for a number outside 0..16. */
export function statusCodeName(code: number): StatusCodeName | `CODE_${number}` {
  return NAMES[code] ?? `CODE_${code}`;
}
