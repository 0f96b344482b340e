import { RESERVED_ENV } from '@berthjs/config';
import type { Notes, Path } from '../emit';
import type { YamlMap } from './read';

export function isMap(v: unknown): v is YamlMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `1h30m`, `90s`, `2m` (Go durations, as Copilot writes them) → seconds, or undefined. */
export function seconds(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const parts = [...v.trim().matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== v.trim()) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (p[2] === 'h' ? 3600 : p[2] === 'm' ? 60 : 1), 0);
}

/** A command as Copilot accepts it: a list, or a string split like a shell would (quotes kept together). */
export function words(v: unknown): string[] | undefined {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v !== 'string' || !v.trim()) return undefined;
  const out: string[] = [];
  for (const m of v.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** Replaces Copilot's manifest interpolations of the app and environment names in every string. */
export function interpolate(v: unknown, app: string, env: string): unknown {
  if (typeof v === 'string')
    return v.replaceAll('${COPILOT_APPLICATION_NAME}', app).replaceAll('${COPILOT_ENVIRONMENT_NAME}', env);
  if (Array.isArray(v)) return v.map((i) => interpolate(i, app, env));
  if (isMap(v)) return Object.fromEntries(Object.entries(v).map(([k, i]) => [k, interpolate(i, app, env)]));
  return v;
}

/**
 * Copilot's override merge: maps merge key by key, anything else is replaced; a `count` of another kind (a fixed or
 * Spot count against an autoscaling range) replaces the base's.
 */
export function merge(base: unknown, over: unknown, key?: string): unknown {
  if (!isMap(base) || !isMap(over)) return over === undefined ? base : over;
  if (key === 'count' && 'spot' in over !== 'spot' in base && !('range' in over && 'range' in base))
    return over;
  const out: YamlMap = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v, k);
  return out;
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** `variables` → env. Values from CloudFormation exports have no Berth equivalent. */
export function mapVariables(v: unknown, file: string, notes: Notes, at: Path): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isMap(v)) return out;
  for (const [name, value] of Object.entries(v)) {
    const field = `variables.${name}`;
    if (isMap(value)) {
      const from = value['from_cfn'];
      notes.notMapped(
        file,
        field,
        `from_cfn ${JSON.stringify(from)} is an export of a Copilot-deployed stack, which Berth's stacks do not read; a database or bucket Berth creates is in the contract (DATABASE_SECRET, PGHOST…, BUCKET_<NAME>), anything else: set the value in env`,
        at,
      );
      continue;
    }
    if (!ENV_NAME.test(name) || RESERVED_ENV.has(name)) {
      notes.notMapped(
        file,
        field,
        RESERVED_ENV.has(name)
          ? `${name} is set by Berth itself (the contract)`
          : 'Berth env names are UPPER_SNAKE_CASE',
        at,
      );
      continue;
    }
    out[name] = value === null || value === undefined ? '' : String(value);
    notes.mapped(file, field, [...at, 'env', name]);
  }
  return out;
}

/**
 * `secrets` → Berth's Secrets Manager references (`'name'` or `'name:json-key'`). An SSM parameter keeps its name
 * (without the leading slash) as the secret to create; a Secrets Manager name or ARN keeps the secret's name.
 */
export function mapSecrets(v: unknown, file: string, notes: Notes, at: Path): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isMap(v)) return out;
  for (const [name, ref] of Object.entries(v)) {
    const field = `secrets.${name}`;
    if (!ENV_NAME.test(name) || RESERVED_ENV.has(name)) {
      notes.notMapped(file, field, `${name} is not a name Berth lets a service set`, at);
      continue;
    }
    const to = [...at, 'secrets', name];
    if (isMap(ref) && typeof ref['secretsmanager'] === 'string') {
      const sm = ref['secretsmanager'];
      const arn = sm.startsWith('arn:');
      const [id = '', jsonKey = '', stage = '', version = ''] = arn ? [] : sm.split(':');
      const secret = arn ? smArnName(sm) : { name: id, jsonKey };
      out[name] = secret.jsonKey ? `${secret.name}:${secret.jsonKey}` : secret.name;
      if (stage || version || secret.versioned)
        notes.note(
          to,
          `the version stage/id of ${ref['secretsmanager']} is not mapped: Berth reads AWSCURRENT`,
        );
      notes.mapped(file, field, to);
    } else if (isMap(ref)) {
      notes.notMapped(
        file,
        field,
        `from_cfn ${JSON.stringify(ref['from_cfn'])} is an export of a Copilot-deployed stack; store the value in Secrets Manager and name it here`,
        at,
      );
    } else if (typeof ref === 'string' && ref.startsWith('arn:') && ref.includes(':secretsmanager:')) {
      const secret = smArnName(ref);
      out[name] = secret.jsonKey ? `${secret.name}:${secret.jsonKey}` : secret.name;
      notes.mapped(file, field, to);
    } else if (typeof ref === 'string' && ref) {
      const param = ref.startsWith('arn:') ? ref.replace(/^arn:[^:]+:ssm:[^:]*:\d*:parameter/, '') : ref;
      const secret = param.replace(/^\/+/, '');
      out[name] = secret;
      notes.note(
        to,
        `SSM parameter ${param}: Berth reads Secrets Manager. Copy it: aws ssm get-parameter --with-decryption --name ${param} --query Parameter.Value --output text | npx berth secrets set ${name} --env <stage>`,
      );
      notes.mapped(file, field, to);
    } else notes.notMapped(file, field, 'no parameter or secret named', at);
  }
  return out;
}

/** The name (and JSON key) of a Secrets Manager ARN, without the 6-character suffix AWS adds. */
export function smArnName(ref: string): { name: string; jsonKey?: string; versioned?: boolean } {
  const m = /:secret:([^:]+?)(?:-[A-Za-z0-9]{6})?(?::([^:]*)(?::([^:]*)(?::([^:]*))?)?)?$/.exec(ref);
  if (!m) return { name: ref };
  return { name: m[1]!, ...(m[2] ? { jsonKey: m[2] } : {}), ...(m[3] || m[4] ? { versioned: true } : {}) };
}

/** Copilot's `entrypoint` and `command` → Berth's one container command. */
export function mapCommand(m: YamlMap, file: string, notes: Notes, at: Path): string[] | undefined {
  const entrypoint = words(m['entrypoint']);
  const command = words(m['command']);
  if (entrypoint) {
    notes.note(
      [...at, 'command'],
      `entrypoint ${JSON.stringify(entrypoint)} and command joined: Berth sets the container's command only, so the image must have no ENTRYPOINT of its own`,
    );
    notes.mapped(file, 'entrypoint', [...at, 'command']);
  }
  if (command) notes.mapped(file, 'command', [...at, 'command']);
  const all = [...(entrypoint ?? []), ...(command ?? [])];
  return all.length ? all : undefined;
}

/** Copilot's cpu units and MiB → Berth's vCPU and MiB. */
export function mapSize(m: YamlMap, file: string, notes: Notes, at: Path): { cpu?: number; memory?: number } {
  const out: { cpu?: number; memory?: number } = {};
  if (typeof m['cpu'] === 'number') {
    out.cpu = m['cpu'] / 1024;
    notes.mapped(file, 'cpu', [...at, 'cpu']);
  }
  if (typeof m['memory'] === 'number') {
    out.memory = m['memory'];
    notes.mapped(file, 'memory', [...at, 'memory']);
  }
  return out;
}

/** `platform: linux/arm64` or `{ osfamily, architecture }` → arch. Windows has no Berth equivalent. */
export function mapPlatform(
  v: unknown,
  file: string,
  notes: Notes,
  at: Path,
): 'arm64' | 'x86_64' | undefined {
  if (v === undefined) return undefined;
  const [os, arch] = isMap(v)
    ? [String(v['osfamily'] ?? 'linux'), String(v['architecture'] ?? 'x86_64')]
    : String(v).split('/');
  if (os !== 'linux') {
    notes.notMapped(file, 'platform', `${os}: Berth runs Linux containers only`, at);
    return undefined;
  }
  notes.mapped(file, 'platform', [...at, 'arch']);
  return arch === 'arm64' || arch === 'aarch64' ? 'arm64' : 'x86_64';
}
