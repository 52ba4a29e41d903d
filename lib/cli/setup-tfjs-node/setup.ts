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
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

import { SetupTfjsNodeError } from './errors';
import { readJson, realpathOrSelf, STAMP_NAME, TFJS_NODE_PACKAGE, TFJS_NODE_VERSION } from './locations';
import { findNodeHeaders, npm } from './npm';
import { stage } from './stage';
import {
  bindingLocation,
  libtensorflowProblems,
  missingDependencies,
  SetupStatus,
  Stamp,
  tfjsNodeSetupStatus,
} from './status';
import { verify } from './verify';

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
    log(
      `${TFJS_NODE_PACKAGE} ${TFJS_NODE_VERSION} is already set up on this package's libtensorflow ` +
        `${loc.libtensorflowVersion} in ${loc.tfjsNodeDir}: nothing to do`,
    );
    return { changed: false, millis: performance.now() - started, steps, status: before };
  }

  if (!before.installed) {
    const pkg = readJson(path.join(loc.tfjsNodeDir, 'package.json'));
    if (pkg !== undefined && pkg.version !== TFJS_NODE_VERSION && !options.force) {
      throw new SetupTfjsNodeError(
        'install',
        `${loc.tfjsNodeDir} is ${TFJS_NODE_PACKAGE} ${String(pkg.version)}; this package works with ${TFJS_NODE_VERSION} ` +
          '(its optional peer dependency): re-run with --force to replace it with ' +
          TFJS_NODE_VERSION,
      );
    }
    log(
      `installing ${TFJS_NODE_PACKAGE}@${TFJS_NODE_VERSION} into ${path.join(loc.projectDir, 'node_modules')} ` +
        '(--no-save --ignore-scripts: package.json is not changed and nothing is downloaded by its installer)',
    );
    // --save-prod only sets the type of the (unsaved) edge: without it npm takes the type
    // from an existing edge, and where tfjs-node is an optional peer of the project (this
    // package's own checkout) it installs nothing ("up to date"). --no-save still keeps
    // package.json and package-lock.json as they are. --prefer-offline: the version is
    // pinned, so what npm's cache holds (after npm ci, say) needs no revalidation.
    await timed('install', () =>
      npm(
        'install',
        [
          'install',
          '--no-save',
          '--save-prod',
          '--ignore-scripts',
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
          `${TFJS_NODE_PACKAGE}@${TFJS_NODE_VERSION}`,
        ],
        loc.projectDir,
        verbose,
      ),
    );
    const after = readJson(path.join(loc.tfjsNodeDir, 'package.json'));
    if (after?.version !== TFJS_NODE_VERSION) {
      throw new SetupTfjsNodeError(
        'install',
        `npm install finished but ${loc.tfjsNodeDir} holds no ${TFJS_NODE_PACKAGE} ${TFJS_NODE_VERSION}`,
      );
    }
    const missing = missingDependencies(loc.tfjsNodeDir);
    if (missing.length > 0) {
      throw new SetupTfjsNodeError(
        'install',
        `npm install finished but dependencies of ${TFJS_NODE_PACKAGE} are missing: ${missing.join(', ')}`,
      );
    }
  }

  log(
    `staging ${path.join(loc.tfjsNodeDir, 'deps')} on ${loc.libtensorflowDir} (libtensorflow ${loc.libtensorflowVersion}, symlinks)`,
  );
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
    throw new SetupTfjsNodeError(
      'build',
      `${TFJS_NODE_PACKAGE}'s package.json names no N-API version this Node supports`,
    );
  }
  fs.rmSync(where.bindingPath, { force: true });
  log(
    `building ${TFJS_NODE_PACKAGE}'s binding from source (npm rebuild${headers.nodedir ? `, Node headers from ${headers.nodedir}` : ''})`,
  );
  await timed('build', () =>
    npm(
      'build',
      ['rebuild', TFJS_NODE_PACKAGE, '--ignore-scripts=false', '--foreground-scripts', '--no-audit', '--no-fund'],
      loc.projectDir,
      verbose,
      {
        ...(headers.nodedir ? { npm_config_nodedir: headers.nodedir } : {}),
        JOBS: process.env.JOBS ?? 'max', // node-gyp: make -j (its two sources compile in parallel)
      },
    ),
  );
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
  log(
    `${TFJS_NODE_PACKAGE} ${TFJS_NODE_VERSION} set up on libtensorflow ${loc.libtensorflowVersion} in ${seconds(millis)} ` +
      `(${steps.map((s) => `${s.step} ${seconds(s.millis)}`).join(', ')})`,
  );
  return { changed: true, millis, steps, status };
}
