import * as path from 'node:path';

export interface NativeTensor {
  dtype: number;
  shape: number[];
  bytes: ArrayBuffer;
}

export interface NativeGraphCall {
  targetAddress: string;
  modelName: string;
  modelVersion: number;
  signatureName: string;
  maxRpcDeadlineMillis: number;
  failOpOnRpcError: boolean;
  inputTensorAliases: string[];
  inputTensors: { dtype: number; shape: number[]; data: ArrayBufferView }[];
  outputTensorAliases: string[];
  outputTypes: number[];
}

export interface NativeGraphResult {
  errorCode: number;
  errorMessage: string;
  statusCode: number;
  statusErrorMessage: string;
  outputs: NativeTensor[];
}

export interface NativeAddon {
  tensorflowVersion: string;
  builtAgainstTensorflowVersion: string;
  opLibraryPath: string;
  registeredOps(): string[];
  runRemotePredictGraph(call: NativeGraphCall): Promise<NativeGraphResult>;
}

export const addonPath = path.resolve(__dirname, '..', 'build', 'Release', 'tfserving_remote_predict.node');

// TensorFlow's informational start-up lines are noise for a library's users.
process.env.TF_CPP_MIN_LOG_LEVEL ??= '1';

function loadAddon(): NativeAddon {
  try {
    return require(addonPath) as NativeAddon;
  } catch (cause) {
    const error = new Error(
      `tfserving-remote-predict: cannot load its native addon ${addonPath}: ${(cause as Error).message}`,
    );
    (error as Error & { cause: unknown }).cause = cause;
    throw error;
  }
}

export const native: NativeAddon = loadAddon();
