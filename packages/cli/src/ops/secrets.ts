import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  type DescribeSecretCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import type { ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';
import { checkedIdentity, type Day2Clients, type Day2Runtime } from './day2';

/** Tags Berth puts on the secrets it creates; `rm` deletes only secrets carrying this app's. */
export const SECRET_TAGS = { app: 'berth:app', stage: 'berth:stage' } as const;

/** One secret the config references: its name, the variables that read it and the JSON keys they read. */
export interface ReferencedSecret {
  readonly name: string;
  readonly uses: readonly {
    readonly service: string;
    readonly variable: string;
    readonly jsonKey?: string;
  }[];
}

export interface SecretState extends ReferencedSecret {
  readonly exists: boolean;
  readonly arn?: string;
  readonly lastChanged?: string;
  /** Created by Berth for this app (its tags). */
  readonly managedByBerth: boolean;
  /** Scheduled for deletion (DeleteSecret with a recovery window): ECS cannot read it. */
  readonly deletedAt?: string;
}

/** The Secrets Manager secrets the environment's services reference (`services.<name>.secrets`), by name. */
export function referencedSecrets(resolved: ResolvedApp): ReferencedSecret[] {
  const byName = new Map<string, ReferencedSecret['uses'][number][]>();
  for (const s of Object.values(resolved.services))
    for (const [variable, ref] of Object.entries(s.secrets)) {
      const uses = byName.get(ref.secretName) ?? [];
      uses.push({ service: s.name, variable, ...(ref.jsonKey ? { jsonKey: ref.jsonKey } : {}) });
      byName.set(ref.secretName, uses);
    }
  return [...byName].sort(([a], [b]) => a.localeCompare(b)).map(([name, uses]) => ({ name, uses }));
}

/** A secret by its name or by a variable that reads it; a usage error naming the ones there are. */
export function secretNamed(resolved: ResolvedApp, name: string): ReferencedSecret {
  const all = referencedSecrets(resolved);
  const found = all.find((s) => s.name === name) ?? all.find((s) => s.uses.some((u) => u.variable === name));
  if (!found)
    throw new CliError(
      `${resolved.app} ${resolved.stage} references no secret '${name}'; referenced: ${all.map((s) => s.name).join(', ') || 'none'} (services.<name>.secrets)`,
      EXIT.invalid,
    );
  return found;
}

async function describe(
  clients: Pick<Day2Clients, 'secrets'>,
  name: string,
): Promise<DescribeSecretCommandOutput | undefined> {
  try {
    return await clients.secrets.send(new DescribeSecretCommand({ SecretId: name }));
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/**
 * Refuses, before a deploy changes anything, when a secret the services reference does not exist (or is scheduled
 * for deletion): ECS would fail every task start with ResourceNotFoundException, after the stack update.
 */
export async function requireReferencedSecrets(
  resolved: ResolvedApp,
  clients: Pick<Day2Clients, 'secrets'>,
): Promise<void> {
  const missing: string[] = [];
  for (const s of referencedSecrets(resolved)) {
    const d = await describe(clients, s.name);
    if (!d || d.DeletedDate)
      missing.push(`${s.name} (read by ${s.uses.map((u) => `${u.service}.${u.variable}`).join(', ')})`);
  }
  if (missing.length)
    throw new CliError(
      `${resolved.stage} references ${missing.length === 1 ? 'a secret' : 'secrets'} that ${missing.length === 1 ? 'does' : 'do'} not exist in ${resolved.region}: ${missing.join('; ')}. Create ${missing.length === 1 ? 'it' : 'them'} first: berth secrets set <NAME> --env ${resolved.stage}. Nothing was deployed.`,
      EXIT.failed,
    );
}

const tagged = (d: DescribeSecretCommandOutput | undefined, resolved: ResolvedApp) =>
  !!d?.Tags?.some((t) => t.Key === SECRET_TAGS.app && t.Value === resolved.app);

/** Each referenced secret and whether it exists in the environment's account and region (DescribeSecret). */
export async function listSecrets(
  options: { resolved: ResolvedApp; region?: string },
  rt: Day2Runtime,
): Promise<SecretState[]> {
  const { resolved } = options;
  const clients = rt.clients(options.region ?? resolved.region);
  await checkedIdentity(clients, resolved);
  const out: SecretState[] = [];
  for (const s of referencedSecrets(resolved)) {
    const d = await describe(clients, s.name);
    out.push({
      ...s,
      exists: !!d && !d.DeletedDate,
      ...(d?.ARN ? { arn: d.ARN } : {}),
      ...(d?.LastChangedDate ? { lastChanged: d.LastChangedDate.toISOString() } : {}),
      managedByBerth: tagged(d, resolved),
      ...(d?.DeletedDate ? { deletedAt: d.DeletedDate.toISOString() } : {}),
    });
  }
  return out;
}

/**
 * Creates the secret (tagged berth:app and berth:stage) or puts a new value in it. A secret read by JSON key must be
 * given a JSON object with every key the config reads.
 */
export async function setSecret(
  options: { resolved: ResolvedApp; name: string; value: string; region?: string },
  rt: Day2Runtime,
): Promise<{ name: string; arn: string; created: boolean }> {
  const { resolved } = options;
  const secret = secretNamed(resolved, options.name);
  const keys = [...new Set(secret.uses.flatMap((u) => (u.jsonKey ? [u.jsonKey] : [])))];
  const value = options.value.replace(/\r?\n$/, '');
  if (!value) throw new CliError(`No value given for ${secret.name} (stdin was empty)`, EXIT.invalid);
  if (keys.length) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    const missing =
      parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? keys.filter((k) => !(k in (parsed as object)))
        : keys;
    if (missing.length)
      throw new CliError(
        `${secret.name} is read by JSON key (${keys.join(', ')}): give a JSON object with ${missing.join(', ')}, e.g. '{"${missing[0]}": "…"}'`,
        EXIT.invalid,
      );
  }
  const clients = rt.clients(options.region ?? resolved.region);
  await checkedIdentity(clients, resolved);
  const existing = await describe(clients, secret.name);
  if (existing?.DeletedDate)
    throw new CliError(
      `${secret.name} is scheduled for deletion (${existing.DeletedDate.toISOString()}): restore it with 'aws secretsmanager restore-secret --secret-id ${secret.name}', then set it again.`,
      EXIT.failed,
    );
  if (existing?.ARN) {
    await clients.secrets.send(new PutSecretValueCommand({ SecretId: existing.ARN, SecretString: value }));
    rt.progress(
      `${secret.name}: new value stored (running tasks keep the old one until they restart: deploy or roll)`,
    );
    return { name: secret.name, arn: existing.ARN, created: false };
  }
  const created = await clients.secrets.send(
    new CreateSecretCommand({
      Name: secret.name,
      SecretString: value,
      Description: `${resolved.app}: ${secret.uses.map((u) => `${u.service} ${u.variable}`).join(', ')} (berth secrets)`,
      Tags: [
        { Key: SECRET_TAGS.app, Value: resolved.app },
        { Key: SECRET_TAGS.stage, Value: resolved.stage },
      ],
    }),
  );
  rt.progress(`${secret.name}: created`);
  return { name: secret.name, arn: created.ARN ?? '', created: true };
}

/** Schedules the deletion of a secret Berth created for this app (a recovery window: it can be restored). */
export async function removeSecret(
  options: { resolved: ResolvedApp; name: string; recoveryDays?: number; region?: string },
  rt: Day2Runtime,
): Promise<{ name: string; deletionDate?: string }> {
  const { resolved } = options;
  const secret = secretNamed(resolved, options.name);
  const days = options.recoveryDays ?? 7;
  if (!(Number.isInteger(days) && days >= 7 && days <= 30))
    throw new CliError(`--recovery-days ${days}: Secrets Manager allows 7–30`, EXIT.invalid);
  const clients = rt.clients(options.region ?? resolved.region);
  await checkedIdentity(clients, resolved);
  const existing = await describe(clients, secret.name);
  if (!existing || existing.DeletedDate)
    throw new CliError(`${secret.name} does not exist (or is already scheduled for deletion)`, EXIT.failed);
  if (!tagged(existing, resolved))
    throw new CliError(
      `${secret.name} was not created by berth secrets for ${resolved.app} (no ${SECRET_TAGS.app}=${resolved.app} tag): delete it in Secrets Manager yourself if you mean to.`,
      EXIT.failed,
    );
  const res = await clients.secrets.send(
    new DeleteSecretCommand({ SecretId: existing.ARN!, RecoveryWindowInDays: days }),
  );
  rt.progress(
    `${secret.name}: deletion scheduled in ${days} days; ${secret.uses.map((u) => `${u.service} ${u.variable}`).join(', ')} will fail to start until it is set again`,
  );
  return { name: secret.name, ...(res.DeletionDate ? { deletionDate: res.DeletionDate.toISOString() } : {}) };
}
