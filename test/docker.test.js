'use strict';
// docker/: the compose file is valid, the image installs the project by the
// README's own set-up command, the composed service has no address baked in,
// the services need nothing from the host (their models come from the build stage),
// and the images that run (the final stage, the compose targets) carry no build tools.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const {
  dockerfileStages,
  stageChain,
  runCommand,
  composeServiceBlock,
  composeValue,
} = require('./support/docker_files');

const ROOT = path.resolve(__dirname, '..');
const DOCKERFILE = path.join(ROOT, 'docker', 'Dockerfile');
const COMPOSE = path.join(ROOT, 'docker', 'compose.yaml');
const README = path.join(ROOT, 'README.md');

const read = (file) => fs.readFileSync(file, 'utf8');

// The README's set-up command: in its first ```sh block, the first command before `&&`.
function readmeSetupCommand() {
  const block = /^```sh\n([\s\S]*?)^```/m.exec(read(README));
  assert.ok(block, 'README.md has no ```sh code block');
  const first = block[1]
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('#'));
  assert.ok(first, "the README's first ```sh block is empty");
  return first.split('&&')[0].trim();
}

// IP addresses (v4 or v6, bare, bracketed or with a port) among the words of `text`.
function ipAddressesIn(text) {
  return text.split(/[\s=,]+/).filter((word) => {
    const host = word.replace(/^(dns:\/{0,3}|ipv4:|ipv6:)/, '');
    const bracketed = /^\[([^\]]*)\]/.exec(host);
    if (bracketed) return net.isIP(bracketed[1]) !== 0;
    return net.isIP(host) !== 0 || net.isIP(host.replace(/:\d+$/, '')) !== 0;
  });
}

function firstLine(text) {
  return (text || '').trim().split('\n')[0];
}

describe('docker', function () {
  it('docker compose accepts docker/compose.yaml and sees both services', function () {
    const clients = [
      { name: 'docker compose', command: 'docker', prefix: ['compose'] },
      { name: 'docker-compose', command: 'docker-compose', prefix: [] },
    ];
    const unavailable = [];
    let checked = 0;
    for (const client of clients) {
      const version = spawnSync(client.command, [...client.prefix, 'version'], { encoding: 'utf8', timeout: 60000 });
      if (version.error || version.status !== 0) {
        const why = version.error
          ? /** @type {NodeJS.ErrnoException} */ (version.error).code === 'ENOENT'
            ? `${client.command} is not installed`
            : version.error.message
          : `\`${client.name} version\` exited with ${version.status}: ${firstLine(version.stderr || version.stdout)}`;
        unavailable.push(`${client.name}: ${why}`);
        continue;
      }
      const config = spawnSync(client.command, [...client.prefix, '-f', COMPOSE, 'config'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60000,
      });
      assert.equal(config.status, 0, `${client.name} -f docker/compose.yaml config:\n${config.stderr}`);
      assert.match(config.stdout, /^\s+tf-serving:\s*$/m, `${client.name} config does not show tf-serving`);
      assert.match(config.stdout, /^\s+composed-model:\s*$/m, `${client.name} config does not show composed-model`);
      checked += 1;
    }
    if (checked === 0) {
      console.log(`      skipped: no compose client to validate docker/compose.yaml (${unavailable.join('; ')})`);
      this.skip();
    }
  });

  it("installs the project in the image by exactly the README's set-up command", function () {
    const setup = readmeSetupCommand();
    assert.ok(setup.length > 0);
    const stages = dockerfileStages(read(DOCKERFILE));
    assert.ok(stages.length >= 2, 'docker/Dockerfile must be multi-stage');
    const runs = stages.flatMap((stage, i) =>
      stage.instructions
        .filter((x) => x.keyword === 'RUN')
        .map((x) => ({ stage: i, line: x.line, command: runCommand(x) })),
    );
    const install = runs.filter((r) => r.command === setup);
    assert.ok(
      install.length > 0,
      `no RUN instruction in docker/Dockerfile is exactly the README's set-up command '${setup}'`,
    );
    assert.ok(
      install.every((r) => r.stage < stages.length - 1),
      'the set-up command must run in a build stage, not the final one',
    );
    // No second, drifting recipe: every RUN that installs the package is that command.
    for (const run of runs.filter((r) => /\bnpm\s+(install|i|ci)\b/.test(r.command))) {
      assert.equal(
        run.command,
        setup,
        `docker/Dockerfile:${run.line} installs the project differently from the README`,
      );
    }
  });

  it('copies every file a RUN uses before `COPY . .` (the scripts it runs, and the files they name)', function () {
    const build = dockerfileStages(read(DOCKERFILE))[0];
    const copied = new Set();
    const referenced = (text) =>
      [...text.matchAll(/\bscripts\/[\w-]+(?:\.[\w-]+)*/g)]
        .map((m) => m[0])
        .filter((file) => fs.existsSync(path.join(ROOT, file)));
    for (const x of build.instructions) {
      if (x.keyword === 'COPY') {
        const sources = x.args
          .split(' ')
          .filter((a) => !a.startsWith('--'))
          .slice(0, -1);
        if (sources.includes('.')) return; // the whole context from here on
        for (const source of sources) copied.add(source);
      } else if (x.keyword === 'RUN') {
        const needed = referenced(runCommand(x));
        for (let i = 0; i < needed.length; i += 1) {
          const file = needed[i];
          assert.ok(
            copied.has(file),
            `Dockerfile:${x.line} runs before \`COPY . .\` and needs ${file}, which is not copied yet`,
          );
          for (const more of referenced(read(path.join(ROOT, file)))) if (!needed.includes(more)) needed.push(more);
        }
      }
    }
    assert.fail('the build stage has no `COPY . .`');
  });

  it("points the composed model's op at the TF Serving service by name, never by address", function () {
    const compose = read(COMPOSE);
    const services = ['tf-serving', 'composed-model'];
    const composed = composeServiceBlock(compose, 'composed-model');
    const command = composeValue(composed, 'command');
    assert.ok(command && command.length > 0, 'the composed-model service has no command');
    const joined = command.join(' ');
    assert.match(joined, /^serve\b/, 'the composed-model service runs `serve`');
    assert.match(joined, /--target-override/);
    assert.deepEqual(ipAddressesIn(joined), [], `IP addresses in the command: ${joined}`);
    assert.doesNotMatch(joined, /\blocalhost\b/, `a loopback address in the command: ${joined}`);
    const override = /--target-override[\s=]+(\S+)=(\S+):(\d+)/.exec(joined);
    assert.ok(override, `--target-override is not FROM=HOST:PORT in: ${joined}`);
    assert.ok(
      services.includes(override[2]),
      `--target-override points at ${override[2]}, not a service of the compose file`,
    );
    assert.deepEqual(
      composeValue(composed, 'depends_on')
        .filter((l) => services.includes(l.replace(/:$/, '')))
        .map((l) => l.replace(/:$/, '')),
      ['tf-serving'],
    );
    assert.deepEqual(composeValue(composeServiceBlock(compose, 'tf-serving'), 'MODEL_NAME'), ['half_plus_two']);
  });

  it('needs nothing from the host: each service is a Dockerfile stage that copies its model from the build stage', function () {
    const compose = read(COMPOSE);
    const stages = dockerfileStages(read(DOCKERFILE));
    const build = stages.find((stage) =>
      stage.instructions.some((x) => x.keyword === 'RUN' && runCommand(x) === readmeSetupCommand()),
    );
    assert.ok(build && build.name, "the stage running the README's set-up command is named");
    const models = {
      'tf-serving': {
        stage: 'tf-serving',
        image: /^tensorflow\/serving\b/,
        model: 'test/fixtures/models/half_plus_two',
        at: '/models/half_plus_two',
      },
      'composed-model': {
        stage: 'composed-model',
        image: /^node:20[\w.-]*bookworm-slim\b/,
        model: 'test/fixtures/composed/half_plus_two_with_remote_predict',
        at: '/models/half_plus_two_with_remote_predict',
      },
    };
    for (const [service, want] of Object.entries(models)) {
      const block = composeServiceBlock(compose, service);
      assert.equal(
        composeValue(block, 'volumes'),
        null,
        `${service} mounts from the host (a fresh clone has no fixtures)`,
      );
      assert.equal(composeValue(block, 'image'), null, `${service} is pulled, not built from docker/Dockerfile`);
      assert.deepEqual(composeValue(block, 'dockerfile'), ['docker/Dockerfile']);
      assert.deepEqual(composeValue(block, 'target'), [want.stage]);
      const stage = stages.find((x) => x.name === want.stage);
      assert.ok(stage, `docker/Dockerfile has no stage ${want.stage}`);
      const chain = stageChain(stages, stage);
      assert.match(
        chain[chain.length - 1].base,
        want.image,
        `${want.stage} is built on ${chain[chain.length - 1].base}`,
      );
      const copies = chain
        .flatMap((x) => x.instructions)
        .filter((x) => x.keyword === 'COPY')
        .map((x) => x.args);
      assert.ok(
        copies.some((args) => args.startsWith(`--from=${build.name} /app/${want.model} ${want.at}`)),
        `${want.stage} copies /app/${want.model} from the ${build.name} stage to ${want.at}`,
      );
    }
  });

  it('keeps compilers, Python and build trees out of the images that run: the final stage and composed-model', function () {
    const stages = dockerfileStages(read(DOCKERFILE));
    assert.match(stages[0].from, /^node:20[\w.-]*bookworm\b/, 'the build stage is Node 20 on Debian 12');
    const images = [stages[stages.length - 1], stages.find((x) => x.name === 'composed-model')];
    const runtime = images.flatMap((stage) => stageChain(stages, stage));
    for (const top of images) {
      const chain = stageChain(stages, top);
      assert.match(
        chain[chain.length - 1].base,
        /^node:20[\w.-]*bookworm-slim\b/,
        `${top.name || 'the final stage'} is Node 20 slim on Debian 12`,
      );
    }
    const forbidden =
      /^(g\+\+.*|gcc.*|clang.*|cpp.*|cmake.*|make|ninja-build|build-essential|pkg-config|python.*|.*-dev)$/;
    for (const x of [...new Set(runtime)].flatMap((stage) => stage.instructions).filter((i) => i.keyword === 'RUN')) {
      const command = runCommand(x);
      assert.doesNotMatch(command, /\bpip3?\s+install\b|\bnpm\s+(install|i|ci)\b/, `Dockerfile:${x.line}: ${command}`);
      for (const [, args] of command.matchAll(/\bapt(?:-get)?\s+install\b([^;&|]*)/g)) {
        const packages = args
          .trim()
          .split(/\s+/)
          .filter((a) => a && !a.startsWith('-'));
        for (const pkg of packages) {
          assert.doesNotMatch(
            pkg.replace(/[:=].*$/, ''),
            forbidden,
            `Dockerfile:${x.line} installs ${pkg} in the final stage`,
          );
        }
      }
    }
    // Copied from the build stage: products, not trees (test/: only a model, into /models).
    for (const x of [...new Set(runtime)]
      .flatMap((stage) => stage.instructions)
      .filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
      const args = x.args.split(' ').filter((a) => !a.startsWith('--'));
      for (const source of args.slice(0, -1)) {
        if (/^\/app\/test\/fixtures\/[^/]+\/[^/]+$/.test(source) && args[args.length - 1].startsWith('/models/'))
          continue;
        assert.doesNotMatch(
          source,
          /^\/app\/?$|^\/app\/build\/?$|^\/app\/test\b|^\/app\/deps\/?$|^\/app\/deps\/libtensorflow\/?$|^\/opt\/venv\b|CMakeFiles/,
          `Dockerfile:${x.line} copies ${source} into an image that runs`,
        );
      }
    }
  });
});
