import { native } from './native';

export { DType, DTYPES } from './dtypes';
export {
  GraphRemotePredictOptions,
  GraphRemotePredictResult,
  GraphRunError,
  NumericTensor,
  runRemotePredictGraph,
} from './graph';

/** The libtensorflow version loaded in this process. */
export const tensorflowVersion: string = native.tensorflowVersion;

/** Path of the op library, for Python's tf.load_op_library or C's TF_LoadLibrary. */
export const opLibraryPath: string = native.opLibraryPath;

/** Names of every op registered in this process's TensorFlow. */
export function registeredOps(): string[] {
  return native.registeredOps();
}
