'use strict';
// The README's ```js snippets, as test/readme.test.js runs them: extracted with their
// markers, run as an ES module and as CommonJS (one form converted mechanically into the
// other), from a directory where `tfserving-remote-predict` resolves to this checkout
// through node_modules, exactly as in a user's project.
//
// Conventions the README states and this module relies on:
//   - A snippet is an ES module (`import … from`, top-level await) or CommonJS
//     (`const … = require(…)`, no top-level await); never a mix.
//   - `// → TEXT` shows a line the snippet prints: a snippet's stdout must be exactly
//     those lines, in order (`…` in one matches any text).
//   - `<!-- snippet: skip -->` right before a fence: not run (a fragment);
//     `<!-- snippet: needs tfjs-node -->`: run only where tfjs-node is set up.
//   - Servers are at `localhost:8500`; the test substitutes the reference server's
//     address. Files are named relative to the snippet's directory (the test links the
//     fixtures there), e.g. './half_plus_two_with_remote_predict'.
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_NAME = 'tfserving-remote-predict';
const SERVER_PLACEHOLDER = 'localhost:8500';
const MARKERS = new Set(['skip', 'needs tfjs-node']);
const ARROW = '// → ';

/**
 * Every fenced code block of `markdown`: { lang, line (1-based, of the opening fence),
 * code (indentation of the fence removed), marker ('skip' | 'needs tfjs-node' | undefined) }.
 * Throws on an unknown marker or a marker not followed by a fence.
 */
function extractCodeBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  let pendingMarker;
  let pendingMarkerLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const marker = /^\s*<!--\s*snippet:\s*(.*?)\s*-->\s*$/.exec(lines[i]);
    if (marker) {
      if (!MARKERS.has(marker[1])) {
        throw new Error(
          `README.md:${i + 1}: unknown snippet marker '${marker[1]}' (known: ${[...MARKERS].join(', ')})`,
        );
      }
      pendingMarker = marker[1];
      pendingMarkerLine = i + 1;
      continue;
    }
    const open = /^(\s*)(`{3,})\s*([\w-]*)\s*$/.exec(lines[i]);
    if (!open) {
      if (pendingMarker !== undefined && lines[i].trim() !== '') {
        throw new Error(`README.md:${pendingMarkerLine}: a snippet marker must come right before a code fence`);
      }
      continue;
    }
    const [, indent, fence, lang] = open;
    const body = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^\\s*${fence}\\s*$`).test(lines[j])) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
      j++;
    }
    if (j === lines.length) throw new Error(`README.md:${i + 1}: code fence never closed`);
    blocks.push({ lang, line: i + 1, code: `${body.join('\n')}\n`, marker: pendingMarker });
    pendingMarker = undefined;
    i = j;
  }
  if (pendingMarker !== undefined) {
    throw new Error(`README.md:${pendingMarkerLine}: a snippet marker must come right before a code fence`);
  }
  return blocks;
}

/** The ```js blocks of `markdown`, each with its module kind ('esm' | 'cjs'). */
function extractJsSnippets(markdown) {
  return extractCodeBlocks(markdown)
    .filter((block) => block.lang === 'js' || block.lang === 'javascript')
    .map((block) => ({ ...block, kind: moduleKind(block.code) }));
}

const IMPORT_RE =
  /^import\s+(?:([\w$]+)\s*(?:,\s*)?)?(?:\{([^}]*)\}|\*\s*as\s+([\w$]+))?\s*(?:from\s*)?(['"])([^'"]+)\4\s*;?[ \t]*$/gm;
const REQUIRE_RE = /^const\s+(\{[^}]*\}|[\w$]+)\s*=\s*require\((['"])([^'"]+)\2\)\s*;?[ \t]*$/gm;

/** 'esm' for a snippet with import declarations, 'cjs' for one with require(), else 'esm'. */
function moduleKind(code) {
  const esm = /^import\s/m.test(code) || /^export\s/m.test(code);
  const cjs = /\brequire\(/.test(code);
  if (esm && cjs) throw new Error('the snippet mixes import declarations and require()');
  return cjs ? 'cjs' : 'esm';
}

/**
 * An ES module snippet as CommonJS: its imports become require() calls at the top, the
 * rest runs inside an async function (top-level await), whose rejection is reported
 * and sets the exit code as an ES module's would.
 */
function toCommonJS(code) {
  const requires = [];
  const body = code.replace(IMPORT_RE, (all, defaultName, named, namespace, quote, specifier) => {
    const module = `require(${JSON.stringify(specifier)})`;
    if (defaultName && (named !== undefined || namespace !== undefined)) {
      throw new Error(`cannot convert '${all.trim()}': a default import together with others`);
    }
    if (defaultName) requires.push(`const ${defaultName} = ${module};`);
    else if (namespace) requires.push(`const ${namespace} = ${module};`);
    else if (named !== undefined) {
      const bindings = named
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => s.replace(/^([\w$]+)\s+as\s+([\w$]+)$/, '$1: $2'));
      requires.push(`const { ${bindings.join(', ')} } = ${module};`);
    } else requires.push(`${module};`);
    return '';
  });
  if (/^\s*(import|export)\s/m.test(body))
    throw new Error('an import or export the conversion to CommonJS does not handle');
  return [
    "'use strict';",
    ...requires,
    '(async () => {',
    body.trim(),
    '})().catch((error) => {',
    '  console.error(error);',
    '  process.exitCode = 1;',
    '});',
    '',
  ].join('\n');
}

/** A CommonJS snippet as an ES module: its top-level `const … = require(…)` become imports. */
function toESM(code) {
  const converted = code.replace(REQUIRE_RE, (all, binding, quote, specifier) => {
    const from = JSON.stringify(specifier);
    if (!binding.startsWith('{')) return `import ${binding} from ${from};`;
    const names = binding
      .slice(1, -1)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => {
        const m = /^([\w$]+)(?:\s*:\s*([\w$]+))?$/.exec(s);
        if (!m) throw new Error(`cannot convert '${all.trim()}' to an import`);
        return m[2] ? `${m[1]} as ${m[2]}` : m[1];
      });
    return `import { ${names.join(', ')} } from ${from};`;
  });
  if (/\brequire\(/.test(converted)) throw new Error('a require() the conversion to an ES module does not handle');
  return converted.replace(/^'use strict';\n/m, '');
}

/** The snippet as an ES module and as CommonJS: { esm, cjs }. */
function bothForms(snippet) {
  return snippet.kind === 'esm'
    ? { esm: snippet.code, cjs: toCommonJS(snippet.code) }
    : { esm: toESM(snippet.code), cjs: snippet.code };
}

/** The lines a snippet says it prints: the text after each `// → `, in order. */
function expectedOutput(code) {
  const expected = [];
  for (const line of code.split('\n')) {
    const at = line.indexOf(ARROW);
    if (at >= 0) expected.push(line.slice(at + ARROW.length).trimEnd());
  }
  return expected;
}

/** Whether printed `actual` matches an expected line, where `…` matches any text. */
function matchesLine(actual, expected) {
  const pattern = expected
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(actual);
}

/**
 * A directory laid out like a user's project: node_modules/tfserving-remote-predict
 * links to this checkout, `links` adds more ({ 'node_modules/@tensorflow/tfjs-node': dir,
 * 'half_plus_two_with_remote_predict': fixtureDir }). Returns { dir, remove }.
 */
function makeProject(links = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsrp-readme-'));
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'readme-snippets', private: true })}\n`);
  for (const [name, target] of Object.entries({ [`node_modules/${PACKAGE_NAME}`]: ROOT, ...links })) {
    const link = path.join(dir, name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(target, link, 'dir');
  }
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Writes `source` (server address substituted) to `dir/<name>` and runs it with node.
 * Resolves with { code, signal, stdout, stderr, file }.
 * @param {string} dir
 * @param {string} name
 * @param {string} source
 * @param {{ address?: string, env?: NodeJS.ProcessEnv, timeout?: number }} [options]
 */
function runSnippetFile(dir, name, source, { address, env = process.env, timeout = 90000 } = {}) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, address ? source.split(SERVER_PLACEHOLDER).join(address) : source);
  const childEnv = { ...env };
  delete childEnv.TFSRP_TARGET_OVERRIDES; // the snippets set what they need
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [file],
      { cwd: dir, env: childEnv, encoding: 'utf8', timeout, maxBuffer: 1 << 24 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          signal: error ? (error.signal ?? null) : null,
          stdout,
          stderr,
          file,
        }),
    );
  });
}

module.exports = {
  ROOT,
  SERVER_PLACEHOLDER,
  bothForms,
  expectedOutput,
  extractCodeBlocks,
  extractJsSnippets,
  makeProject,
  matchesLine,
  moduleKind,
  runSnippetFile,
  toCommonJS,
  toESM,
};
