import { z } from 'zod';
import { show } from './errors';

/**
 * `secrets: { NAME: { generate: { length?, format? } } }`: values Berth creates (a Flask key, an API signing key)
 * instead of a person running `berth secrets set`. Services read them like any secret
 * (`services.<name>.secrets: { FLASK_SECRET_KEY: 'NAME' }`).
 */

/**
 * The alphabets a generated value is drawn from. Secrets Manager's generator (GetRandomPassword, which
 * CloudFormation's GenerateSecretString calls) draws from letters, digits and this punctuation:
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html
 */
export const SECRETS_MANAGER_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
export const SECRET_FORMATS = ['alphanumeric', 'hex', 'urlsafe', 'printable'] as const;
export type SecretFormat = (typeof SECRET_FORMATS)[number];

/** Each format's alphabet, exactly: `berth dev` draws its local value from the same one. */
export const SECRET_ALPHABETS: Readonly<Record<SecretFormat, string>> = {
  alphanumeric: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  hex: '0123456789abcdef',
  urlsafe: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  // Every printable ASCII character but the space and the three that need quoting in shells and JSON.
  printable:
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789' +
    SECRETS_MANAGER_PUNCTUATION.replace(/["'\\`]/g, ''),
};

/** GetRandomPassword's PasswordLength is 1–4096; below 16 characters a key is too easy to guess. */
export const SECRET_LENGTH = { min: 16, max: 4096, default: 64 } as const;

/** A secret name Secrets Manager accepts (letters, digits, `/_+=.@-`), short enough to prefix with app and stage. */
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9/_+=.@-]{0,127}$/;

export const secretsSchema = z.record(
  z.string(),
  z.strictObject({
    generate: z.strictObject({
      /** Characters. @default 64 */
      length: z
        .number()
        .int()
        .min(SECRET_LENGTH.min, `at least ${SECRET_LENGTH.min} characters`)
        .max(SECRET_LENGTH.max, `at most ${SECRET_LENGTH.max} characters (Secrets Manager's limit)`)
        .optional(),
      /** Which characters: 'alphanumeric' (A–Z a–z 0–9), 'hex' (0–9 a–f), 'urlsafe' (+ - _), 'printable'. @default 'alphanumeric' */
      format: z.enum(SECRET_FORMATS).optional(),
    }),
  }),
);
export type SecretsConfig = z.input<typeof secretsSchema>;

/** One secret Berth generates, for one environment. */
export interface ResolvedGeneratedSecret {
  /** The name the config uses (`secrets.<NAME>`, `services.<name>.secrets: { VAR: 'NAME' }`). */
  readonly name: string;
  /** Its name in Secrets Manager: `<app>/<stage>/<NAME>`, so two environments in one account never collide. */
  readonly secretName: string;
  readonly length: number;
  readonly format: SecretFormat;
  /** Where Secrets Manager keeps a replica: the standby's region, when the environment has one. */
  readonly replicaRegions: readonly string[];
}

/** `<app>/<stage>/<NAME>`. */
export function generatedSecretName(app: string, stage: string, name: string): string {
  return `${app}/${stage}/${name}`;
}

type ServiceSecrets = Readonly<Record<string, { readonly secretName: string; readonly jsonKey?: string }>>;

/**
 * The generated secrets of one environment, and the services' references rewritten to their Secrets Manager names.
 * A generated secret is one string: read by a JSON key, or read by no service, it is a mistake named at its path.
 */
export function resolveGeneratedSecrets<S extends { readonly secrets: ServiceSecrets }>(
  config: SecretsConfig | undefined,
  where: { app: string; stage: string; standbyRegion?: string },
  services: Readonly<Record<string, S>>,
  report: (path: string, message: string) => void,
): { secrets: Record<string, ResolvedGeneratedSecret>; services: Record<string, S> } {
  const secrets: Record<string, ResolvedGeneratedSecret> = {};
  for (const [name, s] of Object.entries(config ?? {})) {
    if (!SECRET_NAME.test(name)) {
      report(
        `secrets.${name}`,
        `got the name ${show(name)}; a secret name is letters, digits and /_+=.@- (≤ 128 chars, starting with a letter or digit), e.g. 'flask-key'`,
      );
      continue;
    }
    secrets[name] = {
      name,
      secretName: generatedSecretName(where.app, where.stage, name),
      length: s.generate.length ?? SECRET_LENGTH.default,
      format: s.generate.format ?? 'alphanumeric',
      replicaRegions: where.standbyRegion ? [where.standbyRegion] : [],
    };
  }
  const read = new Set<string>();
  const out: Record<string, S> = {};
  for (const [service, s] of Object.entries(services)) {
    const refs: Record<string, { secretName: string; jsonKey?: string }> = {};
    for (const [variable, ref] of Object.entries(s.secrets)) {
      const generated = secrets[ref.secretName];
      if (!generated) {
        refs[variable] = ref;
        continue;
      }
      read.add(ref.secretName);
      if (ref.jsonKey)
        report(
          `services.${service}.secrets.${variable}`,
          `got ${show(`${ref.secretName}:${ref.jsonKey}`)}; secrets.${ref.secretName} is generated as one string, not JSON: read it as ${show(ref.secretName)}`,
        );
      refs[variable] = { secretName: generated.secretName };
    }
    out[service] = { ...s, secrets: refs };
  }
  for (const name of Object.keys(secrets))
    if (!read.has(name))
      report(
        `secrets.${name}`,
        `no service reads it; reference it from services.<name>.secrets (e.g. { MY_KEY: ${show(name)} }) or remove it`,
      );
  return { secrets, services: out };
}
