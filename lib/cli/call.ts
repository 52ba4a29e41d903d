// The call mode: --target ... runs one call and prints its inputs, outputs and latency.
import { performance } from 'node:perf_hooks';

import { RemotePredictError } from '../errors';
import type { RunOptions } from '../options';
import { run, runReturningStatus } from '../run';
import { statusCodeName } from '../status-codes';
import type { PlainTensorInput, Tensor } from '../tensor';
import { deadlineFromFlags } from './deadline';
import { parseInputSpec, parseOutputSpec } from './tensor-args';
import { formatInput, formatTensor } from './tensor-text';
import { integerFlag, UsageError } from './usage';

function formatStatus(statusCode: number, statusErrorMessage: string): string {
  return `status ${statusCode} (${statusCodeName(statusCode)})${statusErrorMessage ? `: ${statusErrorMessage}` : ''}`;
}

export const millis = (since: number): string => `${(performance.now() - since).toFixed(1)} ms`;

// ---------------------------------------------------------------------------
// The two modes.

export interface Call {
  options: RunOptions;
  inputs: { alias: string; tensor: PlainTensorInput }[];
  statusMode: boolean;
}

/** Runs one call and prints it; returns the exit status. */
export async function callAndPrint({ options, inputs, statusMode }: Call, indent = ''): Promise<number> {
  for (const { alias, tensor } of inputs) console.log(`${indent}input  ${formatInput(alias, tensor)}`);
  const printOutputs = (tensors: Tensor[]): void => {
    tensors.forEach((t, i) => console.log(`${indent}output ${formatTensor(options.outputTensorAliases[i], t)}`));
  };
  const started = performance.now();
  try {
    if (statusMode) {
      const { statusCode, statusErrorMessage, outputTensors } = await runReturningStatus(options);
      const latency = millis(started);
      console.log(`${indent}${formatStatus(statusCode, statusErrorMessage)}`);
      printOutputs(outputTensors);
      console.log(`${indent}latency ${latency}`);
      return statusCode === 0 ? 0 : 1;
    }
    const outputTensors = await run(options);
    const latency = millis(started);
    printOutputs(outputTensors);
    console.log(`${indent}latency ${latency}`);
    return 0;
  } catch (error) {
    if (!(error instanceof RemotePredictError)) throw error;
    console.log(`${indent}error ${error.message} (code ${error.code}); latency ${millis(started)}`);
    return 1;
  }
}

/** The flags of a call (`--target ...`). */
export const CALL_FLAGS = {
  target: { type: 'string' },
  model: { type: 'string' },
  input: { type: 'string', multiple: true },
  output: { type: 'string', multiple: true },
  deadline: { type: 'string' },
  version: { type: 'string' },
  label: { type: 'string' },
  signature: { type: 'string' },
  status: { type: 'boolean' },
} as const;

export function callFromArgs(values: Record<string, string | boolean | string[] | undefined>): Call {
  const str = (name: string): string | undefined => values[name] as string | undefined;
  const list = (name: string): string[] => (values[name] as string[] | undefined) ?? [];
  if (!str('model')) throw new UsageError('--model is required with --target');
  const inputs = list('input').map(parseInputSpec);
  const outputs = list('output').map(parseOutputSpec);
  if (outputs.length === 0) throw new UsageError('at least one --output ALIAS=DTYPE is required');
  if (str('version') !== undefined && str('label') !== undefined) {
    throw new UsageError('--version and --label exclude each other');
  }
  const options: RunOptions = {
    targetAddress: str('target')!,
    modelName: str('model')!,
    inputTensorAliases: inputs.map((i) => i.alias),
    inputTensors: inputs.map((i) => i.tensor),
    outputTensorAliases: outputs.map((o) => o.alias),
    outputTypes: outputs.map((o) => o.dtype),
  };
  const version = integerFlag('version', str('version'));
  const deadline = deadlineFromFlags({ deadline: str('deadline') });
  if (version !== undefined) options.modelVersion = version;
  if (deadline !== undefined) options.maxRpcDeadlineMillis = deadline;
  if (str('label') !== undefined) options.versionLabel = str('label');
  if (str('signature') !== undefined) options.signatureName = str('signature');
  return { options, inputs, statusMode: values.status === true };
}
