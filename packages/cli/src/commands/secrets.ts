import type { Command } from 'commander';
import { CliError, EXIT, loadStage } from '@berthjs/config/load';
import type { Day2Runtime } from '../ops/day2';
import { lazyDay2Runtime } from './status';

interface Common {
  env: string;
  config: string;
  region?: string;
}

/** The value to store: piped stdin, or typed at a prompt that does not echo. */
export async function readSecretValue(name: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  process.stderr.write(`Value for ${name} (not echoed): `);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CliError('cancelled', EXIT.failed));
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export function register(
  program: Command,
  runtime: () => Day2Runtime | Promise<Day2Runtime> = lazyDay2Runtime,
  read: (name: string) => Promise<string> = readSecretValue,
): void {
  const secrets = program
    .command('secrets')
    .description(
      'the Secrets Manager secrets the config references (services.<name>.secrets): list which exist, set a value, remove one Berth created',
    );
  const common = (c: Command) =>
    c
      .requiredOption('-e, --env <stage>', 'environment name, e.g. dev, staging, prod')
      .option('-c, --config <path>', 'config file', 'berth.config.ts')
      .option('--region <region>', "AWS region (default: the environment's)");

  common(
    secrets
      .command('list')
      .description(
        'each referenced secret: exists or missing, last changed, who reads it; exit 1 when one is missing',
      ),
  )
    .option('--json', 'print the list as JSON')
    .action(async (opts: Common & { json?: boolean }) => {
      const { resolved } = await loadStage(opts.config, opts.env);
      const { listSecrets } = await import('../ops/secrets');
      const rt = await runtime();
      const list = await listSecrets({ resolved, ...(opts.region ? { region: opts.region } : {}) }, rt);
      if (opts.json) rt.out(JSON.stringify(list, null, 2));
      else {
        if (!list.length) rt.out(`${resolved.app} ${resolved.stage} references no secrets`);
        for (const s of list) {
          const readers = s.uses
            .map((u) => `${u.service} ${u.variable}${u.jsonKey ? ` (${u.jsonKey})` : ''}`)
            .join(', ');
          const state = s.deletedAt
            ? `scheduled for deletion ${s.deletedAt}`
            : s.exists
              ? `set${s.lastChanged ? `, changed ${s.lastChanged}` : ''}${s.managedByBerth ? '' : ', not created by berth'}`
              : 'MISSING';
          rt.out(`${s.name}: ${state} · read by ${readers}`);
        }
      }
      const missing = list.filter((s) => !s.exists);
      if (missing.length)
        throw new CliError(
          `${missing.length} referenced secret(s) missing in ${resolved.stage}: ${missing.map((s) => `berth secrets set ${s.name} --env ${resolved.stage}`).join('; ')}`,
          EXIT.failed,
        );
    });

  common(
    secrets
      .command('set')
      .description(
        'create the secret (tagged berth:app, berth:stage) or store a new value; the value comes from stdin or a prompt that does not echo',
      )
      .argument('<name>', 'the secret name, or a variable that reads it'),
  ).action(async (name: string, opts: Common) => {
    const { resolved } = await loadStage(opts.config, opts.env);
    const { secretNamed, setSecret } = await import('../ops/secrets');
    const secret = secretNamed(resolved, name);
    const value = await read(secret.name);
    const rt = await runtime();
    await setSecret(
      { resolved, name: secret.name, value, ...(opts.region ? { region: opts.region } : {}) },
      rt,
    );
  });

  common(
    secrets
      .command('rm')
      .description(
        'schedule the deletion of a secret berth secrets created for this app (restorable during the recovery window)',
      )
      .argument('<name>', 'the secret name, or a variable that reads it')
      .option('--recovery-days <days>', 'days it can still be restored (7–30)', '7'),
  ).action(async (name: string, opts: Common & { recoveryDays: string }) => {
    const { resolved } = await loadStage(opts.config, opts.env);
    const { removeSecret } = await import('../ops/secrets');
    await removeSecret(
      {
        resolved,
        name,
        recoveryDays: Number(opts.recoveryDays),
        ...(opts.region ? { region: opts.region } : {}),
      },
      await runtime(),
    );
  });
}
