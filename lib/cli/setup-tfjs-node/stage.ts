// The stage step: tfjs-node's deps/ as symlinks to this package's libtensorflow.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { SetupTfjsNodeError } from './errors';
import { DEPS_LIB_ENTRIES, Locations, realpathOrSelf } from './locations';
import { sameFile } from './status';

function relativeLink(target: string, linkPath: string): void {
  const from = realpathOrSelf(path.dirname(linkPath));
  fs.symlinkSync(
    path.relative(from, realpathOrSelf(path.dirname(target))) + path.sep + path.basename(target),
    linkPath,
  );
}

/** Stages tfjs-node's deps/ (and scripts/custom-binary.json) on this package's libtensorflow. */
export function stage(loc: Locations): void {
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
      throw new SetupTfjsNodeError(
        'stage',
        `${path.join(staging, 'lib', entry)} does not resolve to ${path.join(libtensorflowDir, 'lib', ours)}`,
      );
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
