'use strict';
// The type test: test/types/api.ts compiled under `strict` against the emitted
// declarations (dist/*.d.ts) by `tsc --noEmit -p test/types`. What should
// compile does; each `// @ts-expect-error` line must fail, and the second test
// proves it does: without the directives, exactly those lines are errors.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const project = path.join(__dirname, 'types');
const apiFile = path.join(project, 'api.ts');
const DIRECTIVE = /^\s*\/\/ @ts-expect-error\b/;

describe('types (test/types/api.ts)', function () {
  this.timeout(120000);

  it('tsc --noEmit -p test/types exits 0', function () {
    const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
    const result = spawnSync(tsc, ['--noEmit', '-p', project], { cwd: root, encoding: 'utf8' });
    assert.equal(result.error, undefined, `cannot run ${tsc}: ${result.error}`);
    assert.equal(result.status, 0, `tsc --noEmit -p test/types failed:\n${result.stdout}${result.stderr}`);
  });

  it('every @ts-expect-error marks a line that fails without it, and no other line fails', function () {
    const ts = require('typescript');
    const config = ts.getParsedCommandLineOfConfigFile(
      path.join(project, 'tsconfig.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    );
    const source = fs.readFileSync(apiFile, 'utf8');
    const lines = source.split('\n');
    // The directive applies to the next line (0-based index i + 1).
    const expected = lines.flatMap((line, i) => (DIRECTIVE.test(line) ? [i + 1] : []));
    assert.ok(expected.length >= 20, `only ${expected.length} @ts-expect-error lines found`);
    const stripped = lines.map((line) => line.replace('// @ts-expect-error', '// (an error expected)')).join('\n');

    const host = ts.createCompilerHost(config.options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, languageVersion, ...rest) =>
      path.resolve(fileName) === apiFile
        ? ts.createSourceFile(fileName, stripped, languageVersion, true)
        : getSourceFile(fileName, languageVersion, ...rest);
    const program = ts.createProgram(config.fileNames, config.options, host);
    const diagnostics = ts.getPreEmitDiagnostics(program);
    const elsewhere = diagnostics.filter((d) => !d.file || path.resolve(d.file.fileName) !== apiFile);
    assert.deepEqual(
      elsewhere.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')),
      [],
    );

    const failing = new Set(diagnostics.map((d) => d.file.getLineAndCharacterOfPosition(d.start).line));
    const show = (i) => `api.ts:${i + 1}: ${lines[i].trim()}`;
    assert.deepEqual(
      expected.filter((i) => !failing.has(i)).map(show),
      [],
      'lines marked @ts-expect-error that compile',
    );
    assert.deepEqual(
      [...failing].filter((i) => !expected.includes(i)).map(show),
      [],
      'lines that fail without a directive',
    );
  });
});
