import { randomInt } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_ALPHABETS, type ResolvedApp, type ResolvedGeneratedSecret } from '@berthjs/config';
import { readSecrets } from '../../session/state';

/**
 * The local values of the secrets Berth generates in the cloud (`secrets.<NAME>.generate`): made once, from the same
 * alphabet and length, and kept in the state folder (0600) so every `berth dev` run sees the same value, as every
 * deploy does. Keyed by the config's name, so they survive a change of stage.
 */
export const GENERATED_SECRETS_FILE = 'generated-secrets.json';

/** A value from the format's alphabet, each character drawn uniformly (crypto.randomInt has no modulo bias). */
export function generateLocalValue(secret: Pick<ResolvedGeneratedSecret, 'length' | 'format'>): string {
  const alphabet = SECRET_ALPHABETS[secret.format];
  let out = '';
  for (let i = 0; i < secret.length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Whether a kept value still fits the config (same length, same alphabet); one that does not is made again. */
function fits(value: unknown, secret: ResolvedGeneratedSecret): value is string {
  if (typeof value !== 'string' || value.length !== secret.length) return false;
  const alphabet = new Set(SECRET_ALPHABETS[secret.format]);
  return [...value].every((c) => alphabet.has(c));
}

/**
 * The generated secrets' local values by their Secrets Manager name (what the services' references carry), made and
 * written the first time. A file that is not JSON is warned about and replaced.
 */
export function generatedSecrets(
  stateDir: string,
  resolved: Pick<ResolvedApp, 'secrets'>,
  warn: (message: string) => void,
): Record<string, string> {
  const secrets = Object.values(resolved.secrets);
  if (!secrets.length) return {};
  const file = join(stateDir, GENERATED_SECRETS_FILE);
  let kept: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        kept = parsed as Record<string, unknown>;
      else throw new Error('not an object');
    } catch {
      warn(`${GENERATED_SECRETS_FILE} in the state folder is not a JSON object; making new local values`);
    }
  }
  const next: Record<string, unknown> = { ...kept };
  let changed = false;
  const out: Record<string, string> = {};
  for (const s of secrets) {
    let value = kept[s.name];
    if (!fits(value, s)) {
      value = generateLocalValue(s);
      next[s.name] = value;
      changed = true;
    }
    out[s.secretName] = value as string;
  }
  if (changed || !existsSync(file)) {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(file, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
  }
  // writeFileSync's mode applies only when it creates the file.
  chmodSync(file, 0o600);
  return out;
}

/**
 * What `berth dev` reads secrets from: the generated ones' local values, then `.berth/secrets.json` as it always
 * was (secret name → string or JSON object), which wins. A generated secret may be given there by its config name
 * (`{ "flask-key": "…" }`) or its Secrets Manager name.
 */
export function localSecrets(
  stateDir: string,
  resolved: Pick<ResolvedApp, 'secrets'>,
  warn: (message: string) => void,
): Record<string, unknown> {
  const file = readSecrets(stateDir, warn);
  const out: Record<string, unknown> = { ...generatedSecrets(stateDir, resolved, warn), ...file };
  for (const s of Object.values(resolved.secrets))
    if (file[s.name] !== undefined && file[s.secretName] === undefined) out[s.secretName] = file[s.name];
  return out;
}
