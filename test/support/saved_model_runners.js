'use strict';
// The same SavedModel run from Python (tf.saved_model.load) and from C
// (TF_LoadSessionFromSavedModel), for comparison with Node's loadSavedModel.
const { execFile } = require('node:child_process');
const path = require('node:path');
const { promisify } = require('node:util');
const { python } = require('./python');

const ROOT = path.resolve(__dirname, '..', '..');
const OP_LIBRARY = path.join(ROOT, 'build', 'Release', 'libtfserving_remote_predict_op.so');
const run = promisify(execFile);

function envWithOverrides(overrides) {
  const spec = Object.entries(overrides)
    .map(([from, to]) => `${from}=${to}`)
    .join(',');
  return { ...process.env, TFSRP_TARGET_OVERRIDES: spec, TF_CPP_MIN_LOG_LEVEL: '2' };
}

/** ['--serve', 'model=version:dir', ...] for `serve` ({ model: { version, dir } }). */
function serveArgs(serve = {}) {
  return Object.entries(serve).flatMap(([model, { version, dir }]) => ['--serve', `${model}=${version}:${dir}`]);
}

/**
 * { outputName: { dtype, shape, values } } from Python. `serve` ({ model: { version, dir } }):
 * SavedModels served in the Python process first (TfsrpServeInProcess).
 */
async function runInPython(exportDir, { signature = 'serving_default', inputs, overrides, serve = {} }) {
  const args = [path.join(ROOT, 'test', 'python', 'run_saved_model.py'), exportDir, '--signature', signature];
  for (const [name, spec] of Object.entries(inputs)) args.push('--input', `${name}=${spec}`);
  args.push(...serveArgs(serve));
  const { stdout } = await run(python(), args, {
    env: { ...envWithOverrides(overrides), TFSRP_OP_LIBRARY: OP_LIBRARY },
    maxBuffer: 1 << 24,
  });
  return JSON.parse(stdout.trim().split('\n').pop()).outputs;
}

/** [{ tensor, dtype, shape, values }] from C, in the order of `outputs` (tensor names); `serve` as above. */
async function runInC(exportDir, { inputs, outputs, overrides, serve = {} }) {
  const args = [OP_LIBRARY, exportDir];
  for (const [tensorName, spec] of Object.entries(inputs)) args.push('--input', `${tensorName}=${spec}`);
  for (const tensorName of outputs) args.push('--output', tensorName);
  args.push(...serveArgs(serve));
  const { stdout } = await run(path.join(ROOT, 'build', 'Release', 'saved_model_runner'), args, {
    env: envWithOverrides(overrides),
    maxBuffer: 1 << 24,
  });
  return JSON.parse(stdout.trim().split('\n').pop()).outputs;
}

module.exports = { runInPython, runInC };
