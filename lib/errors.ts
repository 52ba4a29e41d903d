// The errors that carry a gRPC / TensorFlow status code.
import { statusCodeName, StatusCodeName } from './status-codes';

abstract class StatusError extends Error {
  /** Numeric gRPC / TensorFlow status code, e.g. 14. */
  readonly code: number;
  /** Its name, e.g. `'UNAVAILABLE'`. */
  readonly codeName: StatusCodeName | `CODE_${number}`;
  /** The message, without the code name. */
  readonly details: string;

  constructor(code: number, details: string, options?: { cause?: unknown }) {
    const codeName = statusCodeName(code);
    super(details ? `${codeName}: ${details}` : codeName, options);
    this.code = code;
    this.codeName = codeName;
    this.details = details;
  }
}

/** A failed remote predict call: `details` is the server's (or the transport's) message. */
export class RemotePredictError extends StatusError {
  override readonly name = 'RemotePredictError';
}

/** A SavedModel that could not be loaded, or a run of it that failed. */
export class SavedModelError extends StatusError {
  override readonly name = 'SavedModelError';
}
