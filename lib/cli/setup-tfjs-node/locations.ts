// Where setup-tfjs-node works: the project, tfjs-node's directory, this package's
// libtensorflow, and the names and files they share.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { libtensorflowDirectory, PACKAGE_ROOT } from '../../native-location';

export const TFJS_NODE_PACKAGE = '@tensorflow/tfjs-node';
/** The tfjs-node version this package sets up: its optional peer dependency in package.json. */
export const TFJS_NODE_VERSION: string = (
  readJson(path.join(PACKAGE_ROOT, 'package.json'))?.peerDependencies as Record<string, string>
)[TFJS_NODE_PACKAGE];
/** The libtensorflow version tfjs-node 4.22's installer looks for (its deps/lib/libtensorflow.so.<this>). */
const TFJS_NODE_LIBTENSORFLOW_VERSION = '2.9.1';
export const STAMP_NAME = '.tfserving-remote-predict.json';
export const TF_LIBS = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'] as const;
/** tfjs-node's deps/lib entry → the file of ours it must resolve to. */
export const DEPS_LIB_ENTRIES: Readonly<Record<string, (typeof TF_LIBS)[number]>> = {
  'libtensorflow_cc.so.2': 'libtensorflow_cc.so.2',
  'libtensorflow_framework.so.2': 'libtensorflow_framework.so.2',
  'libtensorflow.so': 'libtensorflow_cc.so.2', // -ltensorflow (NEEDED becomes the soname, libtensorflow_cc.so.2)
  'libtensorflow_framework.so': 'libtensorflow_framework.so.2', // -ltensorflow_framework
  'libtensorflow.so.2': 'libtensorflow_cc.so.2', // the name tfjs-node's own 2.9.1 build has
  [`libtensorflow.so.${TFJS_NODE_LIBTENSORFLOW_VERSION}`]: 'libtensorflow_cc.so.2', // its installer's "already downloaded" check
};

export interface Locations {
  /** This package's directory. */
  packageRoot: string;
  projectDir: string;
  /** Where tfjs-node is (or will be) installed. */
  tfjsNodeDir: string;
  /** This package's libtensorflow: include/, lib/ and VERSION. */
  libtensorflowDir: string;
  libtensorflowVersion: string | undefined;
}

export function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function realpathOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The directory of an installed package as Node would resolve it from `fromDir`. */
export function findPackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== 'node_modules') {
      const candidate = path.join(dir, 'node_modules', name);
      if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The project tfjs-node goes into: --project; else the directory holding the
 * (outermost) node_modules this package is installed in; else the current directory when
 * this package resolves from there (a file: or linked install); else this
 * package's own checkout.
 */
export function findProjectDir(packageRoot = PACKAGE_ROOT, cwd = process.env.INIT_CWD || process.cwd()): string {
  const parts = packageRoot.split(path.sep);
  const nm = parts.indexOf('node_modules'); // the outermost project, also when this package is nested
  if (nm > 0) return parts.slice(0, nm).join(path.sep) || path.sep;
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const installed = path.join(dir, 'node_modules', 'tfserving-remote-predict');
    if (
      fs.existsSync(path.join(installed, 'package.json')) &&
      realpathOrSelf(installed) === realpathOrSelf(packageRoot)
    ) {
      return dir;
    }
    if (path.dirname(dir) === dir) break;
  }
  return packageRoot;
}

export function locate(projectDir?: string, packageRoot = PACKAGE_ROOT): Locations {
  const project = path.resolve(projectDir ?? findProjectDir(packageRoot));
  // A source build's deps/libtensorflow, or the prebuilt platform package's.
  const libtensorflowDir =
    packageRoot === PACKAGE_ROOT ? libtensorflowDirectory() : path.join(packageRoot, 'deps', 'libtensorflow');
  let version: string | undefined;
  try {
    version = fs.readFileSync(path.join(libtensorflowDir, 'VERSION'), 'utf8').trim() || undefined;
  } catch {
    version = undefined;
  }
  return {
    packageRoot,
    projectDir: project,
    tfjsNodeDir: path.join(project, 'node_modules', ...TFJS_NODE_PACKAGE.split('/')),
    libtensorflowDir,
    libtensorflowVersion: version,
  };
}
