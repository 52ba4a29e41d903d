// `tfserving-remote-predict setup-tfjs-node`: installs @tensorflow/tfjs-node next
// to this package on the libtensorflow this package provisions
// (docs/ARCHITECTURE.md#tfjs-node), so that one process holds one TensorFlow with both the op and
// tfjs-node's kernels in it:
//
//   1. install   npm install --no-save --ignore-scripts @tensorflow/tfjs-node@TFJS_NODE_VERSION
//                in the project that holds this package (skipped when present);
//   2. stage     its deps/: include/ and lib/ as symlinks to this package's
//                deps/libtensorflow (the two .so.2 files, the link names its
//                build uses, the libtensorflow.so.2.9.1 entry that stops its
//                installer from downloading) and scripts/custom-binary.json
//                (so it builds from source instead of fetching a prebuilt binding);
//   3. build     npm rebuild @tensorflow/tfjs-node against the local Node headers;
//   4. verify    a child process loads this package and tfjs-node, runs an op and
//                checks /proc/self/maps holds one copy of each TensorFlow library;
//   5. a stamp in tfjs-node's deps/ records what was built, so a second run with
//                everything in place is a quick no-op.
//
// This module does not load the native addon (status checks stay cheap and work
// when the addon cannot load).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { isPrebuilt, libtensorflowDirectory } from './native-location';

export const TFJS_NODE_PACKAGE = '@tensorflow/tfjs-node';
/**
 * The tfjs-node version this package sets up: the one place the CLI and this module take it
 * from. It must equal package.json's peerDependencies entry (test/cli.test.js checks).
 */
export const TFJS_NODE_VERSION = '4.22.0';
/** The libtensorflow version tfjs-node 4.22's installer looks for (its deps/lib/libtensorflow.so.<this>). */
const TFJS_NODE_LIBTENSORFLOW_VERSION = '2.9.1';
const STAMP_NAME = '.tfserving-remote-predict.json';
const TF_LIBS = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'] as const;
/** tfjs-node's deps/lib entry → the file of ours it must resolve to. */
const DEPS_LIB_ENTRIES: Readonly<Record<string, (typeof TF_LIBS)[number]>> = {
  'libtensorflow_cc.so.2': 'libtensorflow_cc.so.2',
  'libtensorflow_framework.so.2': 'libtensorflow_framework.so.2',
  'libtensorflow.so': 'libtensorflow_cc.so.2',  // -ltensorflow (NEEDED becomes the soname, libtensorflow_cc.so.2)
  'libtensorflow_framework.so': 'libtensorflow_framework.so.2',  // -ltensorflow_framework
  'libtensorflow.so.2': 'libtensorflow_cc.so.2',  // the name tfjs-node's own 2.9.1 build has
  [`libtensorflow.so.${TFJS_NODE_LIBTENSORFLOW_VERSION}`]: 'libtensorflow_cc.so.2',  // its installer's "already downloaded" check
};

export const SETUP_TFJS_NODE_USAGE = `Usage:
  tfserving-remote-predict setup-tfjs-node [--project DIR] [--force] [--check] [--verbose]
      Installs ${TFJS_NODE_PACKAGE}@${TFJS_NODE_VERSION} next to this package on this package's
      libtensorflow (no download of its own libtensorflow or prebuilt binding): npm install
      --no-save --ignore-scripts, its deps/ linked to this package's deps/libtensorflow, its
      binding rebuilt from source against the local Node headers, then a check that one
      process holds one copy of each TensorFlow library. A second run with everything in
      place is a no-op; re-run it after npm ci or npm install (npm drops packages your
      package.json does not list). --project: the project whose node_modules
      gets tfjs-node (default: the one holding this package); --force: stage and rebuild
      anyway; --check: only report whether it is set up (exit 0 if so, 1 if not);
      --verbose: show npm's output; -h, --help: this help.`;

/** A failed step, with the tail of the command's output. */
export class SetupTfjsNodeError extends Error {
  constructor(readonly step: string, message: string, readonly outputTail = '') {
    super(`step '${step}' failed: ${message}${outputTail ? `\n--- last lines of its output ---\n${outputTail}` : ''}`);
    this.name = 'SetupTfjsNodeError';
  }
}

export interface SetupTfjsNodeOptions {
  /** The project whose node_modules gets tfjs-node (default: the one holding this package). */
  projectDir?: string;
  /** Stage and rebuild even when everything is in place. */
  force?: boolean;
  /** Check the result in a child process (default true). */
  verify?: boolean;
  /** Progress lines (default: console.log). */
  log?: (line: string) => void;
  /** Stream npm's output instead of keeping only its tail for errors. */
  verbose?: boolean;
}

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

export interface SetupStatus {
  ready: boolean;
  /** Why it is not ready (empty when ready). */
  problems: string[];
  locations: Locations;
  /** True when tfjs-node TFJS_NODE_VERSION and its dependencies are installed. */
  installed: boolean;
  /** The binding tfjs-node loads, when it exists. */
  bindingPath?: string;
}

interface Stamp {
  tfjsNode: string;
  libtensorflowVersion: string;
  libtensorflowDir: string;
  /** Relative to tfjs-node's directory. */
  binding: { path: string; size: number; mtimeMs: number };
  napiVersion: number;
  setupMillis?: number;
}

const PACKAGE_ROOT = path.resolve(__dirname, '..');

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function realpathOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The directory of an installed package as Node would resolve it from `fromDir`. */
function findPackageDir(name: string, fromDir: string): string | undefined {
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
  const nm = parts.indexOf('node_modules');  // the outermost project, also when this package is nested
  if (nm > 0) return parts.slice(0, nm).join(path.sep) || path.sep;
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const installed = path.join(dir, 'node_modules', 'tfserving-remote-predict');
    if (fs.existsSync(path.join(installed, 'package.json')) && realpathOrSelf(installed) === realpathOrSelf(packageRoot)) {
      return dir;
    }
    if (path.dirname(dir) === dir) break;
  }
  return packageRoot;
}

export function locate(projectDir?: string, packageRoot = PACKAGE_ROOT): Locations {
  const project = path.resolve(projectDir ?? findProjectDir(packageRoot));
  // A source build's deps/libtensorflow, or the prebuilt platform package's.
  const libtensorflowDir = packageRoot === PACKAGE_ROOT ? libtensorflowDirectory() : path.join(packageRoot, 'deps', 'libtensorflow');
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

/** Problems with this package's own libtensorflow (empty when usable). */
function libtensorflowProblems(loc: Locations): string[] {
  const missing = [
    path.join('include', 'tensorflow', 'c', 'c_api.h'),
    path.join('include', 'tensorflow', 'c', 'eager', 'c_api.h'),
    ...TF_LIBS.map((l) => path.join('lib', l)),
  ].filter((f) => !fs.existsSync(path.join(loc.libtensorflowDir, f)));
  const prebuilt = loc.packageRoot === PACKAGE_ROOT && isPrebuilt();
  const problems = missing.length > 0
    ? [`this package's libtensorflow at ${loc.libtensorflowDir} is incomplete (missing ${missing.join(', ')}): ` +
       (prebuilt
         ? 'a prebuilt install leaves libtensorflow_cc and the headers out; run ' +
           'npx tfserving-remote-predict fetch-libtensorflow-cc --headers first'
         : 'run npm install (or npm rebuild tfserving-remote-predict) first')]
    : [];
  if (loc.libtensorflowVersion === undefined) {
    problems.push(`${path.join(loc.libtensorflowDir, 'VERSION')} is missing: run npm install first`);
  }
  return problems;
}

/** The N-API version node-pre-gyp builds tfjs-node's binding for, and the binding's path. */
function bindingLocation(tfjsNodeDir: string): { napiVersion: number; bindingPath: string } | undefined {
  const pkg = readJson(path.join(tfjsNodeDir, 'package.json'));
  const binary = pkg?.binary as { module_name?: string; module_path?: string; napi_versions?: number[] } | undefined;
  if (!binary?.module_path || !Array.isArray(binary.napi_versions)) return undefined;
  const supported = Number(process.versions.napi);
  const usable = binary.napi_versions.filter((v) => v <= supported);
  if (usable.length === 0) return undefined;
  const napiVersion = Math.max(...usable);
  const moduleDir = binary.module_path.replace('{napi_build_version}', String(napiVersion));
  return {
    napiVersion,
    bindingPath: path.resolve(tfjsNodeDir, moduleDir, `${binary.module_name ?? 'tfjs_binding'}.node`),
  };
}

function sameFile(a: string, b: string): boolean {
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** Missing dependencies of the installed tfjs-node (resolved as Node would). */
function missingDependencies(tfjsNodeDir: string): string[] {
  const pkg = readJson(path.join(tfjsNodeDir, 'package.json'));
  const deps = Object.keys((pkg?.dependencies as Record<string, string> | undefined) ?? {});
  return deps.filter((d) => findPackageDir(d, tfjsNodeDir) === undefined);
}

/** Whether tfjs-node is installed, staged on this package's libtensorflow and built; cheap, loads nothing. */
export function tfjsNodeSetupStatus(projectDir?: string): SetupStatus {
  const locations = locate(projectDir);
  const problems = libtensorflowProblems(locations);
  const { tfjsNodeDir } = locations;
  const pkg = readJson(path.join(tfjsNodeDir, 'package.json'));
  if (pkg === undefined) {
    problems.push(`${TFJS_NODE_PACKAGE} is not installed in ${path.join(locations.projectDir, 'node_modules')}`);
    return { ready: false, problems, locations, installed: false };
  }
  if (pkg.version !== TFJS_NODE_VERSION) {
    problems.push(`${tfjsNodeDir} is ${TFJS_NODE_PACKAGE} ${String(pkg.version)}, not ${TFJS_NODE_VERSION}`);
    return { ready: false, problems, locations, installed: false };
  }
  const missing = missingDependencies(tfjsNodeDir);
  if (missing.length > 0) problems.push(`dependencies of ${TFJS_NODE_PACKAGE} are missing: ${missing.join(', ')}`);
  const installed = missing.length === 0;

  const depsDir = path.join(tfjsNodeDir, 'deps');
  if (!sameFile(path.join(depsDir, 'include'), path.join(locations.libtensorflowDir, 'include'))) {
    problems.push(`${path.join(depsDir, 'include')} is not this package's libtensorflow include tree`);
  }
  for (const [entry, ours] of Object.entries(DEPS_LIB_ENTRIES)) {
    if (!sameFile(path.join(depsDir, 'lib', entry), path.join(locations.libtensorflowDir, 'lib', ours))) {
      problems.push(`${path.join(depsDir, 'lib', entry)} is not this package's ${ours}`);
    }
  }
  const where = bindingLocation(tfjsNodeDir);
  let bindingPath: string | undefined;
  if (where === undefined) {
    problems.push(`${TFJS_NODE_PACKAGE}'s package.json names no N-API version this Node (N-API ${process.versions.napi}) supports`);
  } else {
    bindingPath = where.bindingPath;
    const stamp = readJson(path.join(depsDir, STAMP_NAME)) as Partial<Stamp> | undefined;
    let binding: fs.Stats | undefined;
    try {
      binding = fs.statSync(where.bindingPath);
    } catch {
      binding = undefined;
    }
    if (binding === undefined) {
      problems.push(`its binding ${where.bindingPath} has not been built`);
    } else if (stamp === undefined) {
      problems.push(`its binding was not built by this command (no ${path.join(depsDir, STAMP_NAME)})`);
    } else if (stamp.tfjsNode !== TFJS_NODE_VERSION || stamp.libtensorflowVersion !== locations.libtensorflowVersion ||
               stamp.binding?.path !== path.relative(tfjsNodeDir, where.bindingPath) || stamp.binding.size !== binding.size ||
               stamp.binding.mtimeMs !== binding.mtimeMs) {
      problems.push(`its binding ${where.bindingPath} is not the one built on libtensorflow ` +
                    `${String(locations.libtensorflowVersion)} by this command`);
    }
  }
  return { ready: problems.length === 0, problems, locations, installed, bindingPath };
}

// ---------------------------------------------------------------------------
// Steps.

interface CommandResult { code: number | null; signal: NodeJS.Signals | null; output: string }

const OUTPUT_KEEP = 256 * 1024;
const TAIL_LINES = 40;

function tail(output: string, lines = TAIL_LINES): string {
  return output.trimEnd().split('\n').slice(-lines).join('\n');
}

function runCommand(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, verbose: boolean): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      if (verbose) stream.write(chunk);
      output += chunk.toString('utf8');
      if (output.length > 2 * OUTPUT_KEEP) output = output.slice(-OUTPUT_KEEP);
    };
    child.stdout.on('data', collect(process.stdout));
    child.stderr.on('data', collect(process.stderr));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, output }));
  });
}

/** The environment for npm: this process's, without what npm exec/run set for the command that started us. */
function npmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of Object.keys(env)) {
    if (/^npm_(config_local_prefix|config_prefix|command|lifecycle_|package_)/i.test(key)) delete env[key];
  }
  return env;
}

async function npm(step: string, args: string[], cwd: string, verbose: boolean, extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
  let result: CommandResult;
  try {
    result = await runCommand('npm', args, cwd, npmEnv(extraEnv), verbose);
  } catch (cause) {
    throw new SetupTfjsNodeError(step, `cannot run npm: ${(cause as Error).message}`);
  }
  if (result.code !== 0) {
    throw new SetupTfjsNodeError(
      step,
      `npm ${args.join(' ')} (in ${cwd}) exited with ${result.code === null ? `signal ${result.signal}` : `code ${result.code}`}`,
      tail(result.output),
    );
  }
}

/** A Node installation prefix holding this Node's headers (include/node), for node-gyp's --nodedir. */
export function findNodeHeaders(): { nodedir?: string; note?: string } {
  const candidates = [
    process.env.npm_config_nodedir,
    path.resolve(path.dirname(process.execPath), '..'),
    path.resolve(path.dirname(realpathOrSelf(process.execPath)), '..'),
    '/usr',
    '/usr/local',
  ].filter((c): c is string => typeof c === 'string' && c !== '');
  const major = process.versions.node.split('.')[0];
  let fallback: string | undefined;
  for (const dir of candidates) {
    const include = path.join(dir, 'include', 'node');
    if (!fs.existsSync(path.join(include, 'node_api.h')) || !fs.existsSync(path.join(include, 'common.gypi'))) continue;
    let headerMajor: string | undefined;
    try {
      headerMajor = /#define NODE_MAJOR_VERSION (\d+)/.exec(fs.readFileSync(path.join(include, 'node_version.h'), 'utf8'))?.[1];
    } catch {
      headerMajor = undefined;
    }
    if (headerMajor === major) return { nodedir: dir };
    fallback ??= dir;
  }
  if (fallback !== undefined) {
    return { nodedir: fallback, note: `the Node headers in ${fallback} are not Node ${major}'s (the binding uses N-API only, so they will do)` };
  }
  return {
    note: `no Node.js headers found (looked for include/node/node_api.h under ${candidates.join(', ')}): ` +
          'node-gyp will try to download them; set npm_config_nodedir to a Node prefix holding include/node to avoid that',
  };
}

function relativeLink(target: string, linkPath: string): void {
  const from = realpathOrSelf(path.dirname(linkPath));
  fs.symlinkSync(path.relative(from, realpathOrSelf(path.dirname(target))) + path.sep + path.basename(target), linkPath);
}

/** Stages tfjs-node's deps/ (and scripts/custom-binary.json) on this package's libtensorflow. */
function stage(loc: Locations): void {
  const { tfjsNodeDir, libtensorflowDir } = loc;
  const depsDir = path.join(tfjsNodeDir, 'deps');
  const staging = path.join(tfjsNodeDir, `.deps.staging-${process.pid}`);
  const old = path.join(tfjsNodeDir, `.deps.old-${process.pid}`);
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.join(staging, 'lib'), { recursive: true });
  // Symlinks: the dynamic loader then maps the files of this package's deps/libtensorflow
  // (same device and inode) whichever side loads them first, and follows a re-provisioning.
  relativeLink(path.join(libtensorflowDir, 'include'), path.join(staging, 'include'));
  for (const [entry, ours] of Object.entries(DEPS_LIB_ENTRIES)) {
    relativeLink(path.join(libtensorflowDir, 'lib', ours), path.join(staging, 'lib', entry));
  }
  for (const [entry, ours] of Object.entries(DEPS_LIB_ENTRIES)) {
    if (!sameFile(path.join(staging, 'lib', entry), path.join(libtensorflowDir, 'lib', ours))) {
      throw new SetupTfjsNodeError('stage', `${path.join(staging, 'lib', entry)} does not resolve to ${path.join(libtensorflowDir, 'lib', ours)}`);
    }
  }
  if (fs.existsSync(depsDir) || isSymlink(depsDir)) fs.renameSync(depsDir, old);
  fs.renameSync(staging, depsDir);
  fs.rmSync(old, { recursive: true, force: true });
  // With a custom "tf-lib" and no custom "addon", tfjs-node's installer builds the
  // binding from source instead of first trying to download a prebuilt one.
  fs.writeFileSync(
    path.join(tfjsNodeDir, 'scripts', 'custom-binary.json'),
    `${JSON.stringify({ 'tf-lib': `file://${realpathOrSelf(path.join(libtensorflowDir, 'lib'))}` }, null, 2)}\n`,
  );
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Loads this package and tfjs-node in a child process and checks they share one TensorFlow. */
const VERIFY_SCRIPT = `
'use strict';
const fs = require('fs');
const [packageRoot, tfjsNodeDir, libDir] = process.argv.slice(1);
const api = require(packageRoot);
const tf = require(tfjsNodeDir);
const sum = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync();
const mapped = {};
for (const line of fs.readFileSync('/proc/self/maps', 'utf8').split('\\n')) {
  const m = /^\\S+ \\S+ \\S+ (\\S+) (\\d+)\\s+(\\/.*)$/.exec(line);
  if (!m) continue;
  const base = require('path').basename(m[3]);
  if (!/^libtensorflow|^tfjs_binding/.test(base)) continue;
  (mapped[base] ||= {})[m[1] + ':' + m[2]] = m[3];
}
// The device as /proc/self/maps prints it (major:minor in hex) and the inode of our files.
const fileId = (file) => {
  const st = fs.statSync(file, { bigint: true });
  const major = ((st.dev >> 8n) & 0xfffn) | ((st.dev >> 32n) & ~0xfffn);
  const minor = (st.dev & 0xffn) | ((st.dev >> 12n) & ~0xffn);
  return major.toString(16).padStart(2, '0') + ':' + minor.toString(16).padStart(2, '0') + ':' + st.ino;
};
const ours = {};
for (const lib of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) ours[lib] = fileId(require('path').join(libDir, lib));
console.log(JSON.stringify({
  backend: tf.getBackend(), sum: Array.from(sum), tensorflowVersion: api.tensorflowVersion,
  bindingTensorflowVersion: tf.backend().binding && tf.backend().binding.TF_Version,
  opRegistered: api.registeredOps().includes('TfServingRemotePredict'), mapped, ours,
}));
`;

interface VerifyReport {
  backend: string;
  sum: number[];
  tensorflowVersion: string;
  bindingTensorflowVersion: string;
  opRegistered: boolean;
  mapped: Record<string, Record<string, string>>;
  ours: Record<string, string>;
}

async function verify(loc: Locations, verbose: boolean): Promise<string> {
  const result = await runCommand(
    process.execPath,
    ['-e', VERIFY_SCRIPT, loc.packageRoot, loc.tfjsNodeDir, path.join(loc.libtensorflowDir, 'lib')],
    loc.projectDir,
    { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' },
    verbose,
  );
  const last = result.output.trim().split('\n').reverse().find((l) => l.startsWith('{'));
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
    problems.push(`tfjs-node's binding sees TensorFlow ${report.bindingTensorflowVersion}, this package ${report.tensorflowVersion}`);
  }
  for (const lib of TF_LIBS) {
    const copies = Object.entries(report.mapped[lib] ?? {});
    if (copies.length !== 1) {
      problems.push(`${lib} is mapped ${copies.length} times: ${copies.map(([id, p]) => `${p} (${id})`).join(', ') || 'none'}`);
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
  return `one process, one TensorFlow ${report.tensorflowVersion}: backend 'tensorflow', op registered, ` +
         'one mapped copy of libtensorflow_cc.so.2 and libtensorflow_framework.so.2';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export interface SetupResult {
  /** False when everything was already in place. */
  changed: boolean;
  millis: number;
  steps: { step: string; millis: number }[];
  status: SetupStatus;
}

/** Installs, stages, builds and verifies; a no-op when already set up (unless `force`). */
export async function setupTfjsNode(options: SetupTfjsNodeOptions = {}): Promise<SetupResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const verbose = options.verbose ?? false;
  const started = performance.now();
  const steps: { step: string; millis: number }[] = [];
  const timed = async <T>(step: string, fn: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const value = await fn();
    steps.push({ step, millis: performance.now() - t0 });
    return value;
  };

  const before = tfjsNodeSetupStatus(options.projectDir);
  const loc = before.locations;
  const ownProblems = libtensorflowProblems(loc);
  if (ownProblems.length > 0) throw new SetupTfjsNodeError('check', ownProblems.join('; '));
  if (before.ready && !options.force) {
    log(`${TFJS_NODE_PACKAGE} ${TFJS_NODE_VERSION} is already set up on this package's libtensorflow ` +
        `${loc.libtensorflowVersion} in ${loc.tfjsNodeDir}: nothing to do`);
    return { changed: false, millis: performance.now() - started, steps, status: before };
  }

  if (!before.installed) {
    const pkg = readJson(path.join(loc.tfjsNodeDir, 'package.json'));
    if (pkg !== undefined && pkg.version !== TFJS_NODE_VERSION && !options.force) {
      throw new SetupTfjsNodeError(
        'install',
        `${loc.tfjsNodeDir} is ${TFJS_NODE_PACKAGE} ${String(pkg.version)}; this package works with ${TFJS_NODE_VERSION} ` +
        '(its optional peer dependency): re-run with --force to replace it with ' + TFJS_NODE_VERSION,
      );
    }
    log(`installing ${TFJS_NODE_PACKAGE}@${TFJS_NODE_VERSION} into ${path.join(loc.projectDir, 'node_modules')} ` +
        '(--no-save --ignore-scripts: package.json is not changed and nothing is downloaded by its installer)');
    // --save-prod only sets the type of the (unsaved) edge: without it npm takes the type
    // from an existing edge, and where tfjs-node is an optional peer of the project (this
    // package's own checkout) it installs nothing ("up to date"). --no-save still keeps
    // package.json and package-lock.json as they are. --prefer-offline: the version is
    // pinned, so what npm's cache holds (after npm ci, say) needs no revalidation.
    await timed('install', () => npm('install', [
      'install', '--no-save', '--save-prod', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error',
      `${TFJS_NODE_PACKAGE}@${TFJS_NODE_VERSION}`,
    ], loc.projectDir, verbose));
    const after = readJson(path.join(loc.tfjsNodeDir, 'package.json'));
    if (after?.version !== TFJS_NODE_VERSION) {
      throw new SetupTfjsNodeError('install', `npm install finished but ${loc.tfjsNodeDir} holds no ${TFJS_NODE_PACKAGE} ${TFJS_NODE_VERSION}`);
    }
    const missing = missingDependencies(loc.tfjsNodeDir);
    if (missing.length > 0) {
      throw new SetupTfjsNodeError('install', `npm install finished but dependencies of ${TFJS_NODE_PACKAGE} are missing: ${missing.join(', ')}`);
    }
  }

  log(`staging ${path.join(loc.tfjsNodeDir, 'deps')} on ${loc.libtensorflowDir} (libtensorflow ${loc.libtensorflowVersion}, symlinks)`);
  await timed('stage', () => {
    try {
      stage(loc);
    } catch (cause) {
      if (cause instanceof SetupTfjsNodeError) throw cause;
      throw new SetupTfjsNodeError('stage', (cause as Error).message);
    }
  });
  fs.rmSync(path.join(loc.tfjsNodeDir, 'deps', STAMP_NAME), { force: true });

  const headers = findNodeHeaders();
  if (headers.note) log(`note: ${headers.note}`);
  const where = bindingLocation(loc.tfjsNodeDir);
  if (where === undefined) {
    throw new SetupTfjsNodeError('build', `${TFJS_NODE_PACKAGE}'s package.json names no N-API version this Node supports`);
  }
  fs.rmSync(where.bindingPath, { force: true });
  log(`building ${TFJS_NODE_PACKAGE}'s binding from source (npm rebuild${headers.nodedir ? `, Node headers from ${headers.nodedir}` : ''})`);
  await timed('build', () => npm('build', [
    'rebuild', TFJS_NODE_PACKAGE, '--ignore-scripts=false', '--foreground-scripts', '--no-audit', '--no-fund',
  ], loc.projectDir, verbose, {
    ...(headers.nodedir ? { npm_config_nodedir: headers.nodedir } : {}),
    JOBS: process.env.JOBS ?? 'max',  // node-gyp: make -j (its two sources compile in parallel)
  }));
  let binding: fs.Stats;
  try {
    binding = fs.statSync(where.bindingPath);
  } catch {
    throw new SetupTfjsNodeError('build', `npm rebuild finished but ${where.bindingPath} was not built`);
  }

  if (options.verify ?? true) {
    const summary = await timed('verify', () => verify(loc, verbose));
    log(`verified: ${summary}`);
  }

  const millis = performance.now() - started;
  const stamp: Stamp = {
    tfjsNode: TFJS_NODE_VERSION,
    libtensorflowVersion: loc.libtensorflowVersion!,
    libtensorflowDir: realpathOrSelf(loc.libtensorflowDir),
    binding: { path: path.relative(loc.tfjsNodeDir, where.bindingPath), size: binding.size, mtimeMs: binding.mtimeMs },
    napiVersion: where.napiVersion,
    setupMillis: Math.round(millis),
  };
  fs.writeFileSync(path.join(loc.tfjsNodeDir, 'deps', STAMP_NAME), `${JSON.stringify(stamp, null, 2)}\n`);
  const status = tfjsNodeSetupStatus(loc.projectDir);
  if (!status.ready) throw new SetupTfjsNodeError('check', status.problems.join('; '));
  log(`${TFJS_NODE_PACKAGE} ${TFJS_NODE_VERSION} set up on libtensorflow ${loc.libtensorflowVersion} in ${seconds(millis)} ` +
      `(${steps.map((s) => `${s.step} ${seconds(s.millis)}`).join(', ')})`);
  return { changed: true, millis, steps, status };
}

/** The CLI subcommand; returns the exit status. */
export async function setupTfjsNodeCommand(argv: string[], program = 'tfserving-remote-predict'): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        project: { type: 'string' },
        force: { type: 'boolean' },
        check: { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`${program} setup-tfjs-node: ${(error as Error).message}\n\n${SETUP_TFJS_NODE_USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(SETUP_TFJS_NODE_USAGE);
    return 0;
  }
  if (values.check) {
    const status = tfjsNodeSetupStatus(values.project);
    if (status.ready) {
      console.log(`${TFJS_NODE_PACKAGE} ${TFJS_NODE_VERSION} is set up in ${status.locations.tfjsNodeDir}`);
      return 0;
    }
    console.log(`${TFJS_NODE_PACKAGE} is not set up:\n  ${status.problems.join('\n  ')}\n` +
                `run: npx ${program} setup-tfjs-node`);
    return 1;
  }
  try {
    await setupTfjsNode({
      projectDir: values.project, force: values.force === true, verbose: values.verbose === true,
      log: (line) => console.log(`${program} setup-tfjs-node: ${line}`),
    });
    return 0;
  } catch (error) {
    if (error instanceof SetupTfjsNodeError) {
      console.error(`${program} setup-tfjs-node: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
