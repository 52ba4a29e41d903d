// Whether tfjs-node is installed, staged on this package's libtensorflow and
// built by this command: cheap, loads nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { isPrebuilt, PACKAGE_ROOT } from '../../native-location';
import {
  DEPS_LIB_ENTRIES,
  findPackageDir,
  locate,
  Locations,
  readJson,
  STAMP_NAME,
  TF_LIBS,
  TFJS_NODE_PACKAGE,
  TFJS_NODE_VERSION,
} from './locations';

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

export interface Stamp {
  tfjsNode: string;
  libtensorflowVersion: string;
  libtensorflowDir: string;
  /** Relative to tfjs-node's directory. */
  binding: { path: string; size: number; mtimeMs: number };
  napiVersion: number;
  setupMillis?: number;
}

/** Problems with this package's own libtensorflow (empty when usable). */
export function libtensorflowProblems(loc: Locations): string[] {
  const missing = [
    path.join('include', 'tensorflow', 'c', 'c_api.h'),
    path.join('include', 'tensorflow', 'c', 'eager', 'c_api.h'),
    ...TF_LIBS.map((l) => path.join('lib', l)),
  ].filter((f) => !fs.existsSync(path.join(loc.libtensorflowDir, f)));
  const prebuilt = loc.packageRoot === PACKAGE_ROOT && isPrebuilt();
  const problems =
    missing.length > 0
      ? [
          `this package's libtensorflow at ${loc.libtensorflowDir} is incomplete (missing ${missing.join(', ')}): ` +
            (prebuilt
              ? 'a prebuilt install leaves libtensorflow_cc and the headers out; run ' +
                'npx tfserving-remote-predict fetch-libtensorflow-cc --headers first'
              : 'run npm install (or npm rebuild tfserving-remote-predict) first'),
        ]
      : [];
  if (loc.libtensorflowVersion === undefined) {
    problems.push(`${path.join(loc.libtensorflowDir, 'VERSION')} is missing: run npm install first`);
  }
  return problems;
}

/** The N-API version node-pre-gyp builds tfjs-node's binding for, and the binding's path. */
export function bindingLocation(tfjsNodeDir: string): { napiVersion: number; bindingPath: string } | undefined {
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

export function sameFile(a: string, b: string): boolean {
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** Missing dependencies of the installed tfjs-node (resolved as Node would). */
export function missingDependencies(tfjsNodeDir: string): string[] {
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
    problems.push(
      `${TFJS_NODE_PACKAGE}'s package.json names no N-API version this Node (N-API ${process.versions.napi}) supports`,
    );
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
    } else if (
      stamp.tfjsNode !== TFJS_NODE_VERSION ||
      stamp.libtensorflowVersion !== locations.libtensorflowVersion ||
      stamp.binding?.path !== path.relative(tfjsNodeDir, where.bindingPath) ||
      stamp.binding.size !== binding.size ||
      stamp.binding.mtimeMs !== binding.mtimeMs
    ) {
      problems.push(
        `its binding ${where.bindingPath} is not the one built on libtensorflow ` +
          `${String(locations.libtensorflowVersion)} by this command`,
      );
    }
  }
  return { ready: problems.length === 0, problems, locations, installed, bindingPath };
}
