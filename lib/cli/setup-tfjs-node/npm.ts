// Child processes of setup-tfjs-node: npm (install, rebuild) and node, their
// output kept for errors; the Node headers node-gyp builds against.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { SetupTfjsNodeError } from './errors';
import { realpathOrSelf } from './locations';

interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

const OUTPUT_KEEP = 256 * 1024;
const TAIL_LINES = 40;

export function tail(output: string, lines = TAIL_LINES): string {
  return output.trimEnd().split('\n').slice(-lines).join('\n');
}

export function runCommand(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  verbose: boolean,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      if (verbose) stream.write(chunk);
      output += chunk.toString('utf8');
      if (output.length > 2 * OUTPUT_KEEP) output = output.slice(-OUTPUT_KEEP);
    };
    child.stdout.on('data', collect(process.stdout));
    child.stderr.on('data', collect(process.stderr));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, output }));
  });
}

/** The environment for npm: this process's, without what npm exec/run set for the command that started us. */
function npmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of Object.keys(env)) {
    if (/^npm_(config_local_prefix|config_prefix|command|lifecycle_|package_)/i.test(key)) delete env[key];
  }
  return env;
}

export async function npm(
  step: string,
  args: string[],
  cwd: string,
  verbose: boolean,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<void> {
  let result: CommandResult;
  try {
    result = await runCommand('npm', args, cwd, npmEnv(extraEnv), verbose);
  } catch (cause) {
    throw new SetupTfjsNodeError(step, `cannot run npm: ${(cause as Error).message}`);
  }
  if (result.code !== 0) {
    throw new SetupTfjsNodeError(
      step,
      `npm ${args.join(' ')} (in ${cwd}) exited with ${result.code === null ? `signal ${result.signal}` : `code ${result.code}`}`,
      tail(result.output),
    );
  }
}

/** A Node installation prefix holding this Node's headers (include/node), for node-gyp's --nodedir. */
export function findNodeHeaders(): { nodedir?: string; note?: string } {
  const candidates = [
    process.env.npm_config_nodedir,
    path.resolve(path.dirname(process.execPath), '..'),
    path.resolve(path.dirname(realpathOrSelf(process.execPath)), '..'),
    '/usr',
    '/usr/local',
  ].filter((c): c is string => typeof c === 'string' && c !== '');
  const major = process.versions.node.split('.')[0];
  let fallback: string | undefined;
  for (const dir of candidates) {
    const include = path.join(dir, 'include', 'node');
    if (!fs.existsSync(path.join(include, 'node_api.h')) || !fs.existsSync(path.join(include, 'common.gypi'))) continue;
    let headerMajor: string | undefined;
    try {
      headerMajor = /#define NODE_MAJOR_VERSION (\d+)/.exec(
        fs.readFileSync(path.join(include, 'node_version.h'), 'utf8'),
      )?.[1];
    } catch {
      headerMajor = undefined;
    }
    if (headerMajor === major) return { nodedir: dir };
    fallback ??= dir;
  }
  if (fallback !== undefined) {
    return {
      nodedir: fallback,
      note: `the Node headers in ${fallback} are not Node ${major}'s (the binding uses N-API only, so they will do)`,
    };
  }
  return {
    note:
      `no Node.js headers found (looked for include/node/node_api.h under ${candidates.join(', ')}): ` +
      'node-gyp will try to download them; set npm_config_nodedir to a Node prefix holding include/node to avoid that',
  };
}
