import { IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AwsCredentials } from './s3/s3';
import { refusal, verifySigV4, type ExpectedScope, type Refusal, type RefusalKind } from './sigv4';

/**
 * The largest request body the gate reads to check its payload hash: SES, SQS/SNS and Secrets Manager requests (SES
 * v2's own limit is 40 MB a message; an SQS message is at most 256 KiB; a secret 64 KiB).
 */
export const MAX_SIGNED_BODY = 10 * 1024 * 1024;

/** Who may call a peer, and what their signature must name, as AWS checks it. */
export interface PeerAuth extends ExpectedScope {
  /** The state's key pair: the only one whose signatures are accepted. */
  readonly credentials: AwsCredentials;
  /**
   * Host names under `localhost` (`sqs.<region>.localhost`, the host of fauxqs's queue URLs) are accepted too.
   * @default false - only `127.0.0.1` and `localhost`
   */
  readonly subdomains?: boolean;
}

/** Hands a request (the one that arrived, or a replay of its buffered body) on to the peer's own handler. */
export type Pass = (req: IncomingMessage) => void;

/** A request the peer authorizes some other way than a SigV4 signature: S3's browser-based POST upload. */
export interface OtherAuthorization {
  /** Whether `req` is such a request. */
  matches(req: IncomingMessage): boolean;
  /** Checks it and either refuses it (with `refuse`) or passes it (a reconstructed request) on. */
  handle(req: IncomingMessage, res: ServerResponse, pass: Pass): Promise<void>;
}

export interface GateOptions {
  /**
   * Read the body to verify the payload hash: for the peers whose clients sign the payload's hash without sending
   * it (SES, SQS/SNS, Secrets Manager). The peer then reads a replay of the very bytes that were verified.
   */
  readonly readBody?: boolean | ((req: IncomingMessage) => boolean);
  readonly other?: OtherAuthorization;
}

export type SignatureRefuser = (res: ServerResponse, refused: Refusal, status?: number) => void;

/**
 * Neither s3rver nor aws-ses-v2-local nor fauxqs checks who is asking (s3rver serves unsigned requests as anonymous;
 * the others accept anything). In front of each peer this gate answers only requests that
 * - name the peer by a local name at its own port in `Host` (`127.0.0.1:<port>`, `localhost:<port>`): a page on
 *   another site whose name was rebound to 127.0.0.1 (DNS rebinding) sends its own name, and is refused;
 * - are signed (SigV4, in the Authorization header or as a presigned URL) with this state's key pair, the pair only
 *   the services' env and the private state folder hold: the signature is verified, so the key id alone is not
 *   enough;
 * - carry a credential scope of today's date, this peer's region and this peer's own service.
 * CORS preflights pass (a browser sends them without credentials, and they reveal nothing); `other` authorizes
 * S3's POST uploads by their signed policy.
 */
export function requireSignature(
  server: Server,
  auth: PeerAuth,
  refuse: SignatureRefuser,
  options: GateOptions = {},
): void {
  const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const pass: Pass = (r) => {
      for (const l of listeners) l.call(server, r, res);
    };
    const host = checkHost(req, auth.subdomains ?? false);
    if (host) return refuse(res, host);
    if (req.method === 'OPTIONS') return pass(req);
    void (async () => {
      if (options.other?.matches(req)) return await options.other.handle(req, res, pass);
      const signed = req.headers.authorization !== undefined || /[?&]X-Amz-Signature=/i.test(req.url ?? '');
      if (!signed) return refuse(res, refusal('unsigned', 'the request is not signed'));
      const read = typeof options.readBody === 'function' ? options.readBody(req) : options.readBody;
      const body = read ? await readBody(req, MAX_SIGNED_BODY) : undefined;
      if (body === null)
        return refuse(
          res,
          refusal('malformed', 'the request body is larger than berth dev checks (10 MB)'),
          413,
        );
      const verdict = await verifySigV4(req, body, secretOf(auth.credentials), auth);
      if (!verdict.ok) return refuse(res, verdict);
      pass(body ? replay(req, body) : req);
    })().catch((err: Error) => {
      if (!res.headersSent)
        refuse(res, refusal('malformed', `the gate could not check the request: ${err.message}`));
    });
  });
}

export const secretOf =
  (credentials: AwsCredentials) =>
  (id: string): string | undefined =>
    id === credentials.accessKeyId ? credentials.secretAccessKey : undefined;

/**
 * `Host` must be a local name at the port the request arrived on. Browsers send the name they resolved, so a page
 * of `evil.example` rebound to 127.0.0.1 cannot reach a peer; `*.localhost` resolves to loopback in browsers by spec.
 */
export function checkHost(req: IncomingMessage, subdomains: boolean): Refusal | undefined {
  const host = String(req.headers.host ?? '').toLowerCase();
  const port = req.socket.localPort;
  const m = /^([a-z0-9.-]+):(\d+)$/.exec(host);
  const name = m?.[1] ?? '';
  const local =
    name === '127.0.0.1' || name === 'localhost' || (subdomains && /^([a-z0-9-]+\.)+localhost$/.test(name));
  if (m && local && Number(m[2]) === port) return undefined;
  return refusal(
    'host',
    `Host '${host}' is not this peer (127.0.0.1:${port} or localhost:${port}); a page of another site is refused`,
  );
}

/** Reads the whole body, or resolves null past `limit` bytes (the rest is read and thrown away). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] | null = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        chunks = null;
        resolve(null);
      } else chunks?.push(c);
    });
    req.on('end', () => resolve(chunks && Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * A request as the peer's own framework (Koa, Express, Fastify) reads it — method, URL, headers, socket — whose body
 * is `body`: the bytes the gate read and checked, so nothing the gate did not see reaches the peer.
 */
export function replay(
  req: IncomingMessage,
  body: Buffer,
  /** Headers replaced (undefined: removed). */
  headers: Record<string, string | undefined> = {},
): IncomingMessage {
  const copy = new IncomingMessage(req.socket);
  copy.method = req.method;
  copy.url = req.url;
  copy.httpVersion = req.httpVersion;
  copy.httpVersionMajor = req.httpVersionMajor;
  copy.httpVersionMinor = req.httpVersionMinor;
  const names = new Set(Object.keys(headers).map((h) => h.toLowerCase()));
  const raw: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (!names.has(name.toLowerCase())) raw.push(name, req.rawHeaders[i + 1]!);
  }
  const parsed: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !names.has(k)) parsed[k] = v;
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    raw.push(k, v);
    parsed[k.toLowerCase()] = v;
  }
  copy.rawHeaders = raw;
  copy.headers = parsed;
  // Complete: when the copy is destroyed after its end, Node must not take it for an aborted upload (and close the
  // socket the response is still to be written on).
  copy.complete = true;
  copy.push(body);
  copy.push(null);
  return copy;
}

const explain = (reason: string) =>
  `berth dev: ${reason}. Sign requests with the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY berth dev gives its services (credentials.json in the state folder).`;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** S3's error codes: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html */
const S3_CODES: Record<RefusalKind, string> = {
  unsigned: 'AccessDenied',
  malformed: 'AccessDenied',
  'unknown-key': 'InvalidAccessKeyId',
  signature: 'SignatureDoesNotMatch',
  expired: 'AccessDenied',
  skewed: 'RequestTimeTooSkewed',
  scope: 'AuthorizationHeaderMalformed',
  host: 'AccessDenied',
  policy: 'AccessDenied',
};

/** S3's own XML error shape, so SDKs show it as AccessDenied / InvalidAccessKeyId / SignatureDoesNotMatch. */
export const refuseS3: SignatureRefuser = (res, refused, status = 403) => {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${S3_CODES[refused.kind]}</Code><Message>${esc(explain(refused.reason))}</Message></Error>`,
  );
};

/** The error types the JSON protocols (SES v2, Secrets Manager, SQS) name for an authentication failure. */
const JSON_TYPES: Record<RefusalKind, string> = {
  unsigned: 'MissingAuthenticationTokenException',
  malformed: 'IncompleteSignatureException',
  'unknown-key': 'UnrecognizedClientException',
  signature: 'InvalidSignatureException',
  expired: 'InvalidSignatureException',
  skewed: 'InvalidSignatureException',
  scope: 'InvalidSignatureException',
  host: 'AccessDeniedException',
  policy: 'AccessDeniedException',
};

/** SES v2's REST-JSON error shape: the type in `x-amzn-errortype`. */
export const refuseSes: SignatureRefuser = (res, refused, status = 403) => {
  const type = refused.kind === 'signature' ? 'SignatureDoesNotMatchException' : JSON_TYPES[refused.kind];
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ message: explain(refused.reason) }));
};

/** The AWS JSON 1.1 error shape Secrets Manager answers: `__type` in the body. */
export const refuseJson: SignatureRefuser = (res, refused, status = 403) => {
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-errortype': JSON_TYPES[refused.kind],
  });
  res.end(JSON.stringify({ __type: JSON_TYPES[refused.kind], message: explain(refused.reason) }));
};

/** The query protocol's codes (SNS, and SQS's `x-amzn-query-error`). */
const QUERY_CODES: Record<RefusalKind, string> = {
  unsigned: 'MissingAuthenticationToken',
  malformed: 'IncompleteSignature',
  'unknown-key': 'InvalidClientTokenId',
  signature: 'SignatureDoesNotMatch',
  expired: 'SignatureDoesNotMatch',
  skewed: 'RequestExpired',
  scope: 'SignatureDoesNotMatch',
  host: 'AccessDenied',
  policy: 'AccessDenied',
};

/**
 * SQS's AWS JSON 1.0 shape (`__type`, and the query-compatible `x-amzn-query-error` the SDK names the error by) for
 * a request in that protocol; the query protocol's XML `ErrorResponse` for SNS (and SQS's older query API).
 */
export const refuseSqsSns: SignatureRefuser = (res, refused, status = 403) => {
  const code = QUERY_CODES[refused.kind];
  const req = (res as ServerResponse & { req?: IncomingMessage }).req;
  const json = String(req?.headers['content-type'] ?? '').includes('x-amz-json');
  if (json) {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-query-error': `${code};Sender`,
    });
    res.end(
      JSON.stringify({
        __type: `com.amazon.coral.service#${JSON_TYPES[refused.kind]}`,
        message: explain(refused.reason),
      }),
    );
    return;
  }
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(
    `<?xml version="1.0"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${esc(explain(refused.reason))}</Message></Error><RequestId>berth-dev</RequestId></ErrorResponse>`,
  );
};
