// `tfserving-remote-predict serve`: loads a SavedModel (which may contain
// TfServingRemotePredict) and answers REST predict requests with it.
import { AddressInfo } from 'node:net';
import * as path from 'node:path';

import { SavedModelError } from '../errors';
import { loadSavedModel } from '../saved-model';
import { deadlineFromFlags } from './deadline';
import { createSavedModelServer } from './saved-model-server';
import { integerFlag, parseCommandArgs, UsageError, usageFailure } from './usage';

const SERVE_SYNOPSIS = `  tfserving-remote-predict serve --saved-model DIR
      [--name NAME] [--host HOST] [--port PORT] [--target-override FROM=TO]...
      [--tags TAG,...] [--deadline MS]
      Loads the SavedModel and answers REST requests with it:
        POST /v1/models/NAME:predict  {"inputs": {"x": [1, 2, 5]}}  → {"outputs": {...}}
        GET  /v1/models/NAME          → its signatures`;

/** The `serve` section of the main command's usage. */
export const SERVE_USAGE = `${SERVE_SYNOPSIS}
      --name defaults to the directory's name, --host to 0.0.0.0, --port to 8501
      (0: any free port); --target-override points the graph's remote predict ops
      at another address than the one they were exported with; --deadline is each
      run's deadline (--timeout MS: its deprecated alias).
      (tfserving-remote-predict serve --help for details.)`;

/** What `serve --help` prints (and `serve` with bad arguments, on stderr). */
export const SERVE_HELP = `Usage:
${SERVE_SYNOPSIS}

Options:
  --saved-model DIR          the SavedModel directory (required)
  --name NAME                the model's NAME in the URLs (default: the directory's name)
  --host HOST                the address to listen on (default 0.0.0.0)
  --port PORT                the port to listen on (default 8501; 0: any free port)
  --target-override FROM=TO  runs the graph's remote predict ops exported with target
                             address FROM against TO instead (repeatable)
  --tags TAG,...             the tags of the MetaGraph to load (default serve)
  --deadline MS              each run's deadline in milliseconds (default: none); a run
                             past it answers 504 and its remote predict RPCs are cancelled
  --timeout MS               deprecated alias of --deadline (give one of the two)
  -h, --help                 this help

Runs until SIGINT or SIGTERM. Exit status: 0 when stopped that way, 1 when the
SavedModel cannot be loaded or the port cannot be listened on, 2 for bad arguments.`;

const SERVE_FLAGS = {
  'saved-model': { type: 'string' },
  name: { type: 'string' },
  host: { type: 'string', default: '0.0.0.0' },
  port: { type: 'string', default: '8501' },
  'target-override': { type: 'string', multiple: true },
  tags: { type: 'string', default: 'serve' },
  deadline: { type: 'string' },
  timeout: { type: 'string' }, // deprecated alias of --deadline
} as const;

type ServeArgs = ReturnType<typeof serveArgs>;

function serveArgs(
  values: Exclude<ReturnType<typeof parseCommandArgs<typeof SERVE_FLAGS>>, number>,
  warn: (message: string) => void,
) {
  const dir = values['saved-model'];
  if (!dir) throw new UsageError('--saved-model DIR is required');
  const targetOverrides: Record<string, string> = {};
  for (const spec of values['target-override'] ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`--target-override: '${spec}' is not FROM=TO`);
    targetOverrides[spec.slice(0, eq)] = spec.slice(eq + 1);
  }
  return {
    dir,
    name: values.name ?? path.basename(path.resolve(dir)),
    host: values.host!,
    port: integerFlag('port', values.port, 0, 65535)!,
    tags: values.tags!.split(',').filter((t) => t !== ''),
    deadlineMillis: deadlineFromFlags({ deadline: values.deadline, timeout: values.timeout }, warn),
    targetOverrides,
  } as const;
}

/** Runs until SIGINT / SIGTERM; resolves with the exit status. */
export async function serveCommand(argv: string[], program: string): Promise<number> {
  const values = parseCommandArgs(argv, SERVE_FLAGS, `${program} serve`, SERVE_HELP);
  if (typeof values === 'number') return values;
  let args: ServeArgs;
  try {
    args = serveArgs(values, (message) => console.error(`${program} serve: ${message}`));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return usageFailure(`${program} serve`, error, SERVE_HELP);
  }
  let model;
  try {
    model = await loadSavedModel(args.dir, { tags: args.tags, targetOverrides: args.targetOverrides });
  } catch (error) {
    if (!(error instanceof SavedModelError || error instanceof TypeError)) throw error;
    console.error(`${program} serve: cannot load ${args.dir}: ${error.message}`);
    return 1;
  }
  const server = createSavedModelServer({ model, name: args.name, timeoutMillis: args.deadlineMillis });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(args.port, args.host, resolve);
  }).catch((error: Error) => {
    model.dispose();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  const overrides = Object.entries(args.targetOverrides)
    .map(([from, to]) => ` ${from} → ${to}`)
    .join(',');
  console.log(`serving ${args.dir} as ${args.name}${overrides ? ` (target override${overrides})` : ''}`);
  console.log(`listening on http://${args.host}:${port}/v1/models/${args.name}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  model.dispose();
  return 0;
}
