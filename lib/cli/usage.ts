// Arguments and usage errors of the CLI and its subcommands: one style for all of them.
import { parseArgs, ParseArgsConfig } from 'node:util';

/** Bad arguments: the command prints the message and its usage and exits 2. */
export class UsageError extends Error {}

/** Prints `prefix: message`, a blank line and `usage` to stderr; returns the exit status 2. */
export function usageFailure(prefix: string, error: Error, usage: string): number {
  console.error(`${prefix}: ${error.message}\n\n${usage}`);
  return 2;
}

type FlagOptions = NonNullable<ParseArgsConfig['options']>;
type FlagValues<O extends FlagOptions> = ReturnType<typeof parseArgs<{ args: string[]; options: O }>>['values'];

/**
 * A command's flags (and -h / --help). Returns them, or the exit status once the
 * command is done: 0 after printing `usage` for --help, 2 after a usage error.
 */
export function parseCommandArgs<const O extends FlagOptions>(
  argv: string[],
  options: O,
  prefix: string,
  usage: string,
): FlagValues<O> | number {
  let values: FlagValues<O> & { help?: boolean };
  try {
    values = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } } })
      .values as FlagValues<O> & { help?: boolean };
  } catch (error) {
    return usageFailure(prefix, error as Error, usage);
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  delete values.help;
  return values;
}

/** The integer value of `--flag` (undefined when absent), in [min, max] when they are given. */
export function integerFlag(flag: string, text: string | undefined, min?: number, max?: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  const bounded = min !== undefined && max !== undefined;
  if (text.trim() === '' || !Number.isSafeInteger(n) || (bounded && (n < min || n > max))) {
    throw new UsageError(`--${flag}: '${text}' is not an integer${bounded ? ` in [${min}, ${max}]` : ''}`);
  }
  return n;
}
