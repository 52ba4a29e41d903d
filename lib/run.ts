// run() and runReturningStatus(): the op's kernel driven directly by the addon,
// one asynchronous call per invocation, completion back on the event loop.
import { DType } from './dtypes';
import { RemotePredictError } from './errors';
import { addonPath, flatInputs, native, NativeCallHandle } from './native';
import { awaitResult, forgetResult } from './call-results';
import { CallShape, ShapedCall, shapedRunCall } from './call-shapes';
import type { RunOptions } from './options';
import { StatusCode } from './status-codes';
import { CallRecorder, processRecorder } from './stats';
import { fromNativeOutput, OutputTensors, Tensor, TensorInput, zeroScalarNativeOutput } from './tensor';

/** What runReturningStatus() resolves with; `O` is the type of the call's `outputTypes` (see {@link OutputTensors}). */
export interface RunStatusResult<O extends readonly string[] = readonly DType[]> {
  /** 0 when the RPC succeeded, else its gRPC status code (4 DEADLINE_EXCEEDED, 14 UNAVAILABLE, ...). */
  statusCode: number;
  /** '' when the RPC succeeded, else the error's message. */
  statusErrorMessage: string;
  /** The outputs in `outputTensorAliases` order; after a failed RPC, zero-filled scalars of the declared dtypes. */
  outputTensors: OutputTensors<O>;
}

/** What a call of the kernel gave (CallDone's arguments). */
interface PredictResult {
  /** The op's own status: non-zero when it failed (fail-mode RPC error, bad target, ...). */
  code: number;
  message: string;
  /** The op's status_code / status_error_message outputs (meaningful when code === 0). */
  statusCode: number;
  statusErrorMessage: string;
  /** In outputTensorAliases order (when code === 0). */
  outputs: Tensor[];
}

const ABORTED_MESSAGE = 'the call was aborted through its AbortSignal';

/**
 * Calls `modelName` on `targetAddress` and resolves with its outputs, in
 * `outputTensorAliases` order. An RPC error (including a deadline, or an abort
 * through `signal`) rejects with a RemotePredictError carrying the gRPC code.
 *
 * The outputs are typed from `outputTypes`: `outputTypes: ['float32', 'int64']`
 * gives `Promise<[Tensor<'float32'>, Tensor<'int64'>]>` (no `as const` needed),
 * a `DType[]` gives `Promise<Tensor[]>`.
 *
 * Invalid options throw a TypeError / RangeError synchronously, from run()
 * itself, before a byte is sent.
 *
 * The inputs are copied before run() returns: the caller may then mutate,
 * transfer, detach, resize or drop their buffers (or end its worker thread)
 * and the request still carries the values they had at the call.
 */
export function run<
  const O extends readonly string[] = readonly DType[],
  const I extends readonly unknown[] = readonly TensorInput[],
>(options: RunOptions<O, I>): Promise<OutputTensors<O>> {
  return runShaped(shapedRunCall(options), undefined);
}

/** run() of a checked call, also counted in `recorder` (a client's). */
export function runShaped<O extends readonly string[]>(
  call: ShapedCall,
  recorder: CallRecorder | undefined,
): Promise<OutputTensors<O>> {
  return predict(call, true, recorder, (result) => {
    if (result.code !== 0) throw failure(result.code, result.message, call.signal);
    // Fail mode leaves no RPC error to report in the status outputs; guard anyway.
    if (result.statusCode !== 0) throw failure(result.statusCode, result.statusErrorMessage, call.signal);
    return outputs(result, call.shape) as unknown as OutputTensors<O>;
  });
}

/**
 * Like run(), but an RPC error resolves: `statusCode` is its gRPC code and the
 * outputs are zero-filled scalars of the declared dtypes. It still rejects
 * (with a RemotePredictError) when the call cannot be made at all, e.g. for an
 * unusable target address.
 *
 * `outputTensors` is typed from `outputTypes` as run()'s result is.
 *
 * Invalid options throw a TypeError / RangeError synchronously. Inputs are
 * copied before it returns, as for run().
 */
export function runReturningStatus<
  const O extends readonly string[] = readonly DType[],
  const I extends readonly unknown[] = readonly TensorInput[],
>(options: RunOptions<O, I>): Promise<RunStatusResult<O>> {
  return runReturningStatusShaped(shapedRunCall(options), undefined);
}

/** runReturningStatus() of a checked call, also counted in `recorder` (a client's). */
export function runReturningStatusShaped<O extends readonly string[]>(
  call: ShapedCall,
  recorder: CallRecorder | undefined,
): Promise<RunStatusResult<O>> {
  return predict(call, false, recorder, (result) => {
    if (result.code !== 0) throw failure(result.code, result.message, call.signal);
    return {
      statusCode: result.statusCode,
      statusErrorMessage: result.statusErrorMessage,
      outputTensors: outputs(result, call.shape) as unknown as OutputTensors<O>,
    };
  });
}

function failure(code: number, message: string, signal: AbortSignal | undefined): RemotePredictError {
  const aborted = code === StatusCode.CANCELLED && signal?.aborted === true;
  return new RemotePredictError(code, message, aborted ? { cause: signal.reason } : undefined);
}

function outputs(result: PredictResult, shape: CallShape): Tensor[] {
  const tensors = result.outputs;
  if (tensors.length !== shape.outputTypes.length) {
    throw new Error(`native addon returned ${tensors.length} outputs for ${shape.outputTypes.length} output aliases`);
  }
  return tensors;
}

/** What the op returns for a call cancelled before it could finish. */
function cancelledResult(failOpOnRpcError: boolean, outputTypes: readonly DType[]): PredictResult {
  return failOpOnRpcError
    ? { code: StatusCode.CANCELLED, message: ABORTED_MESSAGE, statusCode: 0, statusErrorMessage: '', outputs: [] }
    : {
        code: 0,
        message: '',
        statusCode: StatusCode.CANCELLED,
        statusErrorMessage: ABORTED_MESSAGE,
        outputs: outputTypes.map((dtype) => fromNativeOutput(zeroScalarNativeOutput(dtype))),
      };
}

function isCancelled(result: PredictResult): boolean {
  return result.code === StatusCode.CANCELLED || (result.code === 0 && result.statusCode === StatusCode.CANCELLED);
}

function requireDirectCalls(): void {
  if (typeof native.prepare !== 'function' || typeof native.call !== 'function') {
    throw new Error(
      `tfserving-remote-predict: the native addon ${addonPath} has no prepare()/call(); it predates this API, rebuild it (npm run build)`,
    );
  }
}

/**
 * Counts a call started at `start` (performance.now()) in the process's
 * counters and `recorder`'s; returns what records its end.
 */
function record(recorder: CallRecorder | undefined, start: number): (result: PredictResult) => PredictResult {
  processRecorder.started();
  recorder?.started();
  return (result) => {
    const millis = performance.now() - start;
    const code = result.code !== 0 ? result.code : result.statusCode;
    processRecorder.finished(code, millis);
    recorder?.finished(code, millis);
    return result;
  };
}

/**
 * One call of the kernel; the promise settles with what `finish` makes of its
 * result (one promise per call, settled from the completion itself). RPC
 * problems are in the result. An aborted signal always gives a CANCELLED
 * result: without a native call when it was aborted before, through
 * native.cancel() while in flight.
 */
function predict<T>(
  call: ShapedCall,
  failOpOnRpcError: boolean,
  recorder: CallRecorder | undefined,
  finish: (result: PredictResult) => T,
): Promise<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const settled = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const settle = (result: PredictResult): void => {
    try {
      resolve(finish(result));
    } catch (error) {
      reject(error);
    }
  };
  const { shape, signal } = call;
  const start = performance.now();
  if (signal?.aborted) {
    settle(record(recorder, start)(cancelledResult(failOpOnRpcError, shape.outputTypes)));
    return settled;
  }
  requireDirectCalls();
  let done = false;
  const onAbort = (): void => {
    if (!done && handle !== undefined) native.cancel(handle);
  };
  // Anything the addon refuses throws from run() itself, and the inputs have
  // been copied by the time it returns. `recorded` is set once the call is
  // made (its result is always delivered later, never inline).
  // eslint-disable-next-line prefer-const -- assigned once the call is made, read by its completion
  let recorded!: (result: PredictResult) => PredictResult;
  const id = awaitResult((code, message, statusCode, statusErrorMessage, outputs) => {
    done = true;
    const result: PredictResult = { code, message, statusCode, statusErrorMessage, outputs };
    signal?.removeEventListener('abort', onAbort);
    // Once aborted, the call settles as cancelled even if its answer raced the abort.
    settle(
      recorded(signal?.aborted && !isCancelled(result) ? cancelledResult(failOpOnRpcError, shape.outputTypes) : result),
    );
  });
  let handle: NativeCallHandle | undefined;
  try {
    handle = native.call(
      shape.prepared(failOpOnRpcError),
      flatInputs(call.inputs),
      id,
      signal !== undefined,
      shape.callOptions,
    );
  } catch (error) {
    forgetResult(id);
    throw error;
  }
  recorded = record(recorder, start);
  if (signal !== undefined && !done) signal.addEventListener('abort', onAbort, { once: true });
  return settled;
}
