// `tfserving-remote-predict fetch-libtensorflow-cc`: the SavedModel half for a prebuilt
// install. The platform package ships libtensorflow_framework.so.2 (all run() needs) and
// leaves out libtensorflow_cc.so.2 (TensorFlow's session API, about 790 MB), which
// tfsrp_saved_model.node needs. This stages it next to the framework, in the platform
// package's deps/libtensorflow/lib, where that module's RUNPATH and the version guard look:
// from pip's tensorflow-cpu wheel of the framework's version (pip download --no-deps from
// the configured index; only the library, and with --headers include/, are unzipped), or
// from a TensorFlow directory of the same version (--from DIR / LIBTENSORFLOW_DIR).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  isPrebuilt,
  libtensorflowDirectory,
  nativeDirectory,
  PACKAGE_ROOT,
  platformPackageName,
} from '../native-location';
import { parseCommandArgs } from './usage';

export const FETCH_LIBTENSORFLOW_CC_USAGE = `Usage:
  tfserving-remote-predict fetch-libtensorflow-cc [--from DIR] [--headers] [--python PY] [--check]
      Stages libtensorflow_cc.so.2 (about 790 MB), which loadSavedModel() needs and the
      prebuilt platform package leaves out, next to its libtensorflow_framework.so.2. By
      default from pip's tensorflow-cpu wheel of the same version: \`PY -m pip download
      --no-deps\` from the index pip is configured with, then only that file is unzipped
      (nothing is installed into Python). A second run with it in place is a no-op.
      --from DIR       take it from a TensorFlow you have instead (default: $LIBTENSORFLOW_DIR):
                       an installed tensorflow package directory (site-packages/tensorflow)
                       or a directory with lib/libtensorflow_cc.so.2 and a VERSION file; its
                       version must be the framework's
      --headers        also stage include/ (about 290 MB), which setup-tfjs-node needs
      --python PY      the Python whose pip downloads the wheel (default: $PYTHON, else python3)
      --check          only report whether it is staged (exit 0 if so, 1 if not)
      -h, --help       this help`;

/** A step that failed, with what to do about it. */
export class FetchLibtensorflowCcError extends Error {}

export interface FetchOptions {
  from?: string;
  headers?: boolean;
  python?: string;
  log?: (line: string) => void;
}

const CC = 'libtensorflow_cc.so.2';

/** What the installation lacks for loadSavedModel() (and, with headers, for setup-tfjs-node). */
export function missingFromLibtensorflow(libDir: string, headers: boolean): string[] {
  const missing = fs.existsSync(path.join(libDir, 'lib', CC)) ? [] : [path.join('lib', CC)];
  if (headers && !fs.existsSync(path.join(libDir, 'include', 'tensorflow', 'c', 'c_api.h'))) missing.push('include/');
  return missing;
}

function readVersion(libDir: string): string {
  try {
    return fs.readFileSync(path.join(libDir, 'VERSION'), 'utf8').trim();
  } catch {
    throw new FetchLibtensorflowCcError(
      `${path.join(libDir, 'VERSION')} is missing: the platform package is incomplete; reinstall it`,
    );
  }
}

/** The TensorFlow version a --from directory holds: its VERSION file, or the dist-info pip put beside it. */
function sourceVersion(dir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, 'VERSION'), 'utf8').trim().split('\n')[0];
  } catch {
    // not a staged directory; try pip's metadata
  }
  const versions = new Set<string>();
  for (const entry of fs.readdirSync(path.dirname(dir))) {
    const match = /^tensorflow(?:[-_](?:cpu|gpu|intel))?-(\d+\.\d+\.\d+[^-]*)\.dist-info$/.exec(entry);
    if (match) versions.add(match[1]);
  }
  return versions.size === 1 ? [...versions][0] : undefined;
}

function run(command: string, args: string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-16384);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error) => reject(new FetchLibtensorflowCcError(`cannot run ${command}: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      log(output.trimEnd().split('\n').slice(-20).join('\n'));
      reject(
        new FetchLibtensorflowCcError(
          `${command} ${args.join(' ')} failed (${code === null ? `signal ${signal}` : `exit code ${code}`})`,
        ),
      );
    });
  });
}

// Unzips the library (into lib/) and, when asked, the header tree (into include/) of a wheel.
const UNZIP = `
import os, shutil, sys, zipfile
wheel, dest, want_lib, want_headers = sys.argv[1], sys.argv[2], sys.argv[3] == '1', sys.argv[4] == '1'
include = 'tensorflow/include/'
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if want_lib and name == 'tensorflow/${CC}':
            target = os.path.join(dest, 'lib', '${CC}')
        elif want_headers and name.startswith(include) and not name.endswith('/'):
            target = os.path.join(dest, 'include', name[len(include):])
        else:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(name) as src, open(target, 'wb') as out:
            shutil.copyfileobj(src, out, 1 << 20)
`;

/** Downloads tensorflow-cpu==version with pip into `work` and unzips what is missing into work/{lib,include}. */
async function fromWheel(
  version: string,
  work: string,
  missing: string[],
  python: string,
  log: (line: string) => void,
): Promise<string> {
  const wheels = path.join(work, 'wheel');
  log(`downloading tensorflow-cpu==${version} with ${python} -m pip download --no-deps (from pip's configured index)`);
  try {
    await run(
      python,
      [
        '-m',
        'pip',
        'download',
        '--no-deps',
        '--only-binary=:all:',
        '--disable-pip-version-check',
        '--dest',
        wheels,
        `tensorflow-cpu==${version}`,
      ],
      log,
    );
  } catch (error) {
    throw new FetchLibtensorflowCcError(
      `${(error as Error).message}: pip needs to reach an index holding ` +
        `tensorflow-cpu==${version} for this Python (or pass --from DIR with a TensorFlow ${version} you have)`,
    );
  }
  const wheel = fs.readdirSync(wheels).find((f) => f.endsWith('.whl'));
  if (wheel === undefined) throw new FetchLibtensorflowCcError(`pip download left no wheel in ${wheels}`);
  log(`unzipping ${missing.join(' and ')} from ${wheel}`);
  await run(
    python,
    [
      '-c',
      UNZIP,
      path.join(wheels, wheel),
      work,
      missing.includes(path.join('lib', CC)) ? '1' : '0',
      missing.includes('include/') ? '1' : '0',
    ],
    log,
  );
  fs.rmSync(wheels, { recursive: true, force: true });
  if (missing.includes(path.join('lib', CC))) fs.chmodSync(path.join(work, 'lib', CC), 0o755);
  return `pip's ${wheel}`;
}

/** Copies what is missing from a TensorFlow directory of the right version into work/{lib,include}. */
function fromDirectory(dir: string, version: string, work: string, missing: string[]): string {
  const source = path.resolve(dir);
  const have = sourceVersion(source);
  if (have === undefined) {
    throw new FetchLibtensorflowCcError(
      `cannot tell which TensorFlow version ${source} holds (no VERSION file, ` +
        'no tensorflow*.dist-info beside it): write its version into a VERSION file there',
    );
  }
  if (have !== version) {
    throw new FetchLibtensorflowCcError(
      `${source} is TensorFlow ${have}, but this package's ` +
        `libtensorflow_framework.so.2 is ${version}: the two must be the same release`,
    );
  }
  if (missing.includes(path.join('lib', CC))) {
    const lib = [path.join(source, 'lib', CC), path.join(source, CC)].find((f) => fs.existsSync(f));
    if (lib === undefined) throw new FetchLibtensorflowCcError(`${source} has no lib/${CC} (or ${CC})`);
    fs.mkdirSync(path.join(work, 'lib'));
    try {
      fs.linkSync(lib, path.join(work, 'lib', CC));
    } catch {
      fs.copyFileSync(lib, path.join(work, 'lib', CC));
    }
  }
  if (missing.includes('include/')) {
    if (!fs.existsSync(path.join(source, 'include', 'tensorflow', 'c', 'c_api.h'))) {
      throw new FetchLibtensorflowCcError(`${source} has no include/tensorflow/c/c_api.h`);
    }
    fs.cpSync(path.join(source, 'include'), path.join(work, 'include'), { recursive: true, dereference: true });
  }
  return source;
}

/** Loads the SavedModel half in a child process: it must get as far as reading a (blank) SavedModel. */
async function verify(log: (line: string) => void): Promise<void> {
  const script = `
    const fs = require('node:fs'), os = require('node:os'), path = require('node:path');
    const api = require(${JSON.stringify(PACKAGE_ROOT)});
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsrp-blank-model-'));
    fs.writeFileSync(path.join(dir, 'saved_model.pb'), '');
    api.loadSavedModel(dir).then(() => 'loaded', (e) => e).then((e) => {
      fs.rmSync(dir, { recursive: true, force: true });
      const ok = e.name === 'SavedModelError' && api.registeredOps().includes('MatMul');
      if (!ok) { console.error(e.message || e); process.exit(1); }
    });`;
  try {
    await run(process.execPath, ['-e', script], log);
  } catch {
    throw new FetchLibtensorflowCcError('the staged library does not load with this package (see the lines above)');
  }
}

/** Stages what is missing; returns a summary line. A no-op when everything is in place. */
export async function fetchLibtensorflowCc(options: FetchOptions = {}): Promise<string> {
  const log = options.log ?? ((line: string) => console.log(line));
  const nativeDir = nativeDirectory();
  const libDir = libtensorflowDirectory(nativeDir);
  const missing = missingFromLibtensorflow(libDir, options.headers === true);
  if (missing.length === 0) return `${path.join(libDir, 'lib', CC)} is in place: nothing to do`;
  if (!isPrebuilt(nativeDir)) {
    throw new FetchLibtensorflowCcError(
      `this installation was built from source, and its libtensorflow (${libDir}) ` +
        `lacks ${missing.join(', ')}: run npm rebuild tfserving-remote-predict`,
    );
  }
  const version = readVersion(libDir);
  const work = fs.mkdtempSync(path.join(libDir, '.fetch-'));
  try {
    const from = options.from ?? process.env.LIBTENSORFLOW_DIR;
    const source = from
      ? fromDirectory(from, version, work, missing)
      : await fromWheel(version, work, missing, options.python ?? process.env.PYTHON ?? 'python3', log);
    // Into place by rename (same file system), the library last.
    if (missing.includes('include/')) {
      fs.rmSync(path.join(libDir, 'include'), { recursive: true, force: true });
      fs.renameSync(path.join(work, 'include'), path.join(libDir, 'include'));
    }
    const lib = path.join(libDir, 'lib', CC);
    if (missing.includes(path.join('lib', CC))) {
      fs.renameSync(path.join(work, 'lib', CC), lib);
      log(`checking that loadSavedModel() loads it`);
      try {
        await verify(log);
      } catch (error) {
        fs.rmSync(lib, { force: true });
        throw error;
      }
    }
    return (
      `staged ${missing.join(' and ')} of TensorFlow ${version} from ${source} into ${libDir} ` +
      `(${platformPackageName() ?? 'the platform package'}): loadSavedModel() works now`
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The CLI subcommand; returns the exit status. */
export async function fetchLibtensorflowCcCommand(
  argv: string[],
  program = 'tfserving-remote-predict',
): Promise<number> {
  const values = parseCommandArgs(
    argv,
    {
      from: { type: 'string' },
      headers: { type: 'boolean' },
      python: { type: 'string' },
      check: { type: 'boolean' },
    },
    `${program} fetch-libtensorflow-cc`,
    FETCH_LIBTENSORFLOW_CC_USAGE,
  );
  if (typeof values === 'number') return values;
  const log = (line: string) => console.log(`${program} fetch-libtensorflow-cc: ${line}`);
  if (values.check) {
    const libDir = libtensorflowDirectory();
    const missing = missingFromLibtensorflow(libDir, values.headers === true);
    if (missing.length === 0) {
      log(`staged in ${libDir}`);
      return 0;
    }
    log(
      `${libDir} lacks ${missing.join(', ')}; run: npx ${program} fetch-libtensorflow-cc${values.headers ? ' --headers' : ''}`,
    );
    return 1;
  }
  try {
    log(
      await fetchLibtensorflowCc({ from: values.from, headers: values.headers === true, python: values.python, log }),
    );
    return 0;
  } catch (error) {
    if (error instanceof FetchLibtensorflowCcError) {
      console.error(`${program} fetch-libtensorflow-cc: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
