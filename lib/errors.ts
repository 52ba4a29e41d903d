// The error a failed remote predict call rejects with.
import { statusCodeName, StatusCodeName } from './status-codes';

export class RemotePredictError extends Error {
  /** Numeric gRPC status code, e.g. 14. */
  readonly code: number;
  /** Its name, e.g. `'UNAVAILABLE'`. */
  readonly codeName: StatusCodeName | `CODE_${number}`;
  /** The server's (or the transport's) message, without the code name. */
  readonly details: string;

  constructor(code: number, details: string, options?: { cause?: unknown }) {
    const codeName = statusCodeName(code);
    super(details ? `${codeName}: ${details}` : codeName, options);
    this.name = 'RemotePredictError';
    this.code = code;
    this.codeName = codeName;
    this.details = details;
  }
}
