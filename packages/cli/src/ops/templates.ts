import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { promisify } from 'node:util';
import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import type { ResolvedApp } from '@berthjs/config';
import { CliError, EXIT, loadStage } from '@berthjs/config/load';
import type { AwsClients } from './aws';
import type { StackTemplate } from './diff';

const run = promisify(execFile);

interface Manifest {
  readonly artifacts?: Record<
    string,
    {
      readonly type: string;
      readonly environment?: string;
      readonly properties?: {
        readonly directoryName?: string;
        readonly templateFile?: string;
        readonly stackName?: string;
        readonly tags?: Record<string, string>;
      };
    }
  >;
}

/**
 * The stacks of a cloud assembly folder (what `berth synth --out <dir>` writes), nested assemblies included. With
 * `only`, just the stacks tagged with that app and stage (a folder may hold other environments too).
 */
export function readAssembly(
  dir: string,
  only?: { readonly app: string; readonly stage: string },
): StackTemplate[] {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new CliError(
      `${dir} is not a synthesized cloud assembly (no manifest.json). Write one with 'berth synth --env <stage> --out ${dir}'.`,
      EXIT.invalid,
    );
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const out: StackTemplate[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    const p = artifact.properties ?? {};
    if (artifact.type === 'cdk:cloud-assembly' && p.directoryName) {
      out.push(...readAssembly(join(dir, p.directoryName), only));
    } else if (artifact.type === 'aws:cloudformation:stack' && p.templateFile) {
      if (only && p.tags && (p.tags['berth:app'] !== only.app || p.tags['berth:stage'] !== only.stage))
        continue;
      const region = /^aws:\/\/[^/]*\/([a-z0-9-]+)$/.exec(artifact.environment ?? '')?.[1];
      out.push({
        stackName: p.stackName ?? id,
        ...(region && region !== 'unknown-region' ? { region } : {}),
        template: JSON.parse(readFileSync(join(dir, p.templateFile), 'utf8')) as Record<string, unknown>,
      });
    }
  }
  return out;
}

/** Synthesizes one environment into a temporary folder (deleted afterwards) and returns its stacks. */
export async function synthTemplates(resolved: ResolvedApp, imageTag = 'latest'): Promise<StackTemplate[]> {
  const outdir = mkdtempSync(join(tmpdir(), 'berth-diff-'));
  try {
    const { synthesize } = await import('@berthjs/infra');
    synthesize(resolved, outdir, { imageTag });
    return readAssembly(outdir, { app: resolved.app, stage: resolved.stage });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The templates CloudFormation holds now for these stacks (GetTemplate, as deployed: `Original`), each in its own
 * region. A stack that does not exist yet is an empty template: everything in it is an addition. A stack whose
 * template these credentials may not read (the deployer role reads its app stack's only) is left out of both sides
 * and listed in `unreadable`.
 */
export async function deployedTemplates(
  clients: (region: string) => AwsClients,
  stacks: readonly StackTemplate[],
  defaultRegion: string,
): Promise<{ templates: StackTemplate[]; head: StackTemplate[]; unreadable: string[] }> {
  const templates: StackTemplate[] = [];
  const unreadable: string[] = [];
  for (const s of stacks) {
    const region = s.region ?? defaultRegion;
    let body: string | undefined;
    try {
      const res = await clients(region).cfn.send(
        new GetTemplateCommand({ StackName: s.stackName, TemplateStage: 'Original' }),
      );
      body = res?.TemplateBody;
    } catch (err) {
      const e = err as Error;
      if (/AccessDenied|not authorized/i.test(`${e.name} ${e.message}`)) {
        unreadable.push(`${s.stackName} (${region})`);
        continue;
      }
      if (!/does not exist/.test(e.message ?? '')) throw err;
    }
    if (!body) continue;
    let template: Record<string, unknown>;
    try {
      template = JSON.parse(body) as Record<string, unknown>;
    } catch {
      throw new CliError(
        `The deployed template of ${s.stackName} (${region}) is not JSON; berth deploys JSON templates, so it was changed outside berth.`,
        EXIT.failed,
      );
    }
    templates.push({ stackName: s.stackName, region, template });
  }
  const left = new Set(unreadable.map((u) => u.split(' ')[0]));
  return { templates, head: stacks.filter((s) => !left.has(s.stackName)), unreadable };
}

/**
 * The environment as another git revision declares it, offline: `git archive <ref>` of the repository holding the
 * config, unpacked into a temporary folder, the working tree's node_modules linked in (so the config's imports
 * resolve to the Berth installed now), then loaded and synthesized in this process. The git repository itself is not
 * touched (no worktree, no checkout).
 */
export async function templatesAtRevision(
  configPath: string,
  ref: string,
  stage: string,
): Promise<StackTemplate[]> {
  const configAbs = resolvePath(configPath);
  const cwd = dirname(configAbs);
  const git = async (...args: string[]) => (await run('git', args, { cwd })).stdout.trim();
  let root: string;
  try {
    root = await git('rev-parse', '--show-toplevel');
    await git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  } catch {
    throw new CliError(
      `--base ${ref}: not a folder written by 'berth synth --out', and not a commit of the git repository at ${cwd}. In CI, fetch it first (git fetch origin <branch>).`,
      EXIT.invalid,
    );
  }
  const tree = mkdtempSync(join(tmpdir(), 'berth-base-'));
  try {
    await extract(root, ref, tree);
    const rel = relative(root, configAbs);
    if (!existsSync(join(tree, rel))) {
      throw new CliError(`${rel} does not exist at ${ref}: nothing to compare with.`, EXIT.invalid);
    }
    // node_modules are not in git: link the working tree's, at the root and in each folder down to the config's.
    for (let d = dirname(rel); ; d = dirname(d)) {
      const modules = join(root, d, 'node_modules');
      const target = join(tree, d, 'node_modules');
      if (existsSync(modules) && existsSync(join(tree, d)) && !existsSync(target))
        symlinkSync(modules, target, 'dir');
      if (d === '.' || d === dirname(d)) break;
    }
    let resolved: ResolvedApp;
    try {
      ({ resolved } = await loadStage(join(tree, rel), stage));
    } catch (err) {
      // An environment this change adds: nothing of it existed at the base, so all of it is an addition.
      if (err instanceof CliError && /no environment named/.test(err.message)) return [];
      throw err;
    }
    return await synthTemplates(resolved);
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

function extract(root: string, ref: string, into: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const archive = spawn('git', ['archive', '--format=tar', ref], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tar = spawn('tar', ['-x', '-C', into], { stdio: ['pipe', 'ignore', 'pipe'] });
    let errors = '';
    archive.stderr.on('data', (c: Buffer) => (errors += c.toString()));
    tar.stderr.on('data', (c: Buffer) => (errors += c.toString()));
    archive.stdout.pipe(tar.stdin);
    archive.on('error', reject);
    tar.on('error', reject);
    tar.on('close', (code) =>
      code === 0
        ? resolvePromise()
        : reject(new CliError(`git archive ${ref} | tar -x failed: ${errors.trim()}`, EXIT.failed)),
    );
  });
}
