'use strict';
// The tfserving-remote-predict CLI (dist/cli/main.js, package.json "bin"), npm start's
// demo, and the package's require / import entry points.
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { startReferenceServer } = require('./support/reference_server');

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const pkg = require('../package.json');

/** Runs a command; resolves with { code, stdout, stderr } whatever its exit status. */
function exec(file, args, options = {}) {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, encoding: 'utf8', timeout: 120000, ...options }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

const cli = (...args) => exec(process.execPath, [CLI, ...args]);

describe('CLI', function () {
  let server;

  before(async function () {
    server = await startReferenceServer();
  });

  after(async function () {
    if (server) await server.stop();
  });

  const target = () => ['--target', server.address];

  it("is the package's bin, with a shebang", function () {
    assert.deepEqual(pkg.bin, { 'tfserving-remote-predict': 'dist/cli/main.js' });
    assert.match(fs.readFileSync(CLI, 'utf8'), /^#!\/usr\/bin\/env node\n/);
    assert.equal(pkg.scripts.start, 'node dist/cli/main.js');
  });

  it('--help prints the usage', async function () {
    const { code, stdout } = await cli('--help');
    assert.equal(code, 0);
    assert.match(stdout, /--target HOST:PORT --model NAME/);
    assert.match(stdout, /--input ALIAS=DTYPE\[SHAPE\]:V1,V2,\.\.\./);
  });

  describe('--help and -h in every subcommand: its usage on stdout, exit 0', function () {
    const subcommands = {
      '(main)': { args: [], usage: /^Usage:\n {2}tfserving-remote-predict\n[\s\S]*--target ADDRESS[\s\S]*-h, --help/ },
      serve: {
        args: ['serve'],
        usage:
          /^Usage:\n {2}tfserving-remote-predict serve --saved-model DIR[\s\S]*--deadline MS[\s\S]*--timeout MS +deprecated alias of --deadline/,
      },
      'setup-tfjs-node': {
        args: ['setup-tfjs-node'],
        usage: /^Usage:\n {2}tfserving-remote-predict setup-tfjs-node \[--project DIR\] \[--force\] \[--check\]/,
      },
      'fetch-libtensorflow-cc': {
        args: ['fetch-libtensorflow-cc'],
        usage:
          /^Usage:\n {2}tfserving-remote-predict fetch-libtensorflow-cc \[--from DIR\] \[--headers\] \[--python PY\] \[--check\]/,
      },
    };
    for (const [name, { args, usage }] of Object.entries(subcommands)) {
      for (const flag of ['--help', '-h']) {
        it(`${name} ${flag}`, async function () {
          const { code, stdout, stderr } = await cli(...args, flag);
          assert.equal(code, 0, stderr);
          assert.equal(stderr, '');
          assert.match(stdout, usage);
        });
      }
      it(`${name}: an unknown option exits 2 with the usage on stderr`, async function () {
        const { code, stdout, stderr } = await cli(...args, '--bogus');
        assert.equal(code, 2, stderr);
        assert.equal(stdout, '');
        assert.match(stderr, /Unknown option '--bogus'/);
        assert.match(stderr.slice(stderr.indexOf('Usage:')), usage);
      });
    }
  });

  it("the usage names --deadline in the main command and serve, --timeout only as serve's deprecated alias", async function () {
    const { stdout } = await cli('--help');
    assert.match(stdout, /\[--deadline MS\] \[--version N/);
    assert.match(stdout, /serve --saved-model DIR[^]*\[--tags TAG,\.\.\.\] \[--deadline MS\]/);
    assert.match(stdout, /--timeout MS: its deprecated alias/);
    assert.doesNotMatch(stdout.replace(/--timeout MS: its deprecated alias/, ''), /--timeout/);
  });

  it("the tfjs-node version in the usage is package.json's peer dependency, from one constant", async function () {
    const { TFJS_NODE_PACKAGE, TFJS_NODE_VERSION } = require('../dist/cli/setup-tfjs-node');
    assert.equal(TFJS_NODE_VERSION, pkg.peerDependencies[TFJS_NODE_PACKAGE]);
    for (const file of fs
      .readdirSync(path.join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))) {
      const source = fs.readFileSync(path.join(ROOT, 'lib', file), 'utf8');
      assert.ok(!source.includes(TFJS_NODE_VERSION), `lib/${file} spells the tfjs-node version out`);
    }
    const main = await cli('--help');
    const setup = await cli('setup-tfjs-node', '--help');
    for (const { stdout } of [main, setup])
      assert.ok(stdout.includes(`Installs ${TFJS_NODE_PACKAGE}@${TFJS_NODE_VERSION} `), stdout);
  });

  it('fetch-libtensorflow-cc is a no-op in a source build, whose libtensorflow has libtensorflow_cc', async function () {
    const { code, stdout, stderr } = await cli('fetch-libtensorflow-cc');
    assert.equal(code, 0, stderr);
    assert.match(stdout, /deps\/libtensorflow\/lib\/libtensorflow_cc\.so\.2 is in place: nothing to do/);
    assert.equal((await cli('fetch-libtensorflow-cc', '--check')).code, 0);
  });

  it('calls a server given --target and prints the outputs', async function () {
    const { code, stdout, stderr } = await cli(
      ...target(),
      '--model',
      'half_plus_two',
      '--input',
      'x=float32[3]:1,2,5',
      '--output',
      'y=float32',
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^input {2}x: float32\[3\] = \[1, 2, 5\]$/m);
    assert.match(stdout, /^output y: float32\[3\] = \[2\.5, 3, 4\.5\]$/m);
    assert.match(stdout, /^latency \d+\.\d ms$/m);
    console.log(
      `      $ tfserving-remote-predict --target ${server.address} --model half_plus_two --input x=float32[3]:1,2,5 --output y=float32`,
    );
    console.log(stdout.trimEnd().replace(/^/gm, '      '));
  });

  it('--version, --label, --signature, --deadline', async function () {
    const y = async (...args) => {
      const { code, stdout, stderr } = await cli(
        ...target(),
        '--model',
        'half_plus_two',
        '--input',
        'x=float32:1,2,5',
        '--output',
        'y=float32',
        ...args,
      );
      assert.equal(code, 0, stderr + stdout);
      return /^output y: float32\[3\] = (.*)$/m.exec(stdout)[1];
    };
    assert.equal(await y('--version', '1'), '[1.5, 2, 3.5]');
    assert.equal(await y('--label', 'canary'), '[1.5, 2, 3.5]');
    assert.equal(await y('--label', 'stable', '--deadline', '5000'), '[2.5, 3, 4.5]');
    assert.equal(await y('--signature', 'times_two'), '[2, 4, 10]');
  });

  it('parses and prints every dtype (all_dtypes)', async function () {
    const inputs = {
      float32: 'float32[2]:1.5,nan',
      float64: 'float64[]:-inf',
      int32: 'int32[0]:',
      int64: 'int64[2]:-9223372036854775808,9223372036854775807',
      uint64: 'uint64:18446744073709551615',
      uint32: 'uint32:4294967295',
      int16: 'int16:-32768',
      uint16: 'uint16:65535',
      int8: 'int8:-128',
      uint8: 'uint8:255',
      bool: 'bool[2,2]:true,false,1,0',
      float16: 'float16:1,0.5,65504,-inf',
      bfloat16: 'bfloat16:1,-2.5',
      complex64: 'complex64[2]:1,2,3,-4',
      complex128: 'complex128[]:0.5,-0.25',
      string: 'string[3]:["a,b","héllo",""]',
    };
    const args = [...target(), '--model', 'all_dtypes'];
    for (const [name, spec] of Object.entries(inputs)) args.push('--input', `${name}=${spec}`);
    for (const name of Object.keys(inputs)) args.push('--output', `${name}_out=${name}`);
    const { code, stdout, stderr } = await cli(...args);
    assert.equal(code, 0, stderr + stdout);
    for (const line of [
      'output float32_out: float32[2] = [1.5, NaN]',
      'output float64_out: float64[] = -Infinity',
      'output int32_out: int32[0] = []',
      'output int64_out: int64[2] = [-9223372036854775808, 9223372036854775807]',
      'output uint64_out: uint64[1] = [18446744073709551615]',
      'output uint32_out: uint32[1] = [4294967295]',
      'output int16_out: int16[1] = [-32768]',
      'output uint16_out: uint16[1] = [65535]',
      'output int8_out: int8[1] = [-128]',
      'output uint8_out: uint8[1] = [255]',
      'output bool_out: bool[2,2] = [[true, false], [true, false]]',
      'output float16_out: float16[4] = [1, 0.5, 65504, -Infinity]',
      'output bfloat16_out: bfloat16[2] = [1, -2.5]',
      'output complex64_out: complex64[2] = [1+2i, 3-4i]',
      'output complex128_out: complex128[] = 0.5-0.25i',
      'output string_out: string[3] = ["a,b", "héllo", ""]',
    ]) {
      assert.ok(stdout.includes(`${line}\n`), `missing: ${line}\n${stdout}`);
    }
  });

  it('--status prints the status; a failed call exits 1', async function () {
    const args = [...target(), '--model', 'no_such_model', '--input', 'x=float32:1', '--output', 'y=float32'];
    const status = await cli(...args, '--status');
    assert.equal(status.code, 1);
    assert.match(status.stdout, /^status 5 \(NOT_FOUND\): .*no_such_model/m);
    assert.match(status.stdout, /^output y: float32\[\] = 0$/m);
    const failed = await cli(...args);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /^error NOT_FOUND: .*no_such_model.* \(code 5\)/m);
    const ok = await cli(
      ...target(),
      '--model',
      'half_plus_two',
      '--input',
      'x=float32:1',
      '--output',
      'y=float32',
      '--status',
    );
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /^status 0 \(OK\)$/m);
    assert.match(ok.stdout, /^output y: float32\[1\] = \[2\.5\]$/m);
  });

  it('bad arguments exit 2 with a message', async function () {
    const base = [...target(), '--model', 'half_plus_two', '--output', 'y=float32'];
    /** @type {[string[], RegExp][]} */
    const cases = [
      [[...base, '--input', 'x=float33:1'], /unknown dtype 'float33'/],
      [[...base, '--input', 'x=float32[2]:1,2,3'], /3 values, but shape \[2\] needs 2/],
      [[...base, '--input', 'x=float32:one'], /'one' is not a number/],
      [[...base, '--input', 'x=int8:300'], /300 is outside \[-128, 127\]/],
      [[...base, '--input', 'x'], /expected ALIAS=DTYPE\[SHAPE\]:V1,V2/],
      [
        [...base, '--input', 'x=float32:1', '--deadline', '0'],
        /--deadline: '0' is not a number of milliseconds in \[1, 2147483647\]/,
      ],
      [
        [...base, '--input', 'x=float32:1', '--deadline', '2147483648'],
        /--deadline: '2147483648' is not a number of milliseconds/,
      ],
      [[...base, '--input', 'x=float32:1', '--deadline', 'soon'], /--deadline: 'soon' is not a number of milliseconds/],
      [
        [...base, '--input', 'x=float32:1', '--version', '1', '--label', 'a'],
        /--version and --label exclude each other/,
      ],
      [[...target(), '--input', 'x=float32:1', '--output', 'y=float32'], /--model is required/],
      [['--bogus'], /Unknown option '--bogus'/],
      [['--model', 'm'], /--model needs --target/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await cli(...args);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, message);
    }
  });

  it("--deadline bounds the call: the reference server's slow model past it → DEADLINE_EXCEEDED, exit 1", async function () {
    const slow = (delayMs, deadline) =>
      cli(
        ...target(),
        '--model',
        'slow',
        '--input',
        `delay_ms=int64[]:${delayMs}`,
        '--input',
        'x=float32:1,2',
        '--output',
        'y=float32',
        '--deadline',
        String(deadline),
      );
    const late = await slow(3000, 300);
    assert.equal(late.code, 1, late.stderr + late.stdout);
    assert.match(late.stdout, /^error DEADLINE_EXCEEDED: .* \(code 4\); latency (\d+\.\d) ms$/m);
    const latency = Number(/latency (\d+\.\d) ms/.exec(late.stdout)[1]);
    assert.ok(latency >= 250 && latency < 2500, `latency ${latency} ms`);
    const inTime = await slow(0, 5000);
    assert.equal(inTime.code, 0, inTime.stderr + inTime.stdout);
    assert.match(inTime.stdout, /^output y: float32\[2\] = \[1, 2\]$/m);
  });

  it('a dead target → UNAVAILABLE, exit 1', async function () {
    const { code, stdout } = await cli(
      '--target',
      '127.0.0.1:1',
      '--model',
      'm',
      '--input',
      'x=float32:1',
      '--output',
      'y=float32',
    );
    assert.equal(code, 1);
    assert.match(stdout, /^error UNAVAILABLE: /m);
  });

  it('npm start (no --target) runs the demo against an embedded server: y = 2.5, 3, 4.5 for x = 1, 2, 5', async function () {
    const { code, stdout, stderr } = await exec('npm', ['start', '--silent']);
    assert.equal(code, 0, stderr + stdout);
    assert.match(stdout, /reference PredictionService on 127\.0\.0\.1:\d+/);
    assert.match(stdout, /^run\(\) half_plus_two/m);
    assert.match(stdout, /^runReturningStatus\(\) half_plus_two/m);
    assert.equal(stdout.match(/^ {2}input {2}x: float32\[3\] = \[1, 2, 5\]$/gm).length, 3);
    assert.equal(stdout.match(/^ {2}output y: float32\[3\] = \[2\.5, 3, 4\.5\]$/gm).length, 2);
    assert.match(stdout, /^ {2}status 0 \(OK\)$/m);
    assert.match(stdout, /^ {2}status 5 \(NOT_FOUND\): .*no_such_model/m);
    assert.match(stdout, /^ {2}output y: float32\[\] = 0$/m);
    assert.equal(stdout.match(/^ {2}latency \d+\.\d ms$/gm).length, 3);
  });
});

describe('CLI half-precision input values', function () {
  const { toFloat16Bits, toBfloat16Bits } = require('../dist/cli/half-floats');

  it('round to the nearest even like numpy float16 and TensorFlow bfloat16', function () {
    // [value, bits] pairs computed with numpy.float16 and tf.bfloat16.
    const float16 = [
      [0, 0],
      [-0, 32768],
      [1, 15360],
      [0.5, 14336],
      [65504, 31743],
      [65519, 31743],
      [65520, 31744],
      [0.0001, 1678],
      [6e-8, 1],
      [2.98e-8, 0],
      [3e-8, 1],
      [0.1, 11878],
      [1 / 3, 13653],
      [-2.5, 49408],
      [1e-5, 168],
      [6.103515625e-5, 1024],
      [6.1e-5, 1023],
      [2049, 26624],
      [2051, 26626],
      [-Infinity, 0xfc00],
    ];
    for (const [value, bits] of float16) assert.equal(toFloat16Bits(value), bits, `float16 ${value}`);
    const bfloat16 = [
      [1, 16256],
      [-2.5, 49184],
      [0.1, 15821],
      [1 / 3, 16043],
      [3.4e38, 32640],
      [1e-40, 0],
      [65535, 18304],
    ];
    for (const [value, bits] of bfloat16) assert.equal(toBfloat16Bits(value), bits, `bfloat16 ${value}`);
    assert.equal(toFloat16Bits(NaN) & 0x7e00, 0x7e00);
    assert.equal(toBfloat16Bits(NaN) & 0x7fc0, 0x7fc0);
  });
});

describe('package entry points', function () {
  it('require() and import give the same API', async function () {
    const script = `
      import * as esm from 'tfserving-remote-predict';
      import esmDefault from 'tfserving-remote-predict';
      import { createRequire } from 'node:module';
      const cjs = createRequire(import.meta.url)('tfserving-remote-predict');
      const missing = Object.keys(cjs).filter((k) => esm[k] !== cjs[k]);
      console.log(JSON.stringify({ missing, run: typeof esm.run, same: esmDefault === cjs }));`;
    const { code, stdout, stderr } = await exec(process.execPath, ['--input-type=module', '-e', script]);
    assert.equal(code, 0, stderr);
    assert.deepEqual(JSON.parse(stdout), { missing: [], run: 'function', same: true });
    assert.equal(pkg.exports['.'].require, './dist/index.js');
    assert.equal(pkg.exports['.'].import, './esm/index.mjs');
    assert.equal(pkg.exports['.'].types, './dist/index.d.ts');
  });
});
