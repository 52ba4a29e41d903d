// Runs TfServingRemotePredict inside a one-op TensorFlow graph (a session on
// a worker thread): the same path SavedModels holding the op take.
import { DTYPES, DType, dtypeFromTfType } from './dtypes';
import { native } from './native';

export interface NumericTensor {
  dtype: Exclude<DType, 'string'>;
  shape: number[];
  data: ArrayBufferView;
}

export interface GraphRemotePredictOptions {
  targetAddress: string;
  modelName: string;
  modelVersion?: number;
  signatureName?: string;
  maxRpcDeadlineMillis?: number;
  failOpOnRpcError?: boolean;
  inputTensorAliases: string[];
  inputTensors: NumericTensor[];
  outputTensorAliases: string[];
  outputTypes: Exclude<DType, 'string'>[];
}

export interface GraphRemotePredictResult {
  statusCode: number;
  statusErrorMessage: string;
  outputTensors: NumericTensor[];
}

export class GraphRunError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'GraphRunError';
  }
}

export async function runRemotePredictGraph(
  options: GraphRemotePredictOptions,
): Promise<GraphRemotePredictResult> {
  const result = await native.runRemotePredictGraph({
    targetAddress: options.targetAddress,
    modelName: options.modelName,
    modelVersion: options.modelVersion ?? -1,
    signatureName: options.signatureName ?? 'serving_default',
    maxRpcDeadlineMillis: options.maxRpcDeadlineMillis ?? 3000,
    failOpOnRpcError: options.failOpOnRpcError ?? true,
    inputTensorAliases: options.inputTensorAliases,
    inputTensors: options.inputTensors.map((t) => ({ dtype: DTYPES[t.dtype].tfType, shape: t.shape, data: t.data })),
    outputTensorAliases: options.outputTensorAliases,
    outputTypes: options.outputTypes.map((dtype) => DTYPES[dtype].tfType),
  });
  if (result.errorCode !== 0) throw new GraphRunError(result.errorCode, result.errorMessage);
  return {
    statusCode: result.statusCode,
    statusErrorMessage: result.statusErrorMessage,
    outputTensors: result.outputs.map((output) => {
      const dtype = dtypeFromTfType(output.dtype) as Exclude<DType, 'string'>;
      const ArrayType = DTYPES[dtype].arrayType!;
      return { dtype, shape: output.shape, data: new ArrayType(output.bytes) };
    }),
  };
}
