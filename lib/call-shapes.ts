// Call shapes: what a call's options other than its tensors and signal resolve
// to (checked values, the prepared native call, the native per-call options),
// kept so that a call whose options equal an earlier call's is compared with
// it instead of being resolved again (docs/ARCHITECTURE.md#cost-per-call).
import type { DType } from './dtypes';
import type { NativeCallOptions, NativeInputTensor, NativePreparedCall } from './native';
import {
  checkSignal,
  nativeCallOptions,
  resolveRunOptions,
  ResolvedRunOptions,
  RUN_OPTION_NAMES,
  RunOptionName,
  SHAPE_LIST_NAMES,
  SHAPE_OBJECT_NAMES,
  SHAPE_VALUE_NAMES,
} from './options';
import { preparedCall } from './prepared-calls';
import { toNativeInput } from './tensor';

/**
 * The options a shape is compared on, as given: the values of
 * SHAPE_VALUE_NAMES, then of SHAPE_LIST_NAMES (lib/options.ts). Values equal
 * to an earlier call's (lists element by element) resolve as they did.
 */
export type ShapeOptions = unknown[];

/** The names of ShapeOptions, in order. */
export const SHAPE_NAMES: readonly RunOptionName[] = [...SHAPE_VALUE_NAMES, ...SHAPE_LIST_NAMES];
const VALUE_COUNT = SHAPE_VALUE_NAMES.length;

/** What every call of one shape sends besides its tensors. */
export interface CallShape {
  readonly outputTypes: readonly DType[];
  readonly callOptions: NativeCallOptions | undefined;
  /** The prepared call of run() (true) or runReturningStatus() (false). */
  prepared(failOpOnRpcError: boolean): NativePreparedCall;
}

/** A call ready to be made: its shape and its checked, converted inputs. */
export interface ShapedCall {
  readonly shape: CallShape;
  readonly inputs: NativeInputTensor[];
  readonly signal: AbortSignal | undefined;
}

const EMPTY = new Uint8Array(0);

function sameStrings(given: unknown, kept: readonly string[]): boolean {
  if (!Array.isArray(given) || given.length !== kept.length) return false;
  for (let i = 0; i < kept.length; i++) if (given[i] !== kept[i]) return false;
  return true;
}

class KeptShape implements CallShape {
  readonly outputTypes: readonly DType[];
  readonly callOptions: NativeCallOptions | undefined;
  /** The options as given, lists copied. */
  readonly #given: ShapeOptions;
  readonly #inputTypes: readonly number[];
  /** The resolved options with dtype-only inputs: no caller's buffer is kept alive. */
  readonly #specSource: ResolvedRunOptions;
  readonly #prepared: (NativePreparedCall | undefined)[] = [undefined, undefined];

  constructor(given: ShapeOptions, resolved: ResolvedRunOptions) {
    this.#given = given.map((value, i) => (i < VALUE_COUNT ? value : [...(value as string[])]));
    this.#inputTypes = resolved.inputTensors.map((tensor) => tensor.dtype);
    this.outputTypes = Object.freeze([...resolved.outputTypes]);
    this.callOptions = nativeCallOptions(resolved);
    this.#specSource = {
      ...resolved,
      signal: undefined,
      inputTensors: this.#inputTypes.map((dtype) => ({ dtype, shape: [], data: EMPTY })),
    };
  }

  get inputCount(): number {
    return this.#inputTypes.length;
  }

  prepared(failOpOnRpcError: boolean): NativePreparedCall {
    const slot = failOpOnRpcError ? 1 : 0;
    return (this.#prepared[slot] ??= preparedCall(this.#specSource, failOpOnRpcError));
  }

  matches(given: ShapeOptions, inputs: readonly NativeInputTensor[]): boolean {
    const kept = this.#given;
    for (let i = 0; i < VALUE_COUNT; i++) if (given[i] !== kept[i]) return false;
    for (let i = VALUE_COUNT; i < kept.length; i++) if (!sameStrings(given[i], kept[i] as string[])) return false;
    for (let i = 0; i < inputs.length; i++) if (inputs[i].dtype !== this.#inputTypes[i]) return false;
    return true;
  }
}

/** Names of input tensors in messages, made once. */
const inputNames: string[] = [];
function inputName(i: number): string {
  return (inputNames[i] ??= `inputTensors[${i}]`);
}

/** `tensors` checked and converted, or undefined when they are not an array of valid tensors. */
function convertInputs(tensors: unknown): NativeInputTensor[] | undefined {
  if (!Array.isArray(tensors)) return undefined;
  const inputs: NativeInputTensor[] = [];
  try {
    for (let i = 0; i < tensors.length; i++) inputs.push(toNativeInput(tensors[i], inputName(i)));
  } catch {
    return undefined; // resolving the options in full reports it, after anything wrong before it
  }
  return inputs;
}

/** As many shapes as the prepared calls' cache holds in all. */
const MAX_SHAPES_PER_SET = 16;

/**
 * The shapes of one kind of call (run()'s of one model, or one client's), most
 * recently made first.
 */
export class CallShapes {
  #shapes: KeptShape[] = [];

  /**
   * A call of a kept shape with `given` options and `tensors` (checked and
   * converted), or undefined when none matches (the caller then resolves the
   * options in full, which throws what is wrong with them).
   */
  find(given: ShapeOptions, tensors: unknown, signal: AbortSignal | undefined): ShapedCall | undefined {
    const shapes = this.#shapes;
    if (shapes.length === 0) return undefined;
    const inputs = convertInputs(tensors);
    if (inputs === undefined) return undefined;
    for (const shape of shapes) {
      if (shape.inputCount === inputs.length && shape.matches(given, inputs)) return { shape, inputs, signal };
    }
    return undefined;
  }

  /** Keeps the shape of `resolved`, made from `given`; returns the call. */
  add(given: ShapeOptions, resolved: ResolvedRunOptions): ShapedCall {
    const shape = new KeptShape(given, resolved);
    this.#shapes.unshift(shape);
    if (this.#shapes.length > MAX_SHAPES_PER_SET) this.#shapes.pop();
    return { shape, inputs: resolved.inputTensors, signal: resolved.signal };
  }
}

/** A call whose options are resolved in full and not kept. */
export function unshapedCall(resolved: ResolvedRunOptions): ShapedCall {
  const shape: CallShape = {
    outputTypes: resolved.outputTypes,
    callOptions: nativeCallOptions(resolved),
    prepared: (failOpOnRpcError) => preparedCall(resolved, failOpOnRpcError),
  };
  return { shape, inputs: resolved.inputTensors, signal: resolved.signal };
}

/** Objects a caller may change between calls: given, they are resolved every time. */
const UNSHAPED: ReadonlySet<string> = new Set(SHAPE_OBJECT_NAMES);

/** True when `o` gives only options in `known`, none of them an {@link UNSHAPED} one. */
export function givesOnly(o: Record<string, unknown>, known: ReadonlySet<string>): boolean {
  for (const key in o) {
    if (!known.has(key)) return false;
    if (UNSHAPED.has(key) && o[key] !== undefined) return false;
  }
  return true;
}

/** The signal given, or undefined when none is given or it is not an AbortSignal (the full check then reports it). */
export function givenSignal(value: unknown): AbortSignal | undefined | false {
  try {
    return checkSignal(value);
  } catch {
    return false;
  }
}

const RUN_OPTION_SET: ReadonlySet<string> = new Set(RUN_OPTION_NAMES);
const MAX_MODELS = 256;
/** run()'s shapes, by model name. */
const runShapes = new Map<unknown, CallShapes>();

/** run() options, checked (TypeError / RangeError naming the option) and shaped. */
export function shapedRunCall(options: unknown): ShapedCall {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return unshapedCall(resolveRunOptions(options));
  }
  const o = options as Record<string, unknown>;
  if (!givesOnly(o, RUN_OPTION_SET)) return unshapedCall(resolveRunOptions(o));
  const given = runShapeOptions(o);
  let shapes = runShapes.get(o.modelName);
  const signal = givenSignal(o.signal);
  if (shapes !== undefined && signal !== false) {
    const call = shapes.find(given, o.inputTensors, signal);
    if (call !== undefined) return call;
  }
  // Read once more from a plain copy: what is kept is exactly what was resolved, even from getters.
  const plain = { ...o };
  const resolved = resolveRunOptions(plain);
  if (shapes === undefined) {
    if (runShapes.size >= MAX_MODELS) runShapes.delete(runShapes.keys().next().value);
    shapes = new CallShapes();
    runShapes.set(resolved.modelName, shapes);
  }
  return shapes.add(runShapeOptions(plain), resolved);
}

function runShapeOptions(o: Record<string, unknown>): ShapeOptions {
  const given: ShapeOptions = [];
  for (const name of SHAPE_NAMES) given.push(o[name]);
  return given;
}
