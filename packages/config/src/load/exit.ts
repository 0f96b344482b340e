/** Exit codes, as documented in `berth --help`. */
export const EXIT = Object.freeze({ ok: 0, failed: 1, invalid: 2 } as const);

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
