#!/usr/bin/env node
'use strict';
// binding.gyp builds the same products as CMakeLists.txt for node-gyp users;
// nothing builds it in CI, so this compares their source lists instead. Exits
// 1 naming every file one has and the other lacks. (Also used by npm test.)
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

// binding.gyp target -> the CMake targets whose sources make it up.
const PRODUCTS = {
  tfsrp_grpc_transport: ['tfsrp_grpc_transport'],
  tfserving_remote_predict_op: ['tfserving_remote_predict_op'],
  tfserving_remote_predict: ['tfserving_remote_predict_addon'],
  tfsrp_saved_model: ['tfsrp_saved_model_addon'],
  tfsrp_tensorflow_guard: ['tfsrp_tensorflow_guard'],
};

/** Every add_library / add_executable in the CMake files, with sources and linked targets. */
function cmakeTargets(root) {
  const targets = {};
  for (const file of ['CMakeLists.txt', 'cpp/transport/CMakeLists.txt']) {
    const dir = path.dirname(file);
    const text = fs.readFileSync(path.join(root, file), 'utf8').replace(/#.*$/gm, '');
    for (const [, kind, body] of text.matchAll(/\b(add_library|target_link_libraries)\s*\(([^)]*)\)/g)) {
      const [name, ...rest] = body.split(/\s+/).filter(Boolean);
      const target = (targets[name] ??= { sources: [], links: [] });
      if (kind === 'add_library') {
        target.sources.push(
          ...rest
            .filter((t) => /\.(cc|c)$/.test(t))
            .map((t) => path.normalize(path.join(dir, t.replace('${CMAKE_CURRENT_SOURCE_DIR}/', '')))),
        );
      } else {
        target.links.push(...rest);
      }
    }
  }
  return targets;
}

function cmakeSources(targets, name, seen = new Set()) {
  if (seen.has(name) || !targets[name]) return [];
  seen.add(name);
  const target = targets[name];
  const objects = target.links.filter((l) => l.endsWith('_objects'));
  return [...target.sources, ...objects.flatMap((o) => cmakeSources(targets, o, seen))];
}

function gypSources(root) {
  const text = fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8').replace(/^\s*#.*$/gm, '');
  const gyp = JSON.parse(text);
  return Object.fromEntries(gyp.targets.map((t) => [t.target_name, (t.sources || []).map((s) => path.normalize(s))]));
}

/** The differences between the two builds of the tree at `root`; [] when they agree. */
function compare(root = ROOT) {
  const targets = cmakeTargets(root);
  const gyp = gypSources(root);
  const problems = [];
  for (const [product, cmakeNames] of Object.entries(PRODUCTS)) {
    const want = new Set(cmakeNames.flatMap((n) => cmakeSources(targets, n)));
    const have = new Set(gyp[product] || []);
    if (!gyp[product]) problems.push(`binding.gyp has no target ${product}`);
    for (const s of want) if (!have.has(s)) problems.push(`${product}: binding.gyp lacks ${s} (in CMakeLists.txt)`);
    for (const s of have)
      if (!want.has(s)) problems.push(`${product}: binding.gyp has ${s}, which CMakeLists.txt does not build into it`);
  }
  for (const product of Object.keys(gyp)) {
    if (!PRODUCTS[product])
      problems.push(`binding.gyp target ${product} has no CMake counterpart in scripts/check-binding-gyp.js`);
  }
  return problems;
}

if (require.main === module) {
  const problems = compare();
  for (const p of problems) process.stderr.write(`${p}\n`);
  process.exit(problems.length === 0 ? 0 : 1);
}

module.exports = { compare };
