/**
 * Exit codes, as documented in `berth --help`. `changes` and `destructive` are what `berth diff` (and a deploy
 * refused by its guard) ends with: 3 = the templates differ, 4 = a difference replaces or removes a stateful resource.
 */
export const EXIT = Object.freeze({ ok: 0, failed: 1, invalid: 2, changes: 3, destructive: 4 } as const);

/** An error the CLI prints as one clear message (no stack trace) and turns into an exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
