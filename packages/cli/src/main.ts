import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index';
import { CliError, EXIT } from '@berthjs/config/load';
import { sayNodeSupportOnce } from './node-support';

const HELP_FOOTER = `
Exit codes: 0 success · 1 the command failed (check findings, deploy failure) · 2 invalid config or usage ·
  3 berth diff found changes, or deploy refused unapproved changes · 4 berth diff found a destructive change
  (replaces or removes a stateful resource), or deploy refused one not named with --allow-replace.
Docs: README.md and docs/ in the Berth repository.`;

/** The installed @berthjs/cli's version: package.json sits one folder above src/ and dist/ alike. */
function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('berth')
    .version(cliVersion(), '-v, --version', 'print the version of berth')
    .description(
      'One typed berth.config.ts → a production home for an HTTP API on AWS, and the same home locally.',
    )
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', HELP_FOOTER);
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI and returns the exit code; never lets a stack trace reach a user for an expected failure. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  sayNodeSupportOnce(argv);
  try {
    await program.parseAsync([...argv]);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    }
    if (err instanceof CliError) {
      console.error(`berth: ${err.message}`);
      return err.exitCode;
    }
    console.error(`berth: unexpected error: ${(err as Error)?.stack ?? String(err)}`);
    return EXIT.failed;
  }
}
