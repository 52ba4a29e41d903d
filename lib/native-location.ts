// Where this package's native files are, without loading any of them: the prebuilt
// platform package (tfserving-remote-predict-linux-x64-gnu, an optional dependency) first,
// then this package's own build/Release (a source build). Both hold the same layout,
// build/Release/ next to deps/libtensorflow/, which the files' RUNPATHs rely on.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** This package's directory (dist/ is one level down). */
export const PACKAGE_ROOT = path.resolve(__dirname, '..');
const ADDON = 'tfserving_remote_predict.node';

/**
 * Left in build/Release by scripts/install.sh when it builds from source although a
 * platform package is installed (asked to, or because the prebuilt did not load here):
 * that build is then the one to use.
 */
export const SOURCE_BUILD_MARKER = '.source-build-over-prebuilt';

/** The platform package for this process (only linux-x64-gnu is published), or undefined. */
export function platformPackageName(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime === undefined ? undefined : 'tfserving-remote-predict-linux-x64-gnu';
}

/** The installed platform package's directory (as Node resolves it from this package), or undefined. */
export function platformPackageDirectory(): string | undefined {
  const name = platformPackageName();
  if (name === undefined) return undefined;
  try {
    return path.dirname(require.resolve(`${name}/package.json`, { paths: [PACKAGE_ROOT] }));
  } catch {
    return undefined;
  }
}

/** The directory holding the addon modules, the op library and the transport. */
export function nativeDirectory(): string {
  const own = path.join(PACKAGE_ROOT, 'build', 'Release');
  const platform = platformPackageDirectory();
  if (platform !== undefined && !fs.existsSync(path.join(own, SOURCE_BUILD_MARKER))) {
    const prebuilt = path.join(platform, 'build', 'Release');
    if (fs.existsSync(path.join(prebuilt, ADDON))) return prebuilt;
  }
  return own;
}

/** The libtensorflow those files load: include/ (when staged), lib/ and VERSION. */
export function libtensorflowDirectory(nativeDir = nativeDirectory()): string {
  return path.resolve(nativeDir, '..', '..', 'deps', 'libtensorflow');
}

/** True when the native files come from the platform package. */
export function isPrebuilt(nativeDir = nativeDirectory()): boolean {
  return path.resolve(nativeDir) !== path.join(PACKAGE_ROOT, 'build', 'Release');
}

export const FETCH_LIBTENSORFLOW_CC_COMMAND = 'npx tfserving-remote-predict fetch-libtensorflow-cc';

/**
 * Why the SavedModel half cannot load (undefined when it can try): a prebuilt install
 * leaves libtensorflow_cc.so.2 out until it is fetched.
 */
export function savedModelUnavailable(nativeDir = nativeDirectory()): string | undefined {
  const lib = path.join(libtensorflowDirectory(nativeDir), 'lib', 'libtensorflow_cc.so.2');
  if (!isPrebuilt(nativeDir) || fs.existsSync(lib)) return undefined;
  return (
    `tfserving-remote-predict: loadSavedModel() needs libtensorflow_cc.so.2 (TensorFlow's session API, ` +
    `about 790 MB), which the prebuilt package ${platformPackageName() ?? ''} leaves out. ` +
    `Run \`${FETCH_LIBTENSORFLOW_CC_COMMAND}\` once (it stages it from pip's tensorflow-cpu wheel into ` +
    `${path.dirname(lib)}; --from DIR or LIBTENSORFLOW_DIR=DIR takes it from a TensorFlow you have), ` +
    'or build this package from source (TFSRP_BUILD_FROM_SOURCE=1 npm rebuild tfserving-remote-predict)'
  );
}
