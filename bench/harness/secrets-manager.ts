import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';

export interface LocalSecretsManager {
  /** AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  readonly endpoint: string;
  /** Creates or replaces a secret's AWSCURRENT value; returns its ARN (`arn` when given, on creation). */
  put(name: string, value: string, arn?: string): string;
  /** GetSecretValue calls served so far, per SecretId. */
  readonly calls: ReadonlyMap<string, number>;
  /** Calls the authorizer refused (AccessDeniedException), per secret ARN. */
  readonly denied: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

/**
 * Just enough of Secrets Manager's JSON protocol (X-Amz-Target: secretsmanager.GetSecretValue) for the AWS SDK v3
 * client to read a secret by ARN or name. Signatures are not checked; any other operation is a 400. With
 * `authorize`, each read is decided like IAM would decide it for the caller's role.
 */
export async function startSecretsManager(
  region = 'us-east-1',
  options: {
    /**
     * Decides each call as IAM would for the caller's role, e.g. `isAllowed(taskRolePolicies, action, arn)` over the
     * synthesized template; a refusal is AccessDeniedException, as AWS answers. @default - every call is allowed
     */
    readonly authorize?: (action: 'secretsmanager:GetSecretValue', secretArn: string) => boolean;
  } = {},
): Promise<LocalSecretsManager> {
  const secrets = new Map<
    string,
    { arn: string; name: string; value: string; versionId: string; created: number }
  >();
  const calls = new Map<string, number>();
  const denied = new Map<string, number>();

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target !== 'secretsmanager.GetSecretValue') {
        reply(res, 400, { __type: 'InvalidRequestException', message: `unsupported operation ${target}` });
        return;
      }
      let id = '';
      try {
        id = String(
          (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: string }).SecretId ?? '',
        );
      } catch {
        reply(res, 400, { __type: 'InvalidRequestException', message: 'body is not JSON' });
        return;
      }
      calls.set(id, (calls.get(id) ?? 0) + 1);
      const secret = [...secrets.values()].find((s) => s.arn === id || s.name === id);
      if (!secret) {
        reply(res, 400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
        return;
      }
      if (options.authorize && !options.authorize('secretsmanager:GetSecretValue', secret.arn)) {
        denied.set(secret.arn, (denied.get(secret.arn) ?? 0) + 1);
        reply(res, 400, {
          __type: 'AccessDeniedException',
          message: `User is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secret.arn}`,
        });
        return;
      }
      reply(res, 200, {
        ARN: secret.arn,
        Name: secret.name,
        SecretString: secret.value,
        VersionId: secret.versionId,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: secret.created,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('secrets manager: no address');

  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    put(name, value, given) {
      const arn =
        secrets.get(name)?.arn ??
        given ??
        `arn:aws:secretsmanager:${region}:000000000000:secret:${name}-${randomUUID().slice(0, 6)}`;
      secrets.set(name, { arn, name, value, versionId: randomUUID(), created: Date.now() / 1000 });
      return arn;
    },
    calls,
    denied,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
