/** A mistake on the command line: printed with the command's usage, exit code 2, no request sent. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
