'use strict';
// The README's JavaScript snippets run as written (issue 16): each ```js block runs as an
// ES module (.mjs) and as CommonJS (.cjs), one form converted mechanically from the other
// (test/support/readme_snippets.js), from a project directory where
// `tfserving-remote-predict` resolves through node_modules to this checkout, against the
// reference server (its address replaces `localhost:8500`). Each run must exit 0 and print
// exactly the lines the snippet's `// → ` comments show.
//
// `<!-- snippet: needs tfjs-node -->` snippets run only where tfjs-node is set up
// (`npx tfserving-remote-predict setup-tfjs-node`); `<!-- snippet: skip -->` ones not at all.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { startReferenceServer } = require('./support/reference_server');
const {
  ROOT,
  bothForms,
  expectedOutput,
  extractJsSnippets,
  makeProject,
  matchesLine,
  moduleKind,
  runSnippetFile,
  toCommonJS,
  toESM,
} = require('./support/readme_snippets');
const { tfjsNodeSetupStatus } = require('../dist/cli/setup-tfjs-node');

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const FIXTURES = {
  half_plus_two_with_remote_predict: path.join(
    ROOT,
    'test',
    'fixtures',
    'composed',
    'half_plus_two_with_remote_predict',
  ),
  half_plus_two: path.join(ROOT, 'test', 'fixtures', 'models', 'half_plus_two'),
};
const snippets = extractJsSnippets(README);
const tfjsNode = tfjsNodeSetupStatus(ROOT);

describe('README snippets', function () {
  let server;
  let project;

  before(async function () {
    for (const [name, dir] of Object.entries(FIXTURES)) {
      const savedModel = ['saved_model.pb', path.join('1', 'saved_model.pb')].some((f) =>
        fs.existsSync(path.join(dir, f)),
      ); // a model or its versions
      assert.ok(savedModel, `fixture ${name} missing (${dir}): run npm install`);
    }
    const links = { ...FIXTURES }; // './half_plus_two_with_remote_predict' in the snippets
    if (tfjsNode.ready) links['node_modules/@tensorflow/tfjs-node'] = tfjsNode.locations.tfjsNodeDir;
    project = makeProject(links);
    server = await startReferenceServer();
  });

  after(async function () {
    if (server) await server.stop();
    if (project) project.remove();
  });

  it('has JavaScript snippets, each an ES module or CommonJS that converts to the other form', function () {
    assert.ok(snippets.length >= 5, `expected the README's JavaScript snippets, found ${snippets.length}`);
    for (const snippet of snippets) {
      const { esm, cjs } = bothForms(snippet);
      assert.doesNotMatch(esm, /\brequire\(/, `README.md:${snippet.line}: the ES module form calls require()`);
      assert.doesNotMatch(cjs, /^import\s/m, `README.md:${snippet.line}: the CommonJS form has an import`);
    }
    const skipped = snippets.filter((s) => s.marker === 'skip');
    assert.ok(skipped.length <= 1, `${skipped.length} snippets are skipped: keep that to fragments that cannot run`);
  });

  it('converts between the two module forms', function () {
    const esm = "import tf from 'a';\nimport { b, c as d } from 'e';\nimport * as f from 'g';\nawait b();\n";
    assert.equal(
      toCommonJS(esm),
      [
        "'use strict';",
        'const tf = require("a");',
        'const { b, c: d } = require("e");',
        'const f = require("g");',
        '(async () => {',
        'await b();',
        '})().catch((error) => {',
        '  console.error(error);',
        '  process.exitCode = 1;',
        '});',
        '',
      ].join('\n'),
    );
    const cjs = "const x = require('a');\nconst { b, c: d } = require('e');\nb(x, d);\n";
    assert.equal(toESM(cjs), 'import x from "a";\nimport { b, c as d } from "e";\nb(x, d);\n');
    assert.throws(() => moduleKind("import { run } from 'a';\nconst b = require('b');\n"), /mixes/);
  });

  for (const snippet of snippets) {
    const where = `README.md:${snippet.line}`;
    for (const mode of ['ESM', 'CommonJS']) {
      const title = `${mode}: the ${snippet.kind === 'esm' ? 'ES module' : 'CommonJS'} snippet at ${where}`;
      if (snippet.marker === 'skip') {
        it.skip(`${title} (marked skip)`);
        continue;
      }
      it(title, async function () {
        if (snippet.marker === 'needs tfjs-node' && !tfjsNode.ready) {
          console.log(
            `      (skipped: @tensorflow/tfjs-node is not set up here — ${tfjsNode.problems[0]}; ` +
              'run `npx tfserving-remote-predict setup-tfjs-node` once)',
          );
          this.skip();
        }
        const forms = bothForms(snippet);
        const name = `snippet-${snippet.line}.${mode === 'ESM' ? 'mjs' : 'cjs'}`;
        const source = mode === 'ESM' ? forms.esm : forms.cjs;
        const result = await runSnippetFile(project.dir, name, source, { address: server.address });
        const context =
          `${where} as ${name} (${result.file}):\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}` +
          `--- source\n${fs.readFileSync(result.file, 'utf8')}`;
        assert.equal(result.code, 0, `exit code ${result.code} (signal ${result.signal}), ${context}`);
        const printed = result.stdout.split('\n');
        if (printed[printed.length - 1] === '') printed.pop();
        const expected = expectedOutput(snippet.code);
        assert.equal(
          printed.length,
          expected.length,
          `printed ${printed.length} lines, the snippet's // → comments show ${expected.length}: ${context}`,
        );
        expected.forEach((line, i) => {
          assert.ok(
            matchesLine(printed[i], line),
            `line ${i + 1} printed ${JSON.stringify(printed[i])}, ` +
              `the snippet shows ${JSON.stringify(line)}: ${context}`,
          );
        });
      });
    }
  }
});
