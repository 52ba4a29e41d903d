// The CLI's deadline flag, one name in every subcommand: `--deadline MS`.
// `serve` also takes `--timeout MS`, its former name, as a deprecated alias.
import { MAX_DEADLINE_MILLIS } from '../options';
import { UsageError } from './usage';

/** A bad deadline flag (the commands report it as a usage error, exit status 2). */
export class DeadlineFlagError extends UsageError {}

export interface DeadlineFlags {
  deadline?: string;
  /** The deprecated alias (only `serve` has it). */
  timeout?: string;
}

/**
 * The deadline in milliseconds the flags give (undefined when neither is given).
 * `warn` receives the deprecation notice when `--timeout` is used.
 */
export function deadlineFromFlags(
  flags: DeadlineFlags,
  warn: (message: string) => void = () => {},
): number | undefined {
  if (flags.deadline !== undefined && flags.timeout !== undefined) {
    throw new DeadlineFlagError(
      '--deadline and --timeout (its deprecated alias) exclude each other: give --deadline only',
    );
  }
  let flag = 'deadline';
  let text = flags.deadline;
  if (flags.timeout !== undefined) {
    flag = 'timeout';
    text = flags.timeout;
    warn('--timeout is deprecated: use --deadline');
  }
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 1 || n > MAX_DEADLINE_MILLIS) {
    throw new DeadlineFlagError(`--${flag}: '${text}' is not a number of milliseconds in [1, ${MAX_DEADLINE_MILLIS}]`);
  }
  return n;
}
