import { request } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../../src/peers/sigv4';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json(): unknown;
}

/**
 * One HTTP request to a peer, signed (SigV4, Authorization header) by the AWS SDK's signer for `service` and
 * `region` with `credentials` — or not signed (`credentials: undefined`). `host` replaces the Host header after signing
 * when `hostAfterSigning` is set (what a DNS-rebinding page sends), or is signed as given.
 */
export async function signedRequest(
  endpoint: string,
  options: {
    readonly region: string;
    readonly service: string;
    readonly credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
    readonly method?: string;
    readonly path?: string;
    readonly body?: string | Buffer;
    readonly headers?: Record<string, string>;
    readonly host?: string;
    readonly hostAfterSigning?: string;
    readonly signingDate?: Date;
    /** Sent instead of `body` after signing `body` (a payload changed in flight). */
    readonly sendBody?: string;
  },
): Promise<RawResponse> {
  const url = new URL(options.path ?? '/', endpoint);
  const body = options.body ?? '';
  let headers: Record<string, string> = { ...options.headers, host: options.host ?? url.host };
  if (options.credentials) {
    const signer = new SignatureV4({
      credentials: options.credentials,
      region: options.region,
      service: options.service,
      sha256: Sha256,
      uriEscapePath: options.service !== 's3',
    });
    const query = Object.fromEntries(url.searchParams);
    const signed = await signer.sign(
      {
        method: options.method ?? 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        path: url.pathname,
        query,
        headers,
        body,
      },
      options.signingDate ? { signingDate: options.signingDate } : {},
    );
    headers = signed.headers as Record<string, string>;
  }
  if (options.hostAfterSigning) headers.host = options.hostAfterSigning;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'POST',
        path: `${url.pathname}${url.search}`,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as unknown,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.sendBody ?? body);
  });
}

/** A POST to a JSON-protocol peer (Secrets Manager), signed with `credentials` for `secretsmanager`. */
export async function signedFetch(
  endpoint: string,
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  init: { body: string; headers: Record<string, string> },
): Promise<{ status: number; json(): Promise<unknown> }> {
  const res = await signedRequest(endpoint, {
    region,
    service: 'secretsmanager',
    credentials,
    body: init.body,
    headers: { 'content-type': 'application/x-amz-json-1.1', ...init.headers },
  });
  return { status: res.status, json: () => Promise.resolve(res.json()) };
}
