// Models served in this process, as a TF Serving model server would serve them: a graph's
// TfServingRemotePredict (or run(), a PredictionClient) with the target 'inprocess:' calls
// them by model name, version or version label and signature, with no network and no
// protobuf. The registry lives in the op library, shared with Python and C callers.
import { SavedModelError } from './errors';
import { native } from './native';
import { checkObject, checkKnownKeys } from './options';
import { nativeSavedModelOf, SavedModel } from './saved-model';
import { StatusCode } from './status-codes';
import { describe } from './tensor';

export { IN_PROCESS_TARGET } from './options';

export interface ServeInProcessOptions {
  /** The version served (an integer ≥ 0). Default 1. */
  version?: number;
  /** Version labels (such as `'stable'`) that then point at this version. Default none. */
  versionLabels?: string[];
}

const SERVE_OPTIONS: readonly (keyof ServeInProcessOptions)[] = ['version', 'versionLabels'];

function checkName(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '' || value.includes('\0')) {
    throw new TypeError(`${name} must be a non-empty string without NUL characters, got ${describe(value)}`);
  }
  return value;
}

function checkVersion(value: unknown, name: string): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be an integer ≥ 0, got ${describe(value)}`);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be an integer ≥ 0, got ${describe(value)}`);
  return value + 0;
}

function checkLabels(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw new TypeError(`options.versionLabels must be an array of strings, got ${describe(value)}`);
  return value.map((label: unknown, i) => checkName(label, `options.versionLabels[${i}]`));
}

/** An Error of the registry (code ALREADY_EXISTS, NOT_FOUND, ...) as a SavedModelError. */
function registryCall(call: () => void): void {
  try {
    call();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'number') throw error;
    throw new SavedModelError(code, (error as Error).message);
  }
}

/**
 * Serves `model` in this process as model `name` (a version of it), for graphs and calls
 * whose target is `'inprocess:'`: they run it on this process's executors, with their
 * deadline and cancellation, as a TF Serving server would answer them (NOT_FOUND for an
 * unknown model, version or label, FAILED_PRECONDITION for an unknown signature,
 * INVALID_ARGUMENT for bad inputs or outputs). The model stays served until
 * unserveInProcess() or its dispose(). Invalid arguments throw a TypeError / RangeError;
 * a version served already throws a SavedModelError (ALREADY_EXISTS).
 */
export function serveInProcess(name: string, model: SavedModel, options: ServeInProcessOptions = {}): void {
  checkName(name, 'name');
  if (!(model instanceof SavedModel)) {
    throw new TypeError(`model must be a SavedModel from loadSavedModel(), got ${describe(model)}`);
  }
  const o = checkObject(options, 'options');
  checkKnownKeys(o, SERVE_OPTIONS, 'options');
  const version = o.version === undefined ? 1 : checkVersion(o.version, 'options.version');
  const labels = checkLabels(o.versionLabels);
  const handle = nativeSavedModelOf(model);
  if (handle === undefined) {
    throw new SavedModelError(StatusCode.FAILED_PRECONDITION, `the SavedModel ${model.exportDir} has been disposed`);
  }
  registryCall(() => native.serveInProcess(handle, name, version, labels));
}

/**
 * Stops serving model `name` version `version` (default: every version) and the labels
 * pointing at it. Its calls in flight end with UNAVAILABLE ("model NAME version N was
 * unserved while the call was running"). Throws a SavedModelError (NOT_FOUND) when it
 * was not served.
 */
export function unserveInProcess(name: string, version?: number): void {
  checkName(name, 'name');
  const v = version === undefined ? -1 : checkVersion(version, 'version');
  registryCall(() => native.unserveInProcess(name, v));
}
