import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolve, type AppConfig } from '@berthjs/config';
import { contractReadFindings, READS_RULE, scanReads } from '../src/check/reads';
import { scaffold } from '../src/init/scaffold';
import { main } from '../src/main';
import connect2 from '../../../examples/seeds/connect2/berth.config';
import helloYou from '../../../examples/seeds/hello-you/berth.config';
import talent from '../../../examples/talent/berth.config';

const WORKSPACE = join(import.meta.dirname, '../../..');
afterEach(() => vi.restoreAllMocks());

/** A Python service whose code reads names its config does not give it. */
const CONFIG = (extra: string) => `import { defineApp } from '@berthjs/config';
export default defineApp({
  name: 'py-reads',
  region: 'us-east-1',
  services: {
    api: {
      port: 8000,
      command: ['uvicorn', 'app.main:app', '--host', '0.0.0.0', '--port', '\${PORT}'],
      dev: { command: ['python3', '-m', 'uvicorn', 'app.main:app', '--port', '\${PORT}'], watch: ['app'] },
      env: { GREETING: 'hello' },
    },
  },
  database: { engine: 'postgres', version: '16.13' },
  jobs: { digest: { schedule: 'rate(1 day)', command: ['python', '-m', 'app.jobs', 'digest'] } },
  ${extra}
  environments: { dev: {}, prod: { overrides: { edge: { https: false } } } },
});
`;

const FILES: Record<string, string> = {
  'app/__init__.py': '',
  'app/main.py': [
    'import os',
    'import psycopg',
    'from os import environ',
    'cache = os.environ["CACHE_URL"]',
    'bucket = os.environ.get("BUCKET_UPLOADS")',
    'greeting = environ["GREETING"]',
    'host = os.getenv("PGHOST")',
    'home = os.environ.get("HOME")',
    '',
  ].join('\n'),
  'app/jobs.py': ['import os', '', 'def digest():', "    return os.getenv('MAIL_FROM')", ''].join('\n'),
  // Tests and dependencies are not the service's code.
  'app/test_main.py': 'import os\nos.environ["AUTH_ISSUER"]\n',
  'app/.venv/lib/site.py': 'import os\nos.environ["CACHE_AUTH_TOKEN"]\n',
};

function project(extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-reads-'));
  writeFileSync(join(dir, 'berth.config.ts'), CONFIG(extra));
  for (const [file, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  mkdirSync(join(dir, 'node_modules/@berthjs'), { recursive: true });
  symlinkSync(join(WORKSPACE, 'packages/config'), join(dir, 'node_modules/@berthjs/config'), 'dir');
  return dir;
}

async function load(dir: string) {
  const mod = (await import(join(dir, 'berth.config.ts'))) as { default: AppConfig };
  return mod.default;
}

describe('berth check: code that reads a contract name its config does not give it', () => {
  it('names each one with its file and line, the service and its jobs, and what to declare', async () => {
    const dir = project();
    const findings = contractReadFindings(resolve(await load(dir), 'dev'), dir);
    expect(findings.map((f) => [f.rule, f.path, f.severity])).toEqual([
      [READS_RULE, 'app/jobs.py:4', 'error'],
      [READS_RULE, 'app/main.py:4', 'error'],
      [READS_RULE, 'app/main.py:5', 'error'],
    ]);
    expect(findings[0]!.message).toBe(
      "reads MAIL_FROM, which the config does not give service 'api' (nor its jobs digest): the app declares no mail, or the service has uses.mail: false",
    );
    expect(findings[1]!.message).toMatch(/reads CACHE_URL, .*the app declares no cache/);
    expect(findings[2]!.message).toMatch(/reads BUCKET_UPLOADS, .*no bucket of that name/);
    expect(findings[2]!.fix).toMatch(/buckets: \{ uploads: \{\} \}/);
  });

  it('`berth check` fails on them (exit 1), naming the variable; declared, the same code passes', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(String(m)));
    vi.spyOn(console, 'error').mockImplementation((m: string) => void out.push(String(m)));
    const bad = project();
    const code = await main([
      'node',
      'berth',
      'check',
      '--env',
      'dev',
      '--skip-guard',
      '--skip-cfn-lint',
      '--config',
      join(bad, 'berth.config.ts'),
    ]);
    expect(code).toBe(1);
    const text = out.join('\n');
    expect(text).toMatch(/Berth-ReadsOnlyItsContract +app\/main\.py:4 +reads CACHE_URL/);
    expect(text).toMatch(/reads MAIL_FROM/);
    const good = project(
      "cache: { engine: 'redis' }, buckets: { uploads: {} }, mail: { domain: 'example.com', from: 'no-reply@example.com' },",
    );
    expect(contractReadFindings(resolve(await load(good), 'prod'), good)).toEqual([]);
  });

  it('the Python seeds, talent and the python template read only what their configs give them', async () => {
    const seeds = join(WORKSPACE, 'examples/seeds');
    for (const [config, dir] of [
      [connect2, join(seeds, 'connect2')],
      [helloYou, join(seeds, 'hello-you')],
      [talent, join(WORKSPACE, 'examples/talent')],
    ] as const) {
      for (const stage of ['dev', 'prod'])
        expect(contractReadFindings(resolve(config, stage), dir), `${dir} ${stage}`).toEqual([]);
    }
    const init = join(mkdtempSync(join(tmpdir(), 'berth-reads-init-')), 'py-app');
    scaffold(init, { template: 'python' });
    mkdirSync(join(init, 'node_modules/@berthjs'), { recursive: true });
    symlinkSync(join(WORKSPACE, 'packages/config'), join(init, 'node_modules/@berthjs/config'), 'dir');
    expect(scanReads(init, ['app']).map((r) => r.name)).toContain('DATABASE_SECRET_ARN');
    expect(contractReadFindings(resolve(await load(init), 'prod'), init)).toEqual([]);
    // Not vacuous: the scan sees connect2's reads of the cache, the bucket and mail.
    const names = scanReads(join(seeds, 'connect2'), ['app']).map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining(['CACHE_URL', 'BUCKET_DOCUMENTS', 'MAIL_FROM', 'DATABASE_SECRET_ARN']),
    );
    // connect2 without its cache: the read of CACHE_URL is named.
    const { cache: _, ...noCache } = connect2 as AppConfig & { cache?: unknown };
    expect(contractReadFindings(resolve(noCache as AppConfig, 'dev'), join(seeds, 'connect2'))).toEqual([
      expect.objectContaining({ path: 'app/main.py:18', message: expect.stringMatching(/reads CACHE_URL/) }),
    ]);
  });
});

describe('berth check: store names the contract never gives (issue 28: DATABASE_URL/REDIS_URL went through)', () => {
  /** An app with no cache and no database unless `extra` declares one; its code in `src/`. */
  const app = (language: 'js' | 'python', extra: Partial<AppConfig> = {}): AppConfig => ({
    name: 'reads-stores',
    region: 'us-east-1',
    services: {
      api: {
        port: 3000,
        command: ['node', 'server.js'],
        dev: {
          command: language === 'js' ? ['node', 'src/server.js'] : ['python3', 'src/main.py'],
          watch: ['src'],
        },
        env: { GREETING: 'hello' },
      },
    },
    ...extra,
    environments: { dev: {}, prod: { overrides: { edge: { https: false } } } },
  });
  const write = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-reads-stores-'));
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    return dir;
  };
  const JS = [
    'const db = process.env.DATABASE_URL;',
    "const cache = process.env['REDIS_URL'];",
    'const {',
    '  DB_PASSWORD,',
    "  GREETING: greeting = 'hi',",
    "  FEATURE_FLAGS = '',",
    '} = process.env;',
    'const home = process.env.HOME;',
    '',
  ].join('\n');
  const PY = [
    'import os',
    'db = os.environ["DATABASE_URL"]',
    'cache = os.environ.get("REDIS_URL", "redis://localhost")',
    "smtp = os.getenv('SMTP_PASSWORD')",
    'greeting = os.environ["GREETING"]',
    '',
  ].join('\n');

  it('Node: process.env.X, process.env["X"] and destructuring (over several lines), each on its line', () => {
    const dir = write({ 'src/server.js': JS });
    expect(scanReads(dir, ['src']).map((r) => `${r.name}:${r.line}`)).toEqual([
      'DATABASE_URL:1',
      'REDIS_URL:2',
      'DB_PASSWORD:4',
      'GREETING:5',
      'FEATURE_FLAGS:6',
      'HOME:8',
    ]);
    const findings = contractReadFindings(resolve(app('js'), 'prod'), dir);
    expect(findings.map((f) => [f.path, f.severity, f.message.split(',')[0]])).toEqual([
      ['src/server.js:1', 'error', 'reads DATABASE_URL'],
      ['src/server.js:2', 'error', 'reads REDIS_URL'],
      ['src/server.js:4', 'error', 'reads DB_PASSWORD'],
      ['src/server.js:6', 'warning', 'reads FEATURE_FLAGS'],
    ]);
    expect(findings[0]!.message).toMatch(
      /contract gives the database as PGHOST.*and the app declares no database/,
    );
    expect(findings[1]!.message).toMatch(
      /contract gives the cache as CACHE_URL.*and the app declares no cache/,
    );
    expect(findings[3]!.message).toMatch(/not its contract, env or secrets\): on AWS it is unset/);
  });

  it('Python: os.environ["X"], os.environ.get("X", default), os.getenv("X")', () => {
    const dir = write({ 'src/main.py': PY });
    const findings = contractReadFindings(resolve(app('python'), 'dev'), dir);
    expect(findings.map((f) => [f.path, f.severity, f.message.split(',')[0]])).toEqual([
      ['src/main.py:2', 'error', 'reads DATABASE_URL'],
      ['src/main.py:3', 'error', 'reads REDIS_URL'],
      ['src/main.py:4', 'error', 'reads SMTP_PASSWORD'],
    ]);
  });

  it('with the database and cache declared, the store names are still refused, naming what to read instead', () => {
    const dir = write({ 'src/main.py': PY });
    const findings = contractReadFindings(
      resolve(
        app('python', {
          database: { engine: 'postgres', version: '16.13' },
          cache: { engine: 'redis' },
        } as Partial<AppConfig>),
        'dev',
      ),
      dir,
    );
    expect(findings[0]!.message).not.toMatch(/declares no/);
    expect(findings[0]!.fix).toMatch(/^read PGHOST, PGPORT.* instead of DATABASE_URL/);
    expect(findings[1]!.fix).toMatch(/^read CACHE_URL instead of REDIS_URL/);
  });

  it('given by the config (env or secrets), a store name passes', () => {
    const dir = write({ 'src/server.js': 'const u = process.env.DATABASE_URL;\n' });
    const config = app('js');
    const withEnv = {
      ...config,
      services: { api: { ...config.services.api!, env: { DATABASE_URL: 'postgres://db.internal/app' } } },
    } as AppConfig;
    expect(contractReadFindings(resolve(withEnv, 'dev'), dir)).toEqual([]);
  });
});
