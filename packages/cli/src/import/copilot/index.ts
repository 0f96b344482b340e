import { dirname } from 'node:path';
import { Notes, render, type Comment, type Path, type ReportEntry } from '../emit';
import { mapAddons } from './addons';
import { mapEnvironment, profileFor } from './environment';
import { readWorkspace, type Workspace, type YamlMap } from './read';
import { interpolate, isMap, merge } from './values';
import { JOB_TYPE, SERVICE_TYPES, mapJob, mapService, relativeTo, type Ctx } from './workload';

export interface CopilotImport {
  /** The berth.config.ts text. */
  readonly text: string;
  readonly app: string;
  readonly environments: readonly string[];
  /** Every Copilot setting read: where it went, or why not. */
  readonly report: readonly ReportEntry[];
}

const SKIPPED_TYPES: Record<string, string> = {
  'Request-Driven Web Service':
    'an App Runner service: Berth runs ECS Fargate services; re-declare it as a service with hosts',
  'Static Site': 'an S3 + CloudFront site: Berth serves APIs; keep the site where it is',
};

/** A Berth name: lower-case letters, digits and dashes, starting with a letter, ≤ 31 characters. */
function berthName(s: string): string {
  const n = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 31)
    .replace(/-+$/, '');
  return n || 'app';
}

type Sections = YamlMap;

/** The app's sections as one environment sees them (env undefined: the manifests without their overrides). */
function build(
  ws: Workspace,
  app: string,
  env: string | undefined,
  first: string,
  notes: Notes,
  rel: Ctx['rel'],
): Sections {
  const services: YamlMap = {};
  const jobs: YamlMap = {};
  const edge: YamlMap = {};
  const jobManifests: { name: string; body: YamlMap; file: string }[] = [];
  for (const w of ws.workloads) {
    const { environments, ...base } = w.body;
    const over = env && isMap(environments) ? environments[env] : undefined;
    const body = interpolate(merge(base, over), app, env ?? first) as YamlMap;
    const type = String(body['type'] ?? '');
    const name = berthName(w.name);
    const ctx: Ctx = { file: w.file, notes, rel };
    if ((SERVICE_TYPES as readonly string[]).includes(type)) {
      const at = ['services', name];
      const { service, edge: hint } = mapService(body, type, ctx, at);
      services[name] = service;
      if (type === 'Worker Service')
        notes.note(
          at,
          `a Worker Service: it runs with no load balancer rule; Copilot's SNS/SQS subscriptions are not created`,
        );
      if (hint.domain && edge['domain'] === undefined) edge['domain'] = hint.domain;
      if (hint.hostedZoneId && edge['hostedZoneId'] === undefined) edge['hostedZoneId'] = hint.hostedZoneId;
    } else if (type === JOB_TYPE) jobManifests.push({ name, body, file: w.file });
    else
      notes.notMapped(
        w.file,
        'type',
        `${JSON.stringify(type || '(none)')}: ${SKIPPED_TYPES[type] ?? 'not a workload type Berth knows'}; skipped`,
        [],
      );
  }
  const names = Object.keys(services);
  const host = names.find((n) => (services[n] as YamlMap)['default'] === true) ?? names[0];
  for (const j of jobManifests) {
    const ctx: Ctx = { file: j.file, notes, rel };
    if (!host) {
      notes.notMapped(
        j.file,
        'type',
        'a Berth job runs in a service’s image, and the workspace has no service; skipped',
        [],
      );
      continue;
    }
    jobs[j.name] = mapJob(j.body, ctx, ['jobs', j.name], { name: host, value: services[host] as YamlMap });
  }
  const addons = mapAddons(ws.addons, env, notes);
  const out: Sections = { services };
  if (addons.database) out['database'] = addons.database;
  if (Object.keys(addons.buckets).length) out['buckets'] = addons.buckets;
  if (Object.keys(jobs).length) out['jobs'] = jobs;
  const manifest = env ? ws.environments.find((e) => e.name === env) : undefined;
  if (manifest) {
    const m = mapEnvironment(manifest, notes, []);
    Object.assign(edge, m.edge);
    if (Object.keys(m.network).length) out['network'] = m.network;
  }
  if (Object.keys(edge).length) out['edge'] = edge;
  return out;
}

/** The region an ARN or ECR image in the manifests names, if one does. */
function regionOf(ws: Workspace): { region: string; file: string } | undefined {
  for (const w of ws.workloads) {
    const m = /(?:arn:aws[a-z-]*:[a-z0-9-]+:|\.dkr\.ecr\.)([a-z]{2}(?:-gov)?-[a-z]+-\d)[:.]/.exec(
      JSON.stringify(w.body),
    );
    if (m) return { region: m[1]!, file: w.file };
  }
  return undefined;
}

/** What `env` changes from `base`; keys `env` lacks are listed in `removed`. */
function diff(env: unknown, base: unknown, at: Path, removed: string[]): unknown {
  if (isMap(env) && isMap(base)) {
    const out: YamlMap = {};
    for (const [k, v] of Object.entries(env)) {
      const d = diff(v, base[k], [...at, k], removed);
      if (d !== undefined) out[k] = d;
    }
    for (const k of Object.keys(base)) if (!(k in env) && k !== 'count') removed.push([...at, k].join('.'));
    return Object.keys(out).length ? out : undefined;
  }
  return JSON.stringify(env) === JSON.stringify(base) ? undefined : env;
}

/** Reads the Copilot workspace at `copilotDir` and writes the config for `outFile` (not written here). */
export function importCopilot(copilotDir: string, outFile: string): CopilotImport {
  const ws = readWorkspace(copilotDir);
  const app = berthName(ws.app ?? 'app');
  const rel = relativeTo(dirname(outFile), ws.root);
  const rank = { dev: 0, staging: 1, prod: 2 };
  const envNames = ws.environments
    .map((e) => e.name)
    .sort((a, b) => rank[profileFor(a)] - rank[profileFor(b)] || a.localeCompare(b));
  const first = envNames[0] ?? 'dev';

  const baseNotes = new Notes();
  const base = build(ws, ws.app ?? app, undefined, first, baseNotes, rel);
  for (const s of ws.skipped)
    baseNotes.notMapped(
      s,
      'folder',
      s.endsWith('pipelines')
        ? "Copilot pipelines: Berth's CI/CD is GitHub Actions (berth init writes deploy.yml)"
        : 'no manifest.yml in it',
      [],
    );

  const comments: Comment[] = [...baseNotes.comments];
  const report: ReportEntry[] = [...baseNotes.report];
  const known = new Set(baseNotes.comments.map((c) => c.text));
  const reported = new Set(report.map((r) => JSON.stringify(r)));
  const environments: YamlMap = {};
  const plainHttp: string[] = [];
  for (const env of envNames.length ? envNames : ['dev', 'staging', 'prod']) {
    const key = berthName(env);
    const entry: YamlMap = {};
    const profile = profileFor(env);
    if (profile !== key) entry['profile'] = profile;
    const notes = new Notes();
    const removed: string[] = [];
    const mine = envNames.length ? build(ws, ws.app ?? app, env, first, notes, rel) : { ...base };
    const edge = isMap(mine['edge']) ? mine['edge'] : {};
    if (profile === 'prod' && !edge['domain'] && !edge['certificate']) {
      // Copilot serves an environment without an alias or certificate over HTTP on the ALB's name; Berth's
      // prod profile wants HTTPS, so the choice is written down where the reader sees it.
      mine['edge'] = { ...edge, https: false };
      plainHttp.push(key);
      comments.push({
        at: ['environments', key, 'overrides', 'edge', 'https'],
        above: true,
        text: `TODO: ${env} had no http.alias or certificate in Copilot (plain HTTP on the load balancer's name); set edge.domain for HTTPS`,
      });
    }
    {
      const overrides = diff(mine, base, [], removed);
      if (overrides !== undefined) entry['overrides'] = overrides;
      const at = ['environments', key, 'overrides'];
      for (const c of notes.comments) if (!known.has(c.text)) comments.push({ ...c, at: [...at, ...c.at] });
      for (const r of notes.report) if (!reported.has(JSON.stringify(r))) report.push(r);
      for (const r of removed)
        comments.push({
          at,
          above: false,
          text: `not mapped: ${env} has no ${r}: an override cannot remove a setting; remove it by hand if ${env} must not have it`,
        });
    }
    environments[key] = entry;
    comments.push({
      at: ['environments', key],
      above: true,
      text: `${env}: ${profile} profile. TODO: account — Copilot keeps it in the app's SSM parameters; set account: '<12 digits>' to pin it (default: the deploying credentials' account)`,
    });
  }
  if (!envNames.length)
    comments.push({
      at: ['environments'],
      above: true,
      text: 'the workspace has no copilot/environments/*/manifest.yml: Berth’s three environments',
    });

  const seen = regionOf(ws);
  const config: YamlMap = { name: app, region: seen?.region ?? 'us-east-1', ...base, environments };
  if (plainHttp.length)
    // Plain HTTP in prod is an opt-out `berth check` passes only with a written reason (Berth-ProdOptOut); the
    // reason is Copilot's own setup, carried over until edge.domain is set.
    config['acknowledgements'] = [
      {
        rule: 'Berth-ProdOptOut',
        resource: 'edge.https',
        reason:
          "Imported from Copilot, which served this environment over plain HTTP on the load balancer's name; set edge.domain for HTTPS.",
        environments: plainHttp,
      },
    ];
  comments.push({
    at: ['region'],
    above: true,
    text: seen
      ? `from ${seen.file}, which names it; Copilot keeps the app's region in its SSM parameters`
      : "TODO: Copilot keeps the region in the app's SSM parameters, not in the workspace; set the region the app runs in",
  });
  const header = [
    `// Imported from ${ws.environments[0]?.file.split('/')[0] ?? 'copilot'}/ by \`berth import copilot\`: read every "not mapped" and TODO comment.`,
    '// Moving without losing data (retain, snapshot, restore, the order of deleting the Copilot stacks): docs/from-copilot.md',
  ];
  const text = `import { defineApp } from '@berthjs/config';\n\n${header.join('\n')}\nexport default defineApp(${render(config, comments)});\n`;
  return { text, app, environments: Object.keys(environments), report };
}
