import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { refuseJson, requireSignature } from '../gate';
import type { AwsCredentials } from '../s3/s3';
import { restartableServer, type Restartable } from '../supervise';

/**
 * A Secrets Manager peer for `berth dev`: the AWS JSON 1.1 protocol (`X-Amz-Target: secretsmanager.<Action>`) for
 * the calls the runtime and rotation make — GetSecretValue, DescribeSecret, PutSecretValue, UpdateSecretVersionStage
 * — so any SDK pointed at it by AWS_ENDPOINT_URL_SECRETS_MANAGER reads the local database secret as it would the
 * RDS one. Request and response shapes follow the API reference:
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html
 * It binds loopback and answers only requests signed (SigV4, verified) with this state's key pair, scoped to its
 * region and `secretsmanager`, with a local `Host` (gate.ts); `authorize` then decides each call as IAM would.
 */

/** The IAM action a request asks for (`secretsmanager:GetSecretValue`), so a policy can be evaluated against it. */
export type SecretsAction =
  | 'secretsmanager:GetSecretValue'
  | 'secretsmanager:DescribeSecret'
  | 'secretsmanager:PutSecretValue'
  | 'secretsmanager:UpdateSecretVersionStage';

/** Decides one call: true lets it through, false answers AccessDeniedException as AWS does. */
export type SecretsAuthorizer = (
  action: SecretsAction,
  secretArn: string,
  callerAccessKeyId: string | undefined,
) => boolean;

export const CURRENT = 'AWSCURRENT';
export const PENDING = 'AWSPENDING';
export const PREVIOUS = 'AWSPREVIOUS';

/** The account id local ARNs carry: twelve zeros, never a real account. */
export const LOCAL_ACCOUNT = '000000000000';

interface StoredVersion {
  readonly value: string;
  stages: string[];
  readonly created: number;
}

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  readonly created: number;
  changed: number;
  readonly versions: Record<string, StoredVersion>;
}

export interface SecretVersion {
  readonly arn: string;
  readonly name: string;
  readonly versionId: string;
  readonly value: string;
  readonly stages: readonly string[];
}

export interface LocalSecretsManager {
  readonly endpoint: string;
  /** Creates the secret with `value` as AWSCURRENT unless it exists; returns its ARN either way. */
  ensure(name: string, value: string): string;
  /** The version carrying `stage` (AWSCURRENT by default); undefined when the secret or the stage is absent. */
  read(secretId: string, stage?: string): SecretVersion | undefined;
  /** PutSecretValue: a new version with `stages` (AWSCURRENT by default, moving AWSPREVIOUS along). */
  put(secretId: string, value: string, stages?: readonly string[]): SecretVersion;
  /** UpdateSecretVersionStage: moves `stage` to `versionId` (AWSCURRENT also moves AWSPREVIOUS to the old one). */
  moveStage(secretId: string, stage: string, versionId: string): void;
  /** UpdateSecretVersionStage with RemoveFromVersionId only: takes `stage` off `versionId` (never AWSCURRENT). */
  removeStage(secretId: string, stage: string, versionId: string): void;
  /** Listens again on its port when its server closes on its own; the secrets are in memory and in the file. */
  readonly restartable: Restartable;
  stop(): Promise<void>;
}

export class SecretsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'SecretsError';
  }
}

const MAX_BODY = 1024 * 1024;
/** SecretString's length limit in the API reference. */
const MAX_SECRET = 65_536;

/**
 * Starts the peer on 127.0.0.1:`port` (0 for any free port). Secrets are kept in `file` (mode 0600), so a rotated
 * password survives a restart of `berth dev` the way it survives in AWS.
 */
export async function startSecretsManager(options: {
  readonly port: number;
  readonly file: string;
  readonly region: string;
  /** The state's key pair: only requests signed with it are answered. */
  readonly credentials: AwsCredentials;
  /** @default - every call signed with `credentials` is allowed */
  readonly authorize?: SecretsAuthorizer;
}): Promise<LocalSecretsManager> {
  const secrets = load(options.file);
  const save = () => {
    const tmp = `${options.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, options.file);
  };
  const find = (id: string): StoredSecret => {
    const found = Object.values(secrets).find(
      (s) => s.name === id || s.arn === id || s.arn.slice(0, -7) === id,
    );
    if (!found)
      throw new SecretsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return found;
  };
  const versionWith = (secret: StoredSecret, stage: string): [string, StoredVersion] | undefined =>
    Object.entries(secret.versions).find(([, v]) => v.stages.includes(stage));
  const view = (secret: StoredSecret, id: string, v: StoredVersion): SecretVersion => ({
    arn: secret.arn,
    name: secret.name,
    versionId: id,
    value: v.value,
    stages: [...v.stages],
  });

  const store = {
    ensure(name: string, value: string): string {
      const existing = Object.values(secrets).find((s) => s.name === name);
      if (existing) return existing.arn;
      const now = Date.now();
      const arn = `arn:aws:secretsmanager:${options.region}:${LOCAL_ACCOUNT}:secret:${name}-${suffix()}`;
      secrets[arn] = {
        name,
        arn,
        created: now,
        changed: now,
        versions: { [randomUUID()]: { value, stages: [CURRENT], created: now } },
      };
      save();
      return arn;
    },
    read(secretId: string, stage = CURRENT): SecretVersion | undefined {
      const secret = Object.values(secrets).find((s) => s.name === secretId || s.arn === secretId);
      const found = secret && versionWith(secret, stage);
      return found ? view(secret, found[0], found[1]) : undefined;
    },
    put(
      secretId: string,
      value: string,
      stages: readonly string[] = [CURRENT],
      token?: string,
    ): SecretVersion {
      const secret = find(secretId);
      if (value.length === 0 || value.length > MAX_SECRET) {
        throw new SecretsError(
          'InvalidParameterException',
          `SecretString must be 1–${MAX_SECRET} characters; got ${value.length}.`,
        );
      }
      const versionId = token ?? randomUUID();
      const same = secret.versions[versionId];
      if (same) {
        // Idempotent retry with the same token and value; a different value under an existing token is refused.
        if (same.value === value) return view(secret, versionId, same);
        throw new SecretsError(
          'ResourceExistsException',
          `A version with ClientRequestToken ${versionId} already exists with a different value.`,
        );
      }
      // A label lives on one version at a time; moving AWSCURRENT leaves AWSPREVIOUS on the version it left.
      const oldCurrent = stages.includes(CURRENT) ? versionWith(secret, CURRENT)?.[0] : undefined;
      for (const stage of stages) detach(secret, stage);
      if (oldCurrent) movePrevious(secret, oldCurrent);
      secret.versions[versionId] = { value, stages: [...stages], created: Date.now() };
      secret.changed = Date.now();
      prune(secret);
      save();
      return view(secret, versionId, secret.versions[versionId]!);
    },
    moveStage(secretId: string, stage: string, versionId: string): void {
      const secret = find(secretId);
      const target = secret.versions[versionId];
      if (!target) {
        throw new SecretsError(
          'ResourceNotFoundException',
          `Secrets Manager can't find version ${versionId}.`,
        );
      }
      const old = versionWith(secret, stage);
      if (old?.[0] === versionId) return;
      if (old) old[1].stages = old[1].stages.filter((s) => s !== stage);
      if (stage === CURRENT && old) movePrevious(secret, old[0]);
      target.stages = [...target.stages.filter((s) => s !== stage), stage];
      secret.changed = Date.now();
      prune(secret);
      save();
    },
    removeStage(secretId: string, stage: string, versionId: string): void {
      const secret = find(secretId);
      const version = secret.versions[versionId];
      if (!version?.stages.includes(stage)) {
        throw new SecretsError('InvalidParameterException', `version ${versionId} does not carry ${stage}`);
      }
      if (stage === CURRENT) {
        throw new SecretsError('InvalidParameterException', `${CURRENT} can only be moved, not removed`);
      }
      version.stages = version.stages.filter((s) => s !== stage);
      secret.changed = Date.now();
      save();
    },
  };

  const authorize = options.authorize ?? (() => true);
  const server = createServer((req, res) => {
    void handle(req, res, store, find, versionWith, authorize);
  });
  const auth = { credentials: options.credentials, region: options.region, services: ['secretsmanager'] };
  requireSignature(server, auth, refuseJson, { readBody: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    restartable: restartableServer(server, port),
    ensure: store.ensure,
    read: store.read,
    put: (id, value, stages) => store.put(id, value, stages),
    moveStage: store.moveStage,
    removeStage: store.removeStage,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type Store = {
  put(secretId: string, value: string, stages?: readonly string[], token?: string): SecretVersion;
  moveStage(secretId: string, stage: string, versionId: string): void;
  removeStage(secretId: string, stage: string, versionId: string): void;
};

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  store: Store,
  find: (id: string) => StoredSecret,
  versionWith: (s: StoredSecret, stage: string) => [string, StoredVersion] | undefined,
  authorize: SecretsAuthorizer,
): Promise<void> {
  try {
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method !== 'POST' || !target.startsWith('secretsmanager.')) {
      throw new SecretsError(
        'UnknownOperationException',
        `expected POST with X-Amz-Target: secretsmanager.<Action>; got ${req.method} ${target || '(no target)'}`,
      );
    }
    const op = target.slice('secretsmanager.'.length);
    const body = await readBody(req);
    const secretId = stringField(body, 'SecretId', true)!;
    const action = `secretsmanager:${op}` as SecretsAction;
    if (!OPERATIONS.has(op)) {
      throw new SecretsError(
        'UnknownOperationException',
        `${op} is not served by berth dev's Secrets Manager; it serves ${[...OPERATIONS].join(', ')}`,
      );
    }
    const secret = find(secretId);
    const caller = accessKeyId(req.headers.authorization);
    if (!authorize(action, secret.arn, caller)) {
      throw new SecretsError(
        'AccessDeniedException',
        `User: ${caller ?? 'anonymous'} is not authorized to perform: ${action} on resource: ${secret.arn}`,
      );
    }
    switch (op) {
      case 'GetSecretValue': {
        const versionId = stringField(body, 'VersionId');
        const stage = stringField(body, 'VersionStage') ?? (versionId ? undefined : CURRENT);
        const found = versionId
          ? ([versionId, secret.versions[versionId]] as const)
          : versionWith(secret, stage!);
        const version = found?.[1];
        if (!found || !version || (stage && !version.stages.includes(stage))) {
          throw new SecretsError(
            'ResourceNotFoundException',
            `Secrets Manager can't find the specified secret value for ${versionId ? `VersionId: ${versionId}` : `staging label: ${stage}`}`,
          );
        }
        return reply(res, 200, {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: found[0],
          SecretString: version.value,
          VersionStages: version.stages,
          CreatedDate: version.created / 1000,
        });
      }
      case 'DescribeSecret':
        return reply(res, 200, {
          ARN: secret.arn,
          Name: secret.name,
          CreatedDate: secret.created / 1000,
          LastChangedDate: secret.changed / 1000,
          RotationEnabled: false,
          VersionIdsToStages: Object.fromEntries(
            Object.entries(secret.versions).map(([id, v]) => [id, v.stages]),
          ),
        });
      case 'PutSecretValue': {
        const value = stringField(body, 'SecretString');
        if (value === undefined) {
          throw new SecretsError(
            'InvalidParameterException',
            'PutSecretValue needs SecretString (SecretBinary is not served locally)',
          );
        }
        const stages = body.VersionStages;
        if (stages !== undefined && !(Array.isArray(stages) && stages.every((s) => typeof s === 'string'))) {
          throw new SecretsError('InvalidParameterException', 'VersionStages must be a list of strings');
        }
        const put = store.put(secret.arn, value, stages, stringField(body, 'ClientRequestToken'));
        return reply(res, 200, {
          ARN: put.arn,
          Name: put.name,
          VersionId: put.versionId,
          VersionStages: put.stages,
        });
      }
      case 'UpdateSecretVersionStage': {
        const stage = stringField(body, 'VersionStage', true)!;
        const move = stringField(body, 'MoveToVersionId');
        const remove = stringField(body, 'RemoveFromVersionId');
        if (move) store.moveStage(secret.arn, stage, move);
        else if (remove) store.removeStage(secret.arn, stage, remove);
        return reply(res, 200, { ARN: secret.arn, Name: secret.name });
      }
    }
  } catch (err) {
    if (err instanceof SecretsError) return reply(res, 400, { __type: err.type, message: err.message });
    return reply(res, 500, { __type: 'InternalServiceError', message: (err as Error).message });
  }
}

const OPERATIONS = new Set([
  'GetSecretValue',
  'DescribeSecret',
  'PutSecretValue',
  'UpdateSecretVersionStage',
]);

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
  });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY)
      throw new SecretsError('InvalidRequestException', `request body over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new SecretsError('SerializationException', 'the request body is not a JSON object');
}

function stringField(body: Record<string, unknown>, key: string, required = false): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    if (required) throw new SecretsError('InvalidParameterException', `${key} is required`);
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new SecretsError('InvalidParameterException', `${key} must be a string; got ${typeof value}`);
  }
  return value;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/secretsmanager/aws4_request, …` → `AKID`. */
export function accessKeyId(authorization: string | undefined): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
}

function detach(secret: StoredSecret, stage: string): void {
  for (const v of Object.values(secret.versions)) v.stages = v.stages.filter((s) => s !== stage);
}

function movePrevious(secret: StoredSecret, versionId: string): void {
  detach(secret, PREVIOUS);
  const v = secret.versions[versionId];
  if (v && !v.stages.includes(PREVIOUS)) v.stages.push(PREVIOUS);
}

/** Versions without a label are deprecated; AWS keeps up to 100, locally the last 10 are plenty. */
function prune(secret: StoredSecret): void {
  const unlabeled = Object.entries(secret.versions)
    .filter(([, v]) => v.stages.length === 0)
    .sort(([, a], [, b]) => a.created - b.created);
  for (const [id] of unlabeled.slice(0, Math.max(0, unlabeled.length - 10))) delete secret.versions[id];
}

function load(file: string): Record<string, StoredSecret> {
  if (!existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, StoredSecret>;
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    // A corrupt store: start empty, and the database secret is re-created from the running PostgreSQL.
    return {};
  }
}

/** The six characters AWS appends to a secret's name in its ARN. */
function suffix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('');
}
