// The verify step: this package and tfjs-node loaded in one child process
// (verify-program.ts) must share one TensorFlow.
import * as path from 'node:path';

import { SetupTfjsNodeError } from './errors';
import { Locations, TF_LIBS, TFJS_NODE_PACKAGE } from './locations';
import { runCommand, tail } from './npm';
import type { VerifyReport } from './verify-program';

/** Loads this package and tfjs-node in a child process and checks they share one TensorFlow. */
export async function verify(loc: Locations, verbose: boolean): Promise<string> {
  const result = await runCommand(
    process.execPath,
    [
      path.join(__dirname, 'verify-program.js'),
      loc.packageRoot,
      loc.tfjsNodeDir,
      path.join(loc.libtensorflowDir, 'lib'),
    ],
    loc.projectDir,
    { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' },
    verbose,
  );
  const last = result.output
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (result.code !== 0 || last === undefined) {
    throw new SetupTfjsNodeError(
      'verify',
      `loading tfserving-remote-predict and ${TFJS_NODE_PACKAGE} in one process failed ` +
        `(${result.code === null ? `signal ${result.signal}` : `exit code ${result.code}`})`,
      tail(result.output),
    );
  }
  const report = JSON.parse(last) as VerifyReport;
  const problems: string[] = [];
  if (report.backend !== 'tensorflow') problems.push(`tfjs backend is '${report.backend}', not 'tensorflow'`);
  if (report.sum.join(',') !== '4,6') problems.push(`tf.add gave [${report.sum.join(', ')}]`);
  if (!report.opRegistered) problems.push('TfServingRemotePredict is not registered');
  if (report.bindingTensorflowVersion !== report.tensorflowVersion) {
    problems.push(
      `tfjs-node's binding sees TensorFlow ${report.bindingTensorflowVersion}, this package ${report.tensorflowVersion}`,
    );
  }
  for (const lib of TF_LIBS) {
    const copies = Object.entries(report.mapped[lib] ?? {});
    if (copies.length !== 1) {
      problems.push(
        `${lib} is mapped ${copies.length} times: ${copies.map(([id, p]) => `${p} (${id})`).join(', ') || 'none'}`,
      );
    } else if (copies[0][0] !== report.ours[lib]) {
      problems.push(`the mapped ${lib} is ${copies[0][1]} (${copies[0][0]}), not this package's (${report.ours[lib]})`);
    }
  }
  for (const [base, copies] of Object.entries(report.mapped)) {
    if (base.startsWith('libtensorflow') && !(TF_LIBS as readonly string[]).includes(base)) {
      problems.push(`another TensorFlow library is mapped: ${Object.values(copies).join(', ')}`);
    }
  }
  if (report.mapped['tfjs_binding.node'] === undefined) problems.push("tfjs-node's binding is not mapped");
  if (problems.length > 0) throw new SetupTfjsNodeError('verify', problems.join('; '), tail(result.output));
  return (
    `one process, one TensorFlow ${report.tensorflowVersion}: backend 'tensorflow', op registered, ` +
    'one mapped copy of libtensorflow_cc.so.2 and libtensorflow_framework.so.2'
  );
}
