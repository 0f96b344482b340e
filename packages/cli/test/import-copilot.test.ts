import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { mapSchedule } from '../src/import/copilot/schedule';

// Fixtures are Copilot workspaces written from Copilot's published manifest reference (site/content/docs/manifest/ of
// aws/copilot-cli): copilot-shop is the move the issue names (a load-balanced service, a backend service, a scheduled
// job, environments test and prod, an Aurora Serverless v2 addon); copilot-edge holds the other field shapes.

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'packages/cli/bin/berth.js');
const FIXTURES = join(import.meta.dirname, 'fixtures');

async function berth(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // The generated config imports @berthjs/config; from a temporary folder it resolves through the symlink below to
  // the workspace's sources, which need the berth-source condition in the process that loads the config.
  const env = { ...process.env, NODE_OPTIONS: '--conditions=berth-source' };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env,
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A fixture copied to a temporary folder (the config is written beside its copilot/), with @berthjs/config. */
function workspace(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), `berth-${fixture}-`));
  cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  mkdirSync(join(dir, 'node_modules/@berthjs'), { recursive: true });
  symlinkSync(join(ROOT, 'packages/config'), join(dir, 'node_modules/@berthjs/config'), 'dir');
  return dir;
}

async function imported(fixture: string): Promise<{ dir: string; file: string; text: string }> {
  const dir = workspace(fixture);
  const r = await berth('import', 'copilot', join(dir, 'copilot'));
  expect(r.code, r.stderr).toBe(0);
  const file = join(dir, 'berth.config.ts');
  return { dir, file, text: readFileSync(file, 'utf8') };
}

interface Resolved {
  services: Record<string, Record<string, unknown>>;
  jobs: Record<string, Record<string, unknown>>;
  database?: Record<string, unknown>;
  buckets: Record<string, unknown>;
  edge: Record<string, unknown>;
  network: Record<string, unknown>;
  region: string;
}

async function resolved(file: string, env: string): Promise<Resolved> {
  const r = await berth('config', '--env', env, '--json', '--config', file);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Resolved;
}

describe('berth import copilot: a load-balanced service, a backend service, a job, test and prod, Aurora', () => {
  it('writes a config that passes berth check --env prod (cfn-lint and the guard rules included)', async () => {
    const { file, text } = await imported('copilot-shop');
    expect(text).toMatch(/^import \{ defineApp \} from '@berthjs\/config';/);
    const r = await berth('check', '--env', 'prod', '--config', file);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^0 errors/m);
    expect(r.stdout).toContain('Control Tower guard rules ran');
  }, 240_000);

  it('a prod without an alias (plain HTTP, as Copilot served it) carries its reason and still passes berth check --env prod', async () => {
    const dir = workspace('copilot-shop');
    const manifest = join(dir, 'copilot/api/manifest.yml');
    const before = readFileSync(manifest, 'utf8');
    const after = before.replace(/^ {4}http:\n {6}alias:\n(?: {8}.*\n)+/m, '');
    expect(after).not.toBe(before);
    writeFileSync(manifest, after);
    expect((await berth('import', 'copilot', join(dir, 'copilot'))).code).toBe(0);
    const file = join(dir, 'berth.config.ts');
    expect(readFileSync(file, 'utf8')).toContain("rule: 'Berth-ProdOptOut'");
    const r = await berth('check', '--env', 'prod', '--config', file);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/Berth-ProdOptOut.*(error|needs a reason)/i);
  }, 120_000);

  it('maps services, scaling, secrets, the job, the Aurora addon and the per-environment overrides', async () => {
    const { file, text } = await imported('copilot-shop');
    const prod = await resolved(file, 'prod');
    const api = prod.services['api']!;
    expect(api).toMatchObject({
      port: 8080,
      healthPath: '/healthz',
      cpu: 0.5,
      memoryMib: 1024,
      arch: 'arm64',
    });
    expect(api['hosts']).toEqual(['api.shop.example.com']);
    expect(api['scaling']).toMatchObject({ min: 3, max: 20, cpu: 60, memory: 80, requests: 1000 });
    expect(api['command']).toEqual(['node', 'dist/server.js', '--port', '8080']);
    expect(api['loadBalancing']).toMatchObject({
      deregistrationDelay: 30,
      gracePeriod: 90,
      healthCheck: { interval: 15, healthyThreshold: 3 },
    });
    expect(api['image']).toMatchObject({
      kind: 'build',
      dockerfile: 'api/Dockerfile',
      context: 'api',
      target: 'runtime',
    });
    expect(api['env']).toMatchObject({ LOG_LEVEL: 'info', FEATURE_FLAGS: '3', APP_ENV: 'prod' });
    expect(api['secrets']).toEqual({
      STRIPE_KEY: { secretName: 'copilot/shop/prod/secrets/STRIPE_KEY' },
      SESSION_SECRET: { secretName: 'shop/session', jsonKey: 'value' },
    });
    expect(prod.services['orders']).toMatchObject({
      cpu: 0.5,
      memoryMib: 1024,
      scaling: false,
      desiredCount: 2,
    });
    expect(prod.services['orders']!['command']).toEqual(['/bin/orders', 'serve', '--workers', '4']);
    expect(prod.jobs['report']).toMatchObject({
      schedule: 'cron(0 6 * * ? *)',
      cpu: 0.5,
      memoryMib: 1024,
      timeoutMinutes: 90,
    });
    expect(prod.database).toMatchObject({
      engine: 'aurora-serverless-v2',
      name: 'shop',
      minAcu: 1,
      maxAcu: 16,
    });
    expect(prod.edge).toMatchObject({ domain: 'shop.example.com', hostedZoneId: 'Z0873220N255IR3MTNR4' });
    expect(prod.network).toMatchObject({ cidr: '10.1.0.0/16', azs: 3 });

    const test = await resolved(file, 'test');
    expect(test.services['api']).toMatchObject({ scaling: false, desiredCount: 2, capacity: 'fargate-spot' });
    expect(test.services['api']!['env']).toMatchObject({ LOG_LEVEL: 'debug', APP_ENV: 'test' });
    expect(test.services['api']!['secrets']).toMatchObject({
      STRIPE_KEY: { secretName: 'copilot/shop/test/secrets/STRIPE_KEY' },
    });
    expect(test.jobs['report']).toMatchObject({ schedule: 'cron(0 0 * * ? *)' });
    expect(test.database).toMatchObject({ minAcu: 0.5, maxAcu: 2 });

    // What does not map is said where it would have gone, with why.
    for (const field of [
      'variables.ORDERS_QUEUE',
      'secrets.WEBHOOK_TOKEN',
      'count.response_time',
      'http.stickiness',
      'retries',
      'deployment',
      'network',
    ])
      expect(text).toContain(`// not mapped: ${field} (copilot/`);
    expect(text).toMatch(
      /SSM parameter \/copilot\/shop\/prod\/secrets\/STRIPE_KEY: Berth reads Secrets Manager/,
    );
    expect(text).toMatch(/a new, empty cluster/);
  }, 120_000);

  it('never writes over an existing config: exit 2 naming it; --out chooses another file', async () => {
    const dir = workspace('copilot-shop');
    const existing = join(dir, 'berth.config.ts');
    writeFileSync(existing, '// mine\n');
    const r = await berth('import', 'copilot', join(dir, 'copilot'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('berth.config.ts exists');
    expect(readFileSync(existing, 'utf8')).toBe('// mine\n');
    const out = join(dir, 'infra/berth.config.ts');
    const ok = await berth('import', 'copilot', dir, '--out', out, '--json');
    expect(ok.code, ok.stderr).toBe(0);
    const report = JSON.parse(ok.stdout) as { report: { field: string; to?: string; notMapped?: string }[] };
    expect(report.report.find((e) => e.field === 'http.alias')?.to).toBe('services.api.hosts');
    expect(report.report.find((e) => e.field === 'count.response_time')?.notMapped).toMatch(/CPU, memory/);
    // Paths in the manifests are relative to the workspace; in the config, to the config's folder.
    expect(readFileSync(out, 'utf8')).toContain("dockerfile: '../api/Dockerfile'");
  }, 60_000);
});

describe('berth import copilot: the other shapes of the manifest reference', () => {
  it('http: false, a fixed count, Spot, a range map with spot_from, ARNs, platform map, unknown types', async () => {
    const { file, text } = await imported('copilot-edge');
    const staging = await resolved(file, 'staging');
    expect(staging.region).toBe('eu-west-1');
    const web = staging.services['web']!;
    expect(web['paths']).toEqual(['/api', '/api/*']);
    expect(web['hosts']).toEqual(['api.staging.edge.example.com']);
    expect(web['scaling']).toMatchObject({ min: 1, max: 4, cpu: false, memory: false, requests: 500 });
    expect(web['image']).toMatchObject({ kind: 'external', credentialsSecret: 'registry-creds' });
    expect(web['secrets']).toEqual({
      API_KEY: { secretName: 'edge/api-key' },
      DB_PASSWORD: { secretName: 'edge/db', jsonKey: 'password' },
    });
    expect(staging.services['worker']).toMatchObject({
      capacity: 'fargate-spot',
      scaling: false,
      desiredCount: 3,
      exec: false,
    });
    expect(staging.services['worker']!['command']).toEqual([
      'python',
      '-m',
      'worker',
      '--queue',
      'main queue',
    ]);
    expect(staging.jobs['sync']).toMatchObject({
      schedule: 'rate(90 minutes)',
      command: ['/usr/bin/sync', '--all'],
    });
    expect(staging.jobs['digest']).toMatchObject({ schedule: 'cron(30 7 ? * 2-6 *)' });
    expect(staging.buckets).toHaveProperty('media-uploads');
    expect(staging.edge).toMatchObject({ cdn: true, ingress: 'cloudfront', accessLogs: true });
    for (const field of [
      'type (copilot/mystery/manifest.yml): "Quantum Service"',
      'type (copilot/site/manifest.yml): "Static Site"',
      'nlb (copilot/web',
      'sidecars (copilot/web',
      'subscribe (copilot/worker',
      'count.range.spot_from',
      'variables.PORT',
      'Resources.LegacyDB',
      'Resources.Sessions (AWS::DynamoDB::Table)',
      'network.vpc.id',
      'folder (copilot/pipelines)',
    ])
      expect(text).toContain(`// not mapped: ${field}`);
    expect(text).toContain("TODO: Copilot ran the job image's own CMD");
    expect(text).toContain('TODO: a private ECR image');
  }, 60_000);

  it('an unknown workload type is a comment and is skipped; the rest still resolves', async () => {
    const { file, text } = await imported('copilot-unknown');
    expect(text).toContain('// not mapped: type (copilot/thing/manifest.yml): "Something Else"');
    const prod = await resolved(file, 'prod');
    expect(Object.keys(prod.services)).toEqual(['api']);
    expect(prod.edge).toMatchObject({ https: false });
  }, 60_000);

  it('a manifest it cannot parse: exit 2 naming the file and line, nothing written', async () => {
    const dir = workspace('copilot-unknown');
    writeFileSync(
      join(dir, 'copilot/api/manifest.yml'),
      'name: api\ntype: Backend Service\nimage:\n  build: [Dockerfile\n  port: 3000\nvariables: {A: 1\n',
    );
    const r = await berth('import', 'copilot', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/copilot\/api\/manifest\.yml:\d+:\d+: cannot parse this YAML/);
    expect(existsSync(join(dir, 'berth.config.ts'))).toBe(false);
  }, 30_000);
});

describe("Copilot's schedules → EventBridge", () => {
  it.each([
    ['@daily', 'cron(0 0 * * ? *)'],
    ['@hourly', 'cron(0 * * * ? *)'],
    ['@weekly', 'cron(0 0 ? * 1 *)'],
    ['@monthly', 'cron(0 0 1 * ? *)'],
    ['@yearly', 'cron(0 0 1 1 ? *)'],
    ['@every 5m', 'rate(5 minutes)'],
    ['@every 1h', 'rate(1 hour)'],
    ['@every 48h', 'rate(2 days)'],
    ['rate(1 hours)', 'rate(1 hour)'],
    ['cron(15 10 ? * 6L 2026)', 'cron(15 10 ? * 6L 2026)'],
    ['0 9 * * *', 'cron(0 9 * * ? *)'],
    ['0 9 * * 0', 'cron(0 9 ? * 1 *)'],
  ])('%s → %s', (copilot, berthExpr) => {
    expect(mapSchedule(copilot).expr).toBe(berthExpr);
  });

  it('none disables the job; seconds and unreadable schedules are errors', () => {
    expect(mapSchedule('none')).toMatchObject({ disabled: true });
    expect(mapSchedule('@every 30s').error).toMatch(/whole minutes/);
    expect(mapSchedule('every tuesday').error).toBeDefined();
    expect(mapSchedule('0 9 1 * 1').error).toBeDefined();
  });
});
