// setup-tfjs-node: installs @tensorflow/tfjs-node on this package's libtensorflow (setup.ts says how).
export { SETUP_TFJS_NODE_USAGE, setupTfjsNodeCommand } from './command';
export { SetupTfjsNodeError } from './errors';
export { findProjectDir, locate, Locations, TFJS_NODE_PACKAGE, TFJS_NODE_VERSION } from './locations';
export { findNodeHeaders } from './npm';
export { SetupResult, setupTfjsNode, SetupTfjsNodeOptions } from './setup';
export { SetupStatus, tfjsNodeSetupStatus } from './status';
