import { describe, expect, it } from 'vitest';
import { ConfigError, commandNames, resolve, substituteContract } from '../src/index';
import { app } from './fixtures';

function problems(cfg: unknown): string[] {
  try {
    resolve(cfg, 'prod');
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
}

describe('commands read the contract: ${NAME}', () => {
  it('${PORT} and the other plain contract names are substituted with the cloud values', () => {
    const r = resolve(
      app({ services: { api: { port: 8000, command: ['uvicorn', 'app:app', '--port', '${PORT}'] } } }),
      'prod',
    );
    const values = commandNames(r, 'api');
    expect(values).toMatchObject({ PORT: '8000', BERTH_STAGE: 'prod', AWS_REGION: 'us-east-1' });
    expect(substituteContract(r.services.api!.command!, values)).toEqual([
      'uvicorn',
      'app:app',
      '--port',
      '8000',
    ]);
  });

  it('a name the config does not give the service is refused, naming it and the allowed list', () => {
    const noDb = app({ database: undefined, services: { api: { command: ['psql', '-h', '${PGHOST}'] } } });
    expect(problems(noDb)).toEqual([
      expect.stringMatching(
        /^services\.api\.command: \$\{PGHOST\} is not a contract name service 'api' receives \(the config does not give it\); a command may use .*PORT/,
      ),
    ]);
  });

  it('a secret is known only inside the task: refused in a command, with where to read it', () => {
    const cfg = app({
      jobs: { nightly: { schedule: 'cron(0 3 * * ? *)', command: ['run', '${DATABASE_SECRET}'] } },
    });
    expect(problems(cfg)).toEqual([
      expect.stringMatching(
        /^jobs\.nightly\.command: \$\{DATABASE_SECRET\} is known only inside the running task/,
      ),
    ]);
  });

  it('dev.command and healthCheck.command are checked the same way', () => {
    const cfg = app({
      services: {
        api: {
          dev: { command: ['flask', 'run', '--port', '${PORTT}'] },
          healthCheck: { command: ['/app/check', '${PORT}'] },
        },
      },
    });
    expect(problems(cfg)).toEqual([
      expect.stringMatching(/^services\.api\.dev\.command: \$\{PORTT\} is not a contract name/),
    ]);
  });
});
