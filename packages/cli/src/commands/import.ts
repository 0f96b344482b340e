import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, EXIT } from '@berthjs/config/load';
import { importCopilot } from '../import/copilot/index';
import { findCopilotDir } from '../import/copilot/read';

export function register(program: Command): void {
  const command = program
    .command('import')
    .description('write a berth.config.ts from another tool’s project (AWS Copilot)');
  command
    .command('copilot')
    .description(
      'read an AWS Copilot workspace (services, jobs, environments, addons) and write berth.config.ts beside it, never over an existing file',
    )
    .argument('[dir]', 'the copilot/ folder, or the folder that holds it', 'copilot')
    .option('-o, --out <file>', 'where to write the config (default: berth.config.ts beside copilot/)')
    .option('--json', 'print the mapping report: every Copilot setting, where it went or why not')
    .action((dir: string, opts: { out?: string; json?: boolean }) => {
      const copilotDir = findCopilotDir(dir);
      const out = resolve(opts.out ?? join(dirname(copilotDir), 'berth.config.ts'));
      const shown = relative(process.cwd(), out) || out;
      if (existsSync(out))
        throw new CliError(
          `${shown} exists; berth import never overwrites a config: move it away or pass --out <file>`,
          EXIT.invalid,
        );
      const result = importCopilot(copilotDir, out);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, result.text, { flag: 'wx' });
      const unmapped = result.report.filter((r) => r.notMapped);
      if (opts.json) {
        console.log(
          JSON.stringify(
            { out, app: result.app, environments: result.environments, report: result.report },
            null,
            2,
          ),
        );
        return;
      }
      console.log(
        `Wrote ${shown}: ${result.app}, environments ${result.environments.join(', ')}; ${result.report.length - unmapped.length} settings mapped, ${unmapped.length} not (each a "not mapped" comment in the file).`,
      );
      console.log(`Next:
  npx berth check --env ${result.environments.includes('prod') ? 'prod' : (result.environments[0] ?? 'prod')} --config ${shown}
  docs/from-copilot.md: retain the data, snapshot and restore it, cut DNS over, then delete Copilot's stacks in order.`);
    });
}
