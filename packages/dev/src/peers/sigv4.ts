import { createHash, createHmac, timingSafeEqual, type BinaryLike } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type * as Smithy from '@smithy/signature-v4';

/**
 * Verifies an AWS Signature Version 4 the way S3 and SES do: the canonical request is rebuilt from what arrived (the
 * signed headers only, the path as sent, the query, the payload hash) and signed again with the secret key that
 * belongs to the access key id named in the credential scope; the two signatures must be equal. The signing itself is
 * the AWS SDK's own signer (`@smithy/signature-v4`), so local verification and the SDK's signing cannot drift apart.
 * Both forms are checked: the `Authorization` header and a presigned URL's `X-Amz-*` query parameters.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */

/** Why a request is refused: each peer answers it in its own service's error shape. */
export type RefusalKind =
  'unsigned' | 'malformed' | 'unknown-key' | 'signature' | 'expired' | 'skewed' | 'scope' | 'host' | 'policy';

export interface Refusal {
  readonly ok: false;
  readonly kind: RefusalKind;
  readonly reason: string;
}

export type Verdict = { readonly ok: true } | Refusal;

export const refusal = (kind: RefusalKind, reason: string): Refusal => ({ ok: false, kind, reason });

/** What the credential scope must name, as AWS checks it: this peer's region and its own service name(s). */
export interface ExpectedScope {
  readonly region: string;
  /** The signing names of the services this peer serves (`s3`; `sqs` and `sns` for the one SNS/SQS peer). */
  readonly services: readonly string[];
}

let signerModule: Promise<typeof Smithy> | undefined;
/** The AWS SDK's signer, loaded on the first signed request, not with berth dev (its graph is on the start-up path). */
export const smithySigner = () => (signerModule ??= import('@smithy/signature-v4'));

/** How far a request's date may be from now, as S3 allows. */
export const MAX_SKEW_MS = 15 * 60 * 1000;
/** The longest a presigned URL may be valid, in seconds (7 days, as S3 allows). */
const MAX_PRESIGNED_S = 604_800;
const SIGNED_PARAMS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
];

export class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): BinaryLike {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

export interface Scope {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

export function parseScope(credential: string): Scope | undefined {
  const [accessKeyId, date, region, service, terminator] = credential.split('/');
  if (!accessKeyId || !date || !region || !service || terminator !== 'aws4_request') return undefined;
  return { accessKeyId, date, region, service };
}

/** `20261202T011500Z` → a Date; undefined when it is not one. */
export function amzDate(text: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

export function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * `body` is the request's payload when the signer hashed it (SES: no `x-amz-content-sha256` header); S3 clients send
 * that header, and it is what their signature covers.
 */
export async function verifySigV4(
  req: IncomingMessage,
  body: Uint8Array | undefined,
  secretOf: (accessKeyId: string) => string | undefined,
  expected: ExpectedScope,
  now = Date.now(),
): Promise<Verdict> {
  const url = new URL(req.url ?? '/', 'http://peer');
  const auth = typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined;
  const presigned = url.searchParams.get('X-Amz-Signature');
  let scope: Scope | undefined;
  let signedHeaders: string[];
  let signature: string;
  let date: Date | undefined;
  if (auth) {
    const m =
      /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
        auth.trim(),
      );
    if (!m) return refusal('malformed', 'the Authorization header is not an AWS4-HMAC-SHA256 signature');
    scope = parseScope(m[1]!);
    signedHeaders = m[2]!.split(';');
    signature = m[3]!;
    date = amzDate(String(req.headers['x-amz-date'] ?? ''));
    if (!date) return refusal('malformed', 'the signed request has no X-Amz-Date header');
    if (Math.abs(now - date.getTime()) > MAX_SKEW_MS)
      return refusal('skewed', 'the signature is more than 15 minutes from now (RequestTimeTooSkewed)');
  } else if (presigned) {
    if (url.searchParams.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256')
      return refusal('malformed', 'the presigned URL is not AWS4-HMAC-SHA256');
    scope = parseScope(url.searchParams.get('X-Amz-Credential') ?? '');
    signedHeaders = (url.searchParams.get('X-Amz-SignedHeaders') ?? '').split(';');
    signature = presigned;
    date = amzDate(url.searchParams.get('X-Amz-Date') ?? undefined);
    const expires = Number(url.searchParams.get('X-Amz-Expires'));
    if (!date || !Number.isInteger(expires) || expires < 1)
      return refusal('malformed', 'the presigned URL has no valid X-Amz-Date and X-Amz-Expires');
    if (expires > MAX_PRESIGNED_S)
      return refusal('malformed', 'X-Amz-Expires is more than 7 days (604800 seconds)');
    if (now > date.getTime() + expires * 1000) return refusal('expired', 'the presigned URL has expired');
    if (date.getTime() - now > MAX_SKEW_MS)
      return refusal('skewed', 'the presigned URL is dated in the future');
  } else {
    return refusal('unsigned', 'the request is not signed');
  }
  if (!scope)
    return refusal('malformed', 'the credential scope is not <key>/<date>/<region>/<service>/aws4_request');
  const wrong = checkScope(scope, date, expected);
  if (wrong) return wrong;
  const secretAccessKey = secretOf(scope.accessKeyId);
  if (secretAccessKey === undefined)
    return refusal('unknown-key', `access key '${scope.accessKeyId}' is not this berth dev's`);

  // A payload hash sent along must be the body's (S3 calls it XAmzContentSHA256Mismatch): the signature covers the
  // header, not the bytes, so a body swapped under a signed request would otherwise pass.
  const claimed = req.headers['x-amz-content-sha256'];
  if (body && claimed !== undefined && claimed !== createHash('sha256').update(body).digest('hex'))
    return refusal(
      'signature',
      'x-amz-content-sha256 is not the hash of the body (XAmzContentSHA256Mismatch)',
    );
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) return refusal('signature', `signed header '${name}' is missing`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    if (presigned && SIGNED_PARAMS.includes(k)) continue;
    const had = query[k];
    query[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
  }
  const s3 = scope.service === 's3';
  const { SignatureV4 } = await smithySigner();
  const signer = new SignatureV4({
    credentials: { accessKeyId: scope.accessKeyId, secretAccessKey },
    region: scope.region,
    service: scope.service,
    sha256: Sha256,
    // S3 signs the path as sent; every other service escapes it once more (the SDK's own rule).
    uriEscapePath: !s3,
    applyChecksum: false,
  });
  const request = {
    method: req.method ?? 'GET',
    protocol: 'http:',
    hostname: url.hostname,
    path: url.pathname,
    query,
    headers,
    ...(body ? { body } : {}),
  };
  const signableHeaders = new Set(signedHeaders);
  let computed: string | undefined;
  if (auth) {
    const signed = await signer.sign(request, { signingDate: date, signableHeaders });
    computed = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? ''))?.[1];
  } else {
    // A presigned S3 URL covers no payload: its payload hash is UNSIGNED-PAYLOAD. The SDK's presigner puts that in
    // the query as X-Amz-Content-Sha256 (a header it hoists): it goes back to being a header, which presign()
    // hoists again. Without it, S3 still signs UNSIGNED-PAYLOAD, as a hash only (neither signed nor hoisted).
    const hoisted = url.searchParams.get('X-Amz-Content-Sha256');
    const rest = { ...query };
    delete rest['X-Amz-Content-Sha256'];
    const payload: Record<string, string> = hoisted
      ? { 'X-Amz-Content-Sha256': hoisted }
      : s3
        ? { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }
        : {};
    const bare = !hoisted && s3 ? new Set(['x-amz-content-sha256']) : new Set<string>();
    const signed = await signer.presign(
      { ...request, query: rest, headers: { ...headers, ...payload } },
      {
        signingDate: date,
        expiresIn: Number(url.searchParams.get('X-Amz-Expires')),
        signableHeaders,
        unsignableHeaders: bare,
        unhoistableHeaders: bare,
      },
    );
    computed = String(signed.query?.['X-Amz-Signature'] ?? '');
  }
  if (!computed || !same(computed, signature))
    return refusal(
      'signature',
      'the signature does not match (SignatureDoesNotMatch): signed with another secret key, or the request was changed',
    );
  return { ok: true };
}

/**
 * The credential scope names the date of X-Amz-Date, this peer's region and its own service, as AWS requires
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html): a signature made for
 * another service or region is refused even when it is otherwise valid.
 */
export function checkScope(scope: Scope, date: Date, expected: ExpectedScope): Refusal | undefined {
  if (scope.date !== date.toISOString().slice(0, 10).replace(/-/g, ''))
    return refusal('scope', `the credential scope's date ${scope.date} is not the request's date`);
  if (scope.region !== expected.region)
    return refusal(
      'scope',
      `the credential scope's region is '${scope.region}'; this peer's is '${expected.region}'`,
    );
  if (!expected.services.includes(scope.service))
    return refusal(
      'scope',
      `the credential should be scoped to the service '${expected.services.join("' or '")}', not '${scope.service}'`,
    );
  return undefined;
}
