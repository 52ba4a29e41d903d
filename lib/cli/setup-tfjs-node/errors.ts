// A failed step of setup-tfjs-node.
/** A failed step, with the tail of the command's output. */
export class SetupTfjsNodeError extends Error {
  constructor(
    readonly step: string,
    message: string,
    readonly outputTail = '',
  ) {
    super(`step '${step}' failed: ${message}${outputTail ? `\n--- last lines of its output ---\n${outputTail}` : ''}`);
    this.name = 'SetupTfjsNodeError';
  }
}
