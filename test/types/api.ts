// Type test of the public API, compiled (never run) by `tsc --noEmit -p test/types`
// under `strict`: what must compile does, each `@ts-expect-error` line must fail
// (test/types.test.js also checks that every one of them fails without its directive).
import * as tf from '@tensorflow/tfjs';
import {
  CallStats,
  ChannelOptions,
  DType,
  IN_PROCESS_TARGET,
  loadSavedModel,
  PlainTensorInput,
  PredictionClient,
  PredictionClientOptions,
  RemotePredictError,
  run,
  RUN_OPTION_DEFAULTS,
  RunOptions,
  runReturningStatus,
  RunStatusResult,
  serveInProcess,
  ServeInProcessOptions,
  setTargetChannelOptions,
  setTargetMetadata,
  stats,
  Tensor,
  TensorInput,
  toTfjs,
  unserveInProcess,
  WidenedTensorInput,
} from 'tfserving-remote-predict';

/** true when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when the value's type is exactly T: `same<Expected>()(value)`. */
declare function same<T>(): <V>(value: V, ...proof: Equal<V, T> extends true ? [] : ['types differ']) => void;

declare const target: string;
declare const f32: Float32Array;
declare const i32: Int32Array;
declare const i64: BigInt64Array;

const x: PlainTensorInput = { dtype: 'float32', shape: [3], data: f32 };
/** A valid call of half_plus_two, minus outputTypes. */
const call = {
  targetAddress: target,
  modelName: 'half_plus_two',
  inputTensorAliases: ['x'],
  inputTensors: [x],
  outputTensorAliases: ['y'],
};

export async function outputsTypedFromOutputTypes(): Promise<void> {
  // (a) A literal tuple of dtypes, no `as const`: one typed tensor per output.
  const outputs = await run({ ...call, outputTensorAliases: ['y', 'n'], outputTypes: ['float32', 'int64'] });
  same<[Tensor<'float32'>, Tensor<'int64'>]>()(outputs);
  const [y, n] = outputs;
  same<Float32Array>()(y.data);
  same<BigInt64Array>()(n.data);
  same<number[]>()(Array.from(y.data));
  same<number>()(y.data.reduce((sum, v) => sum + v, 0));
  same<bigint[]>()(Array.from(n.data));
  same<'float32'>()(y.dtype);
  same<number[]>()(y.shape);
  // @ts-expect-error: a float32 output is not int64 data
  const wrong: BigInt64Array = y.data;
  // @ts-expect-error: two outputs, no third
  const [, , third] = outputs;
  void wrong;
  void third;

  // Strings, and several outputs of one dtype.
  const [s, a, b] = await run({
    ...call,
    outputTensorAliases: ['s', 'a', 'b'],
    outputTypes: ['string', 'int32', 'int32'],
  });
  same<Uint8Array[]>()(s.data);
  same<Int32Array>()(a.data);
  same<Int32Array>()(b.data);

  // A DType[] (not a literal): Tensor[].
  const types: DType[] = ['float32'];
  const many = await run({ ...call, outputTypes: types });
  same<Tensor[]>()(many);
  // @ts-expect-error: Tensor[] is not a tuple
  const one: [Tensor] = many;
  void one;

  // `as const` and readonly arrays work too.
  same<[Tensor<'bool'>]>()(await run({ ...call, outputTypes: ['bool'] as const }));
  const readonlyTypes: readonly DType[] = types;
  same<Tensor[]>()(await run({ ...call, outputTypes: readonlyTypes }));

  // runReturningStatus(): outputTensors typed the same way.
  const status = await runReturningStatus({
    ...call,
    outputTypes: ['float32', 'uint8'],
    outputTensorAliases: ['y', 'z'],
  });
  same<RunStatusResult<readonly ['float32', 'uint8']>>()(status);
  same<[Tensor<'float32'>, Tensor<'uint8'>]>()(status.outputTensors);
  same<number>()(status.statusCode);
  same<Tensor[]>()((await runReturningStatus({ ...call, outputTypes: types })).outputTensors);

  // @ts-expect-error: 'flaot32' is not a dtype
  await run({ ...call, outputTypes: ['flaot32'] });
}

export async function optionsInAVariable(): Promise<void> {
  // (b) The idiom: build the options as a plain object, no annotation, no `as const`.
  // dtype widens to `string` and outputTypes to `string[]`; run() accepts them
  // (a WidenedTensorInput) and checks dtype and data when the call is made.
  const options = {
    targetAddress: target,
    modelName: 'half_plus_two',
    inputTensorAliases: ['x', 'n'],
    inputTensors: [
      { dtype: 'float32', shape: [3], data: new Float32Array([1, 2, 5]) },
      { dtype: 'string', shape: [2], data: ['a', new Uint8Array([98])] },
    ],
    outputTensorAliases: ['y'],
    outputTypes: ['float32'],
    deadlineMillis: 5000,
  };
  same<Tensor[]>()(await run(options));
  same<Tensor[]>()((await runReturningStatus(options)).outputTensors);
  const widened: WidenedTensorInput = options.inputTensors[0];
  void widened;

  // Where the compiler can tell, it still refuses: data that no dtype has …
  const numbers = { ...options, inputTensors: [{ dtype: 'float32', shape: [3], data: [1, 2, 5] }] };
  // @ts-expect-error: number[] is not tensor data (a Float32Array is)
  await run(numbers);
  const badShape = { ...options, inputTensors: [{ dtype: 'float32', shape: ['3'], data: f32 }] };
  // @ts-expect-error: a shape holds numbers
  await run(badShape);

  // Annotated (`: RunOptions` or `satisfies RunOptions`), the dtypes are checked
  // by the compiler; `satisfies` keeps the dtype of the outputs.
  const annotated: RunOptions = { ...call, outputTypes: ['float32'] };
  annotated.deadlineMillis = 100;
  same<Tensor[]>()(await run(annotated));
  const satisfying = { ...call, outputTypes: ['float32'] } satisfies RunOptions;
  same<Tensor<'float32'>[]>()(await run(satisfying));
  // @ts-expect-error: 'flaot32' is not a dtype
  const typo: RunOptions = { ...call, outputTypes: ['flaot32'] };
  void typo;
  // @ts-expect-error: an annotated tensor must pair dtype and data
  const mismatched: PlainTensorInput = { dtype: 'float32', shape: [1], data: i32 };
  void mismatched;
}

export async function inputsChecked(): Promise<void> {
  const out = ['y'];
  // Literal tensors: dtype and data checked against each other.
  await run({ ...call, outputTypes: ['float32'], inputTensors: [{ dtype: 'int64', shape: [1], data: i64 }] });
  await run({
    ...call,
    outputTypes: ['float32'],
    inputTensors: [{ dtype: 'string', shape: [2], data: ['a', new Uint8Array(1)] }],
  });
  await run({
    ...call,
    outputTypes: ['float32'],
    inputTensors: [{ dtype: 'complex64', shape: [1], data: new Float32Array(2) }],
  });
  // A tfjs tensor as it is.
  await run({ ...call, outputTypes: ['float32'], inputTensors: [tf.tensor([1, 2, 5])] });
  // TensorInput[] (annotated) as before.
  const inputs: TensorInput[] = [x, tf.tensor([1])];
  await run({ ...call, inputTensorAliases: ['x', 'z'], inputTensors: inputs, outputTypes: ['float32'] });
  // A dtype typed as a union (or DType): data of one of them; the pair is checked at run time.
  const dtype = Math.random() < 0.5 ? ('float32' as const) : ('int32' as const);
  await run({
    ...call,
    outputTypes: ['float32'],
    inputTensors: [{ dtype, shape: [3], data: Math.random() < 0.5 ? f32 : i32 }],
  });

  await run({
    ...call,
    outputTensorAliases: out,
    outputTypes: ['float32'],
    // @ts-expect-error: 'flaot32' is not a dtype
    inputTensors: [{ dtype: 'flaot32', shape: [3], data: f32 }],
  });
  await run({
    ...call,
    outputTypes: ['float32'],
    // @ts-expect-error: float32 data is a Float32Array
    inputTensors: [{ dtype: 'float32', shape: [3], data: i32 }],
  });
  await run({
    ...call,
    outputTypes: ['float32'],
    // @ts-expect-error: int64 data is a BigInt64Array
    inputTensors: [{ dtype: 'int64', shape: [1], data: [1n] }],
  });
  await run({
    ...call,
    outputTypes: ['float32'],
    // @ts-expect-error: a Float32Array is not a tensor
    inputTensors: [f32],
  });
  await run({
    ...call,
    outputTypes: ['float32'],
    // @ts-expect-error: unknown option (a typo of deadlineMillis)
    deadlineMilis: 100,
  });
  // @ts-expect-error: modelName is required
  await run({
    targetAddress: target,
    inputTensorAliases: [],
    inputTensors: [],
    outputTensorAliases: [],
    outputTypes: [],
  });
}

export async function deadlineNames(): Promise<void> {
  // One name: deadlineMillis; the old names still compile (marked @deprecated).
  await run({ ...call, outputTypes: ['float32'], deadlineMillis: 200 });
  await run({ ...call, outputTypes: ['float32'], maxRpcDeadlineMillis: 200 });
  same<3000>()(RUN_OPTION_DEFAULTS.deadlineMillis);
  new PredictionClient({ targetAddress: target, deadlineMillis: 200 });
  new PredictionClient({ targetAddress: target, maxRpcDeadlineMillis: 200 });
  const model = await loadSavedModel('/models/m');
  await model.predict({ x }, { deadlineMillis: 200 });
  await model.predict({ x }, { timeoutMillis: 200 });
  // @ts-expect-error: a deadline is a number
  await model.predict({ x }, { deadlineMillis: '200' });
}

export async function client(): Promise<void> {
  const x3 = { inputTensorAliases: ['x'], inputTensors: [x] };

  // (f) Defaults for modelName, aliases and dtypes: calls may leave them out,
  // and the outputs are typed from the default outputTypes.
  const full = new PredictionClient({
    targetAddress: target,
    modelName: 'half_plus_two',
    outputTensorAliases: ['y', 'n'],
    outputTypes: ['float32', 'int64'],
  });
  const [y, n] = await full.run(x3);
  same<Float32Array>()(y.data);
  same<BigInt64Array>()(n.data);
  same<[Tensor<'float32'>, Tensor<'int64'>]>()((await full.runReturningStatus(x3)).outputTensors);
  // A call's own outputTypes win.
  same<[Tensor<'uint8'>]>()(await full.run({ ...x3, outputTensorAliases: ['z'], outputTypes: ['uint8'] }));
  same<Tensor[]>()(await full.run({ ...x3, outputTypes: ['uint8'] as DType[] }));

  // No defaults: modelName, outputTensorAliases and outputTypes are required per call.
  const bare = new PredictionClient({ targetAddress: target });
  same<[Tensor<'float32'>]>()(
    await bare.run({ ...x3, modelName: 'm', outputTensorAliases: ['y'], outputTypes: ['float32'] }),
  );
  // @ts-expect-error: no default modelName, none given
  await bare.run({ ...x3, outputTensorAliases: ['y'], outputTypes: ['float32'] });
  // @ts-expect-error: no default outputTypes, none given
  await bare.run({ ...x3, modelName: 'm', outputTensorAliases: ['y'] });
  // @ts-expect-error: no default outputTensorAliases, none given
  await bare.run({ ...x3, modelName: 'm', outputTypes: ['float32'] });

  // A default modelName alone.
  const named = new PredictionClient({ targetAddress: target, modelName: 'm' });
  same<Tensor[]>()(await named.run({ ...x3, outputTensorAliases: ['y'], outputTypes: ['float32'] as DType[] }));
  // @ts-expect-error: no default outputTypes
  await named.run({ ...x3, outputTensorAliases: ['y'] });

  // Options from a variable: a PredictionClientOptions says nothing of which
  // defaults are there, so calls give them; widened outputTypes are accepted.
  const clientOptions: PredictionClientOptions = { targetAddress: target, modelName: 'm' };
  const fromVariable = new PredictionClient(clientOptions);
  await fromVariable.run({ ...x3, modelName: 'm', outputTensorAliases: ['y'], outputTypes: ['float32'] });
  // @ts-expect-error: the type does not promise a default modelName
  await fromVariable.run({ ...x3, outputTensorAliases: ['y'], outputTypes: ['float32'] });
  const plain = { targetAddress: target, modelName: 'm', outputTensorAliases: ['y'], outputTypes: ['float32'] };
  same<Tensor[]>()(await new PredictionClient(plain).run(x3));
  // A client of any defaults is a PredictionClient.
  const clients: PredictionClient[] = [full, bare, named, fromVariable];
  void clients;

  // @ts-expect-error: the target is the client's
  await full.run({ ...x3, targetAddress: 'elsewhere:8500' });
  // @ts-expect-error: 'flaot32' is not a dtype
  new PredictionClient({ targetAddress: target, outputTypes: ['flaot32'] });
  // @ts-expect-error: unknown option (a typo of deadlineMillis)
  new PredictionClient({ targetAddress: target, deadlineMilis: 100 });
  // @ts-expect-error: targetAddress is required
  new PredictionClient({ modelName: 'm' });

  // (e) close(): idempotent; later calls reject with a RemotePredictError.
  full.close();
  full.close();
  same<boolean>()(full.closed);
  await full
    .run(x3)
    .catch((error: unknown) => error instanceof RemotePredictError && error.codeName === 'FAILED_PRECONDITION');
}

export async function savedModel(): Promise<void> {
  const model = await loadSavedModel('/models/m', { targetOverrides: { 'a:1': 'b:2' } });
  same<Record<string, Tensor>>()(await model.predict({ x }));
  // Inputs from a plain object too (dtype widened to string).
  const inputs = { x: { dtype: 'float32', shape: [3], data: f32 } };
  await model.predict(inputs, { signature: 'serving_default', outputs: ['y'] });
  await model.predict({ x: tf.tensor([1, 2]) });
  // A tensor built without annotation, in an object literal: accepted too.
  const widened = { dtype: 'float32', shape: [3], data: f32 };
  await model.predict({ x: widened, y: { dtype: 'int32', shape: [3], data: i32 } });
  await run({ ...call, outputTypes: ['float32'], inputTensors: [widened] });
  // @ts-expect-error: 'flaot32' is not a dtype
  await model.predict({ x: { dtype: 'flaot32', shape: [3], data: f32 } });
  // @ts-expect-error: float32 data is a Float32Array
  await model.predict({ x: { dtype: 'float32', shape: [3], data: i32 } });
  // @ts-expect-error: unknown option
  await model.predict({ x }, { deadlineMilis: 5 });
}

export async function inProcess(): Promise<void> {
  const model = await loadSavedModel('/models/half_plus_two/2');
  const options: ServeInProcessOptions = { version: 2, versionLabels: ['stable'] };
  same<void>()(serveInProcess('half_plus_two', model, options));
  serveInProcess('half_plus_two', model);
  same<string>()(IN_PROCESS_TARGET);
  await run({ ...call, targetAddress: IN_PROCESS_TARGET, outputTypes: ['float32'] });
  same<void>()(unserveInProcess('half_plus_two', 2));
  unserveInProcess('half_plus_two');
  // @ts-expect-error: the model is a SavedModel, not its directory
  serveInProcess('half_plus_two', '/models/half_plus_two/2');
  // @ts-expect-error: versionLabels is an array of labels
  serveInProcess('half_plus_two', model, { versionLabels: 'stable' });
}

export async function tfjs(): Promise<void> {
  const [y] = await run({ ...call, outputTypes: ['float32'] });
  // (d) toTfjs() returns the module's tensor type.
  const t = toTfjs(y, tf);
  same<tf.Tensor<tf.Rank>>()(t);
  same<tf.DataType>()(t.dtype);
  t.dispose();
  // The former explicit form still compiles (deprecated).
  const explicit = toTfjs<tf.Tensor1D>(y, tf);
  same<tf.Tensor1D>()(explicit);
  // @ts-expect-error: a tf.Tensor is not a string
  const s: string = toTfjs(y, tf);
  // @ts-expect-error: {} is not a tfjs module
  toTfjs(y, {});
  void s;
}

export async function productionChannels(): Promise<void> {
  const channelOptions: ChannelOptions = {
    loadBalancing: 'round_robin',
    keepalive: { timeMillis: 30000, timeoutMillis: 5000, permitWithoutCalls: false },
    retry: { maxAttempts: 3, retryableStatusCodes: ['UNAVAILABLE', 10] },
    reconnectBackoff: { maxMillis: 2000 },
    connections: 2,
  };
  const client = new PredictionClient({
    targetAddress: target,
    modelName: 'half_plus_two',
    outputTypes: ['float32'],
    channelOptions,
    metadata: { authorization: 'Bearer x', 'trace-bin': new Uint8Array([1]) },
    waitForReady: true,
  });
  await client.run({
    inputTensorAliases: ['x'],
    inputTensors: [x],
    outputTensorAliases: ['y'],
    metadata: { 'x-id': '1' },
  });
  await run({ ...call, outputTypes: ['float32'], metadata: { 'x-id': '1' }, waitForReady: false });
  const counters: CallStats = client.stats();
  same<number>()(stats().inFlight);
  same<number[]>()(counters.latency.counts);
  setTargetChannelOptions(target, { loadBalancing: 'pick_first' });
  setTargetChannelOptions(target, null);
  setTargetMetadata(target, { authorization: 'Bearer x' });
  setTargetMetadata(target, null);
  // @ts-expect-error: not a load balancing policy
  setTargetChannelOptions(target, { loadBalancing: 'grpclb' });
  // @ts-expect-error: metadata values are strings or bytes
  await run({ ...call, outputTypes: ['float32'], metadata: { 'x-id': 1 } });
  // @ts-expect-error: keepalive needs timeMillis
  setTargetChannelOptions(target, { keepalive: { timeoutMillis: 1 } });
}
