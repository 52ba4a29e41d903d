// `tfserving-remote-predict setup-tfjs-node`: its usage and arguments.
import { parseCommandArgs } from '../usage';
import { SetupTfjsNodeError } from './errors';
import { TFJS_NODE_PACKAGE, TFJS_NODE_VERSION } from './locations';
import { setupTfjsNode } from './setup';
import { tfjsNodeSetupStatus } from './status';

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

/** The CLI subcommand; returns the exit status. */
export async function setupTfjsNodeCommand(argv: string[], program = 'tfserving-remote-predict'): Promise<number> {
  const values = parseCommandArgs(
    argv,
    {
      project: { type: 'string' },
      force: { type: 'boolean' },
      check: { type: 'boolean' },
      verbose: { type: 'boolean' },
    },
    `${program} setup-tfjs-node`,
    SETUP_TFJS_NODE_USAGE,
  );
  if (typeof values === 'number') return values;
  if (values.check) {
    const status = tfjsNodeSetupStatus(values.project);
    if (status.ready) {
      console.log(`${TFJS_NODE_PACKAGE} ${TFJS_NODE_VERSION} is set up in ${status.locations.tfjsNodeDir}`);
      return 0;
    }
    console.log(
      `${TFJS_NODE_PACKAGE} is not set up:\n  ${status.problems.join('\n  ')}\n` +
        `run: npx ${program} setup-tfjs-node`,
    );
    return 1;
  }
  try {
    await setupTfjsNode({
      projectDir: values.project,
      force: values.force === true,
      verbose: values.verbose === true,
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
