#!/usr/bin/env node
// tfserving-remote-predict: calls a TF Serving PredictionService from the
// command line, or (with no --target) runs a demo against a local reference
// server hosting the example models.
import { DTYPES } from '../dtypes';
import { CALL_FLAGS, callAndPrint, callFromArgs } from './call';
import { demo } from './demo';
import { fetchLibtensorflowCcCommand } from './fetch-libtensorflow-cc';
import { SERVE_USAGE, serveCommand } from './serve';
import { setupTfjsNodeCommand, TFJS_NODE_PACKAGE, TFJS_NODE_VERSION } from './setup-tfjs-node';
import { parseCommandArgs, UsageError, usageFailure } from './usage';

const PROGRAM = 'tfserving-remote-predict';

const USAGE = `Usage:
  ${PROGRAM}
      Starts a local reference PredictionService hosting the example models
      and runs half_plus_two through run() and runReturningStatus().

  ${PROGRAM} --target HOST:PORT --model NAME
      --input ALIAS=DTYPE[SHAPE]:V1,V2,...   (repeatable)
      --output ALIAS=DTYPE                   (repeatable)
      [--deadline MS] [--version N | --label LABEL] [--signature NAME] [--status]
      Calls that server and prints the outputs.

${SERVE_USAGE}

  ${PROGRAM} setup-tfjs-node [--project DIR] [--force] [--check] [--verbose]
      Installs ${TFJS_NODE_PACKAGE}@${TFJS_NODE_VERSION} next to this package on this package's
      libtensorflow (its deps/ linked to ours, its binding built from source, no
      download of its own libtensorflow), so tf.node.loadSavedModel runs graphs that
      hold TfServingRemotePredict. Idempotent; re-run it after npm ci.
      (${PROGRAM} setup-tfjs-node --help for details.)

  ${PROGRAM} fetch-libtensorflow-cc [--from DIR] [--headers] [--check]
      For a prebuilt install (no compiler): stages libtensorflow_cc.so.2, which
      loadSavedModel() needs and the prebuilt package leaves out, from pip's
      tensorflow-cpu wheel of the same version (or a TensorFlow directory you have).
      (${PROGRAM} fetch-libtensorflow-cc --help for details.)

Options of the call (serve --help and setup-tfjs-node --help list theirs):
  --target ADDRESS    host:port (or dns:///host:port, ipv4:..., unix:/path)
  --model NAME        model name
  --input SPEC        e.g. x=float32[3]:1,2,5   x=float32:1,2,5 (1-D)   n=int64[]:7 (scalar)
                      dtypes: ${Object.keys(DTYPES).join(', ')}
                      floats accept nan, inf, -inf; bool true/false/1/0; float16 and
                      bfloat16 take numbers (rounded to the nearest value); complex
                      values are re,im pairs; strings are comma-separated, or a JSON
                      array: s=string[2]:["a,b","c"]
  --output SPEC       e.g. y=float32
  --deadline MS       RPC deadline in milliseconds (default 3000)
  --version N         model version (default: latest)
  --label LABEL       model version label (instead of --version)
  --signature NAME    signature (default serving_default)
  --status            use runReturningStatus(): print the status instead of failing
  -h, --help          this help

Exit status: 0 on success, 1 when the call fails (or returns a non-zero status), 2 for bad arguments.`;

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  if (argv[0] === 'serve') return serveCommand(argv.slice(1), PROGRAM);
  if (argv[0] === 'setup-tfjs-node') return setupTfjsNodeCommand(argv.slice(1), PROGRAM);
  if (argv[0] === 'fetch-libtensorflow-cc') return fetchLibtensorflowCcCommand(argv.slice(1), PROGRAM);
  const values = parseCommandArgs(argv, CALL_FLAGS, PROGRAM, USAGE);
  if (typeof values === 'number') return values;
  if (values.target === undefined) {
    const others = Object.keys(values).filter((k) => k !== 'target');
    if (others.length > 0) {
      return usageFailure(PROGRAM, new UsageError(`--${others[0]} needs --target (without it, the demo runs)`), USAGE);
    }
    return demo(PROGRAM);
  }
  try {
    return await callAndPrint(callFromArgs(values));
  } catch (error) {
    // Bad flags, and options run() refuses (TypeError / RangeError naming the option).
    if (error instanceof UsageError || error instanceof TypeError || error instanceof RangeError) {
      return usageFailure(PROGRAM, error, USAGE);
    }
    throw error;
  }
}

if (require.main === module) {
  main().then(
    (status) => {
      process.exitCode = status;
    },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
