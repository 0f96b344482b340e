import { dirname, posix } from 'node:path';
import { programsNotKnown } from '@berthjs/config';
import type { Notes, Path } from '../emit';
import type { YamlMap } from './read';
import {
  isMap,
  smArnName,
  mapCommand,
  mapPlatform,
  mapSecrets,
  mapSize,
  mapVariables,
  seconds,
  words,
} from './values';
import { mapSchedule } from './schedule';

export const SERVICE_TYPES = ['Load Balanced Web Service', 'Backend Service', 'Worker Service'] as const;
export const JOB_TYPE = 'Scheduled Job';

/** What a service manifest says about the app's edge: the domain and zone of its aliases. */
export interface EdgeHint {
  domain?: string;
  hostedZoneId?: string;
}

export interface Ctx {
  readonly file: string;
  readonly notes: Notes;
  /** Prefix that turns a manifest-relative path into one relative to the config file. */
  readonly rel: (p: string) => string;
}

/** Settings with no Berth equivalent, and why. */
const UNMAPPED: Record<string, string> = {
  nlb: 'Berth has one Application Load Balancer; no Network Load Balancer',
  sidecars: 'Berth runs one container per task',
  storage: 'Berth mounts no EFS volumes and sets no ephemeral storage size; keep files in a bucket',
  publish: 'Berth creates no SNS topics',
  subscribe: 'Berth creates no SNS topics or SQS queues for workers',
  logging: 'Berth logs to CloudWatch Logs (awslogs); no FireLens',
  observability: 'Berth adds no X-Ray sidecar',
  taskdef_overrides: 'Berth writes the task definition itself; there is no raw override',
  network:
    "Berth places tasks in its VPC's private subnets (network.publicTasks for public ones) with its own security groups",
  deployment:
    "Berth's deploy strategies are rolling (dev, staging) and canary (prod) with rollback on its own alarms; see services.<name>.deploy",
  env_file:
    "Berth's envFiles read '<bucket>/<key>.env' from a bucket the config declares; upload the file there",
  build: 'an old top-level build section; set image.dockerfile',
};

const HANDLED = new Set([
  'name',
  'type',
  'environments',
  'image',
  'http',
  'cpu',
  'memory',
  'platform',
  'count',
  'exec',
  'entrypoint',
  'command',
  'variables',
  'secrets',
]);
const JOB_HANDLED = new Set([...HANDLED, 'on', 'retries', 'timeout']);

function rest(m: YamlMap, handled: Set<string>, ctx: Ctx, at: Path): void {
  for (const k of Object.keys(m)) {
    if (handled.has(k) || m[k] === undefined || m[k] === null) continue;
    ctx.notes.notMapped(ctx.file, k, UNMAPPED[k] ?? 'Berth has no equivalent setting', at);
  }
}

/** `image` → Berth's `{dockerfile, context, target}` or `{uri, credentialsSecret}`, the port, a container check. */
function mapImage(m: YamlMap, ctx: Ctx, at: Path, out: YamlMap): void {
  const image = m['image'];
  if (!isMap(image)) return;
  const { file, notes } = ctx;
  const build = image['build'];
  if (typeof build === 'string') {
    out['image'] = { dockerfile: ctx.rel(build), context: ctx.rel(dirname(build)) };
    notes.mapped(file, 'image.build', [...at, 'image']);
  } else if (isMap(build)) {
    const img: YamlMap = {};
    if (typeof build['dockerfile'] === 'string') img['dockerfile'] = ctx.rel(build['dockerfile']);
    const context =
      build['context'] ??
      (typeof build['dockerfile'] === 'string' ? dirname(build['dockerfile']) : undefined);
    if (typeof context === 'string') img['context'] = ctx.rel(context);
    if (typeof build['target'] === 'string') img['target'] = build['target'];
    out['image'] = img;
    notes.mapped(file, 'image.build', [...at, 'image']);
    for (const k of ['args', 'cache_from'])
      if (build[k] !== undefined)
        notes.notMapped(
          file,
          `image.build.${k}`,
          'Berth passes no build arguments or cache sources to docker build',
          at,
        );
  } else if (typeof image['location'] === 'string') {
    const img: YamlMap = { uri: image['location'] };
    const creds = image['credentials'];
    if (typeof creds === 'string')
      img['credentialsSecret'] = creds.startsWith('arn:') ? smArnName(creds).name : creds;
    out['image'] = img;
    notes.mapped(file, 'image.location', [...at, 'image']);
    if (/\.dkr\.ecr\./.test(image['location']))
      notes.note(
        [...at, 'image'],
        "TODO: a private ECR image: Berth's execution role pulls from Berth's own repositories (berth check reports Berth-PermissionsProven on this one); build it here (image.dockerfile) or push it to Berth's repository",
      );
  }
  if (typeof image['port'] === 'number') {
    out['port'] = image['port'];
    notes.mapped(file, 'image.port', [...at, 'port']);
  }
  const hc = image['healthcheck'];
  if (isMap(hc)) {
    const command = words(hc['command']);
    if (command) {
      out['healthCheck'] = { command };
      const needs = programsNotKnown(command, []);
      if (needs.length) {
        out['imageHas'] = needs;
        notes.note(
          [...at, 'imageHas'],
          `Copilot ran this health check, so the image has ${needs.join(', ')}`,
        );
      }
      notes.mapped(file, 'image.healthcheck.command', [...at, 'healthCheck']);
    }
    for (const k of ['interval', 'retries', 'timeout', 'start_period'])
      if (hc[k] !== undefined)
        notes.notMapped(
          file,
          `image.healthcheck.${k}`,
          "Berth uses ECS's defaults for the container health check",
          at,
        );
  }
  for (const k of ['labels', 'depends_on'])
    if (image[k] !== undefined)
      notes.notMapped(
        file,
        `image.${k}`,
        k === 'labels' ? 'Berth sets no Docker labels' : 'Berth runs one container per task',
        at,
      );
}

/** `http` → hosts (aliases), paths, health; the edge's domain and zone. */
function mapHttp(m: YamlMap, ctx: Ctx, at: Path, out: YamlMap, edge: EdgeHint, type: string): void {
  const http = m['http'];
  const { file, notes } = ctx;
  if (http === false || http === undefined) {
    if (http === false) notes.mapped(file, 'http', [...at, 'hosts']);
    return;
  }
  if (!isMap(http)) return;
  if (type === 'Backend Service') {
    notes.notMapped(
      file,
      'http',
      "a Backend Service's internal load balancer: Berth has one internet-facing ALB; route this service there with hosts or paths, or call it in-process",
      at,
    );
    return;
  }
  const path = http['path'];
  if (typeof path === 'string') {
    const p = path.replace(/^\/+|\/+$/g, '');
    if (p === '') out['default'] = true;
    else out['paths'] = [`/${p}`, `/${p}/*`];
    notes.mapped(file, 'http.path', [...at, p ? 'paths' : 'default']);
  }
  const hc = http['healthcheck'];
  const healthPath = typeof hc === 'string' ? hc : isMap(hc) ? hc['path'] : undefined;
  out['health'] = typeof healthPath === 'string' ? healthPath : '/';
  if (healthPath === undefined)
    notes.note([...at, 'health'], "Copilot's default target-group health check path");
  else notes.mapped(file, 'http.healthcheck', [...at, 'health']);
  // Target group settings: services.<name>.loadBalancing, in seconds.
  const lb: YamlMap = {};
  const check: YamlMap = {};
  const TARGET: Record<string, [YamlMap, string]> = {
    interval: [check, 'interval'],
    timeout: [check, 'timeout'],
    healthy_threshold: [check, 'healthyThreshold'],
    unhealthy_threshold: [check, 'unhealthyThreshold'],
    grace_period: [lb, 'gracePeriod'],
  };
  if (isMap(hc))
    for (const [k, v] of Object.entries(hc).filter(([k]) => k !== 'path')) {
      const target = TARGET[k];
      const n = k.endsWith('threshold') ? (typeof v === 'number' ? v : undefined) : seconds(v);
      if (target && n !== undefined) {
        target[0][target[1]] = n;
        notes.mapped(file, `http.healthcheck.${k}`, [...at, 'loadBalancing']);
      } else
        notes.notMapped(
          file,
          `http.healthcheck.${k}`,
          k === 'success_codes' ? "Berth's target group expects 200" : "Berth checks the service's own port",
          at,
        );
    }
  const delay = seconds(http['deregistration_delay']);
  if (delay !== undefined) {
    lb['deregistrationDelay'] = delay;
    notes.mapped(file, 'http.deregistration_delay', [...at, 'loadBalancing']);
  }
  if (Object.keys(check).length) lb['healthCheck'] = check;
  if (Object.keys(lb).length) out['loadBalancing'] = lb;
  const alias = http['alias'];
  const aliases = (Array.isArray(alias) ? alias : alias === undefined ? [] : [alias]).map((a) =>
    isMap(a) ? { name: String(a['name']), zone: a['hosted_zone'] } : { name: String(a), zone: undefined },
  );
  if (aliases.length) {
    out['hosts'] = aliases.map((a) => a.name);
    notes.mapped(file, 'http.alias', [...at, 'hosts']);
    const first = aliases[0]!.name;
    edge.domain = first.split('.').length > 2 ? first.split('.').slice(1).join('.') : first;
    const zone = aliases.find((a) => typeof a.zone === 'string')?.zone ?? http['hosted_zone'];
    if (typeof zone === 'string') edge.hostedZoneId = zone;
  }
  const why: Record<string, string> = {
    target_container: 'Berth runs one container per task',
    target_port: "Berth's target group sends to the service's port",
    stickiness: "Berth's target groups are not sticky",
    allowed_source_ips: 'per-rule source IPs: Berth restricts the whole ALB with edge.ingress (a CIDR list)',
    redirect_to_https: 'Berth always redirects HTTP to HTTPS when the environment has HTTPS',
    version: 'Berth target groups speak HTTP/1.1',
    additional_rules:
      "one rule per service: split the routes into services or list the paths in the service's paths",
    alb: 'Berth creates its own ALB; it imports none',
  };
  for (const [k, reason] of Object.entries(why))
    if (http[k] !== undefined) notes.notMapped(file, `http.${k}`, reason, at);
}

/** `count` → count (fixed), scaling range and targets, Fargate Spot. */
function mapCount(m: YamlMap, ctx: Ctx, at: Path, out: YamlMap): void {
  const count = m['count'];
  const { file, notes } = ctx;
  if (typeof count === 'number') {
    out['scaling'] = false;
    out['count'] = count;
    notes.mapped(file, 'count', [...at, 'count']);
    return;
  }
  if (!isMap(count)) return;
  if (typeof count['spot'] === 'number') {
    out['scaling'] = false;
    out['count'] = count['spot'];
    out['capacity'] = 'fargate-spot';
    notes.mapped(file, 'count.spot', [...at, 'capacity']);
  }
  const range = count['range'];
  let min: number | undefined;
  let max: number | undefined;
  if (typeof range === 'string') [min, max] = range.split('-').map(Number);
  else if (isMap(range)) {
    min = Number(range['min']);
    max = Number(range['max']);
    if (range['spot_from'] !== undefined)
      notes.notMapped(
        file,
        'count.range.spot_from',
        'Berth runs a service all on Fargate or all on Fargate Spot (capacity)',
        at,
      );
  }
  if (min === undefined || max === undefined || Number.isNaN(min) || Number.isNaN(max)) return;
  const target = (k: string): number | false => {
    const v = count[k];
    if (isMap(v) && v['cooldown'] !== undefined)
      notes.notMapped(file, `count.${k}.cooldown`, "Berth's scaling policies use their own cooldowns", at);
    const n = isMap(v) ? v['value'] : v;
    return typeof n === 'number' ? n : false;
  };
  out['scaling'] = {
    min,
    max,
    cpu: target('cpu_percentage'),
    memory: target('memory_percentage'),
    requests: target('requests'),
  };
  delete out['count'];
  notes.mapped(file, 'count.range', [...at, 'scaling']);
  if (count['response_time'] !== undefined)
    notes.notMapped(file, 'count.response_time', 'Berth scales on CPU, memory and requests per task', at);
  if (count['cooldown'] !== undefined)
    notes.notMapped(file, 'count.cooldown', "Berth's scaling policies use their own cooldowns", at);
  for (const k of ['queue_delay'])
    if (count[k] !== undefined) notes.notMapped(file, `count.${k}`, 'Berth has no queue to scale on', at);
}

export function mapService(
  m: YamlMap,
  type: string,
  ctx: Ctx,
  at: Path,
): { service: YamlMap; edge: EdgeHint } {
  const out: YamlMap = {};
  const edge: EdgeHint = {};
  mapImage(m, ctx, at, out);
  mapHttp(m, ctx, at, out, edge, type);
  Object.assign(out, mapSize(m, ctx.file, ctx.notes, at));
  const arch = mapPlatform(m['platform'], ctx.file, ctx.notes, at);
  if (arch) out['arch'] = arch;
  mapCount(m, ctx, at, out);
  if (typeof m['exec'] === 'boolean') {
    out['exec'] = m['exec'];
    ctx.notes.mapped(ctx.file, 'exec', [...at, 'exec']);
  }
  const command = mapCommand(m, ctx.file, ctx.notes, at);
  if (command) out['command'] = command;
  const env = mapVariables(m['variables'], ctx.file, ctx.notes, at);
  if (Object.keys(env).length) out['env'] = env;
  const secrets = mapSecrets(m['secrets'], ctx.file, ctx.notes, at);
  if (Object.keys(secrets).length) out['secrets'] = secrets;
  rest(m, HANDLED, ctx, at);
  return { service: out, edge };
}

/**
 * A Scheduled Job → a Berth job. Berth runs a job in a service's image with that service's env and secrets, so the
 * job's own image, variables and secrets are compared with the service it runs in.
 */
export function mapJob(
  m: YamlMap,
  ctx: Ctx,
  at: Path,
  service: { name: string; value: YamlMap } | undefined,
): YamlMap {
  const { file, notes } = ctx;
  const out: YamlMap = {};
  const on = isMap(m['on']) ? m['on'] : {};
  const schedule = mapSchedule(on['schedule']);
  if (schedule.expr) out['schedule'] = schedule.expr;
  if (schedule.note) notes.note([...at, 'schedule'], schedule.note);
  if (schedule.disabled) out['enabled'] = false;
  if (schedule.error) {
    out['schedule'] = 'rate(1 day)';
    notes.note([...at, 'schedule'], `TODO: ${schedule.error}; rate(1 day) stands in`);
  }
  notes.mapped(file, 'on.schedule', [...at, 'schedule']);
  const command = mapCommand(m, file, notes, at);
  if (command) out['command'] = command;
  else {
    out['command'] = ['TODO-the-job-command'];
    notes.note([...at, 'command'], "TODO: Copilot ran the job image's own CMD; write that command here");
  }
  if (service) out['service'] = service.name;
  const size = mapSize(m, file, notes, at);
  if (size.cpu !== undefined || size.memory !== undefined)
    out['size'] = { cpu: size.cpu ?? 0.25, memory: size.memory ?? 512 };
  const timeout = seconds(m['timeout']);
  if (timeout !== undefined) {
    out['timeout'] = Math.max(1, Math.ceil(timeout / 60));
    notes.note(
      [...at, 'timeout'],
      `${String(m['timeout'])}: Berth alarms on a run past it; Copilot's Step Functions stopped it`,
    );
    notes.mapped(file, 'timeout', [...at, 'timeout']);
  }
  if (m['retries'] !== undefined)
    notes.notMapped(
      file,
      'retries',
      `${String(m['retries'])}: Berth starts each run once (EventBridge Scheduler); a failed run alarms`,
      at,
    );
  if (m['image'] !== undefined)
    notes.notMapped(
      file,
      'image',
      `Berth runs a job in a service's image (job.service${service ? `: ${service.name}` : ''}); build the job's code into that image`,
      at,
    );
  for (const k of ['variables', 'secrets', 'platform'] as const)
    if (m[k] !== undefined)
      notes.notMapped(
        file,
        k,
        `a Berth job gets the env, secrets and architecture of the service it runs in${service ? ` (${service.name})` : ''}; set them there`,
        at,
      );
  rest(m, new Set([...JOB_HANDLED, 'image', 'platform']), ctx, at);
  return out;
}

/** A manifest path (relative to the workspace root) relative to the config file's folder. */
export function relativeTo(configDir: string, root: string): (p: string) => string {
  return (p: string) => {
    const abs = posix.join(root.split('\\').join('/'), p);
    const r = posix.relative(configDir.split('\\').join('/'), abs);
    return r === '' ? '.' : r;
  };
}
