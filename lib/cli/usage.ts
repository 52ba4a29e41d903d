// Usage errors of the CLI and its subcommands: one style for all of them.

/** Bad arguments: the command prints the message and its usage and exits 2. */
export class UsageError extends Error {}

/** Prints `prefix: message`, a blank line and `usage` to stderr; returns the exit status 2. */
export function usageFailure(prefix: string, error: Error, usage: string): number {
  console.error(`${prefix}: ${error.message}\n\n${usage}`);
  return 2;
}
