// Run by setup-tfjs-node's verify step in a child process:
//   node verify-program.js PACKAGE_ROOT TFJS_NODE_DIR LIBTENSORFLOW_LIB_DIR
// Loads this package and tfjs-node, runs an op, and prints (as the last line, JSON)
// what verify.ts checks: the backend, the op's registration and which files of
// each TensorFlow library /proc/self/maps holds.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface VerifyReport {
  backend: string;
  sum: number[];
  tensorflowVersion: string;
  bindingTensorflowVersion: string;
  opRegistered: boolean;
  /** Library base name → device:inode → path, for every mapping of a TensorFlow library or tfjs's binding. */
  mapped: Record<string, Record<string, string>>;
  /** Our two TensorFlow libraries → device:inode, as /proc/self/maps prints them. */
  ours: Record<string, string>;
}

interface TfjsNode {
  add(a: unknown, b: unknown): { dataSync(): ArrayLike<number> };
  tensor1d(values: number[]): unknown;
  getBackend(): string;
  backend(): { binding?: { TF_Version?: string } };
}

/** The device as /proc/self/maps prints it (major:minor in hex) and the inode of `file`. */
function fileId(file: string): string {
  const st = fs.statSync(file, { bigint: true });
  const major = ((st.dev >> 8n) & 0xfffn) | ((st.dev >> 32n) & ~0xfffn);
  const minor = (st.dev & 0xffn) | ((st.dev >> 12n) & ~0xffn);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${st.ino}`;
}

function mappedLibraries(): VerifyReport['mapped'] {
  const mapped: VerifyReport['mapped'] = {};
  for (const line of fs.readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const m = /^\S+ \S+ \S+ (\S+) (\d+)\s+(\/.*)$/.exec(line);
    if (!m) continue;
    const base = path.basename(m[3]);
    if (!/^libtensorflow|^tfjs_binding/.test(base)) continue;
    (mapped[base] ??= {})[`${m[1]}:${m[2]}`] = m[3];
  }
  return mapped;
}

function main([packageRoot, tfjsNodeDir, libDir]: string[]): VerifyReport {
  /* eslint-disable @typescript-eslint/no-require-imports -- the two packages under test, found at run time */
  const api = require(packageRoot) as { tensorflowVersion: string; registeredOps(): string[] };
  const tf = require(tfjsNodeDir) as TfjsNode;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const sum = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync();
  const ours: Record<string, string> = {};
  for (const lib of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'])
    ours[lib] = fileId(path.join(libDir, lib));
  return {
    backend: tf.getBackend(),
    sum: Array.from(sum),
    tensorflowVersion: api.tensorflowVersion,
    bindingTensorflowVersion: tf.backend().binding?.TF_Version ?? '',
    opRegistered: api.registeredOps().includes('TfServingRemotePredict'),
    mapped: mappedLibraries(),
    ours,
  };
}

if (require.main === module) console.log(JSON.stringify(main(process.argv.slice(2))));
