'use strict';
// Loaded into mocha by scripts/test-asan.sh (`--require`). Node is not instrumented, so
// the sanitizer runtimes must be the first libraries of every process that loads the
// sanitized addon: the script preloads them (LD_PRELOAD), and children inherit that. A
// test that sets its own LD_PRELOAD for a child (addon.test.js preloads a fake
// libtensorflow, tfjs_node.test.js other TensorFlow copies) would drop them, and ASan
// cannot start late in a Node process (V8's mappings sit where its shadow must go). So
// every child_process call whose env names an LD_PRELOAD without the runtimes gets them
// put in front; what the test preloads still loads before TensorFlow, as it meant.
// An env without the sanitizer options gets them too. Nothing else changes.
const childProcess = require('node:child_process');
const { promisify } = require('node:util');

const RUNTIMES = (process.env.TFSRP_ASAN_RUNTIMES || '').split(/\s+/).filter(Boolean);
const INHERITED = ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS', 'TFSRP_UBSAN_LOG_PATH'];

function withRuntimes(env) {
  if (!env || typeof env !== 'object' || RUNTIMES.length === 0) return env;
  const preload = (env.LD_PRELOAD || '').split(/[\s:]+/).filter(Boolean);
  const patched = { ...env };
  if (!RUNTIMES.every((lib) => preload.includes(lib))) {
    patched.LD_PRELOAD = [...RUNTIMES, ...preload.filter((lib) => !RUNTIMES.includes(lib))].join(' ');
  }
  for (const name of INHERITED) {
    if (patched[name] === undefined && process.env[name] !== undefined) patched[name] = process.env[name];
  }
  return patched;
}

// The options object of spawn/spawnSync/execFile/execFileSync/fork (after an optional
// args array) or exec/execSync (second argument).
function patchArguments(args) {
  const out = args.slice();
  for (let i = 1; i < out.length && i <= 2; i++) {
    const a = out[i];
    if (a && typeof a === 'object' && !Array.isArray(a)) {
      if (a.env) out[i] = { ...a, env: withRuntimes(a.env) };
      break;
    }
  }
  return out;
}

for (const name of ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'fork']) {
  const original = childProcess[name];
  const wrapped = function (...args) {
    return original.apply(this, patchArguments(args));
  };
  // util.promisify(execFile/exec) goes through this symbol (resolving { stdout, stderr }).
  const custom = original[promisify.custom];
  if (typeof custom === 'function') {
    wrapped[promisify.custom] = function (...args) {
      return custom.apply(this, patchArguments(args));
    };
  }
  Object.defineProperty(wrapped, 'name', { value: name });
  childProcess[name] = wrapped;
}
