import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { AwsCredentials } from './s3/s3';
import { verifySigV4 } from './sigv4';

/** The largest SES request body the gate reads to check its payload hash (SES v2's own limit is 40 MB a message). */
const MAX_SIGNED_BODY = 10 * 1024 * 1024;

export interface GateOptions {
  /**
   * Read the body to verify the payload hash: for SES, whose clients sign the payload's hash without sending it.
   * The parsed body is handed on as `req.body` (JSON or form), which Express's body parsers then keep.
   */
  readonly readBody?: boolean;
}

/**
 * Neither s3rver nor aws-ses-v2-local checks who is asking: s3rver serves unsigned requests as anonymous and does not
 * verify SigV4 signatures, SES v2 local accepts anything. In front of both, this gate answers only requests signed
 * (SigV4, in the Authorization header or as a presigned URL) with this state's key pair, the pair only the services'
 * env and the private state folder hold: the signature is verified, so knowing the key id alone is not enough.
 * CORS preflights pass: a browser sends them without credentials, and they reveal nothing.
 */
export function requireSignature(
  server: Server,
  credentials: AwsCredentials,
  refuse: SignatureRefuser,
  options: GateOptions = {},
): void {
  const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  const pass = (req: IncomingMessage, res: ServerResponse) => {
    for (const l of listeners) l.call(server, req, res);
  };
  const secretOf = (id: string) => (id === credentials.accessKeyId ? credentials.secretAccessKey : undefined);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // A browser's presigned POST upload carries its credential and signed policy inside the multipart form, which the
    // gate does not read (it would consume the body): such uploads pass, as in S3 where the POST policy authorizes
    // them.
    const formPost =
      req.method === 'POST' && String(req.headers['content-type'] ?? '').startsWith('multipart/form-data');
    if (req.method === 'OPTIONS' || formPost) return pass(req, res);
    const signed = req.headers.authorization !== undefined || /[?&]X-Amz-Signature=/.test(req.url ?? '');
    if (!signed) return refuse(res, 'the request is not signed');
    void (async () => {
      const body = options.readBody ? await readBody(req) : undefined;
      if (body === null) return refuse(res, 'the request body is larger than berth dev checks (10 MB)', 413);
      const verdict = await verifySigV4(req, body, secretOf);
      if (!verdict.ok) return refuse(res, verdict.reason);
      if (body) {
        (req as IncomingMessage & { body?: unknown }).body = parseBody(req, body);
      }
      pass(req, res);
    })().catch((err: Error) => refuse(res, `the gate could not check the request: ${err.message}`));
  });
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_SIGNED_BODY) {
        req.destroy();
        resolve(null);
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** What Express's json/urlencoded parsers would have made of the body (they skip a request already read). */
function parseBody(req: IncomingMessage, body: Buffer): unknown {
  const type = String(req.headers['content-type'] ?? '');
  const text = body.toString('utf8');
  if (type.includes('json')) return text ? (JSON.parse(text) as unknown) : {};
  if (type.includes('application/x-www-form-urlencoded')) return { ...parseQuery(text) };
  return {};
}

export type SignatureRefuser = (res: ServerResponse, reason: string, status?: number) => void;

/** Answers a request whose access key id is not this state's (`given`: the one it named, if any). */
export type Refuser = (res: ServerResponse, given: string | undefined) => void;

/**
 * The weaker gate, for a peer whose framework reads the body itself (the SQS/SNS peer, on Fastify), so the payload
 * hash cannot be checked in front of it: only requests naming this state's access key id (Authorization's
 * `Credential=`, or a presigned URL's `X-Amz-Credential`) pass. The signature is not verified.
 */
export function requireAccessKey(server: Server, accessKeyId: string, refuse: Refuser): void {
  const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const given = accessKeyOf(req);
    if (req.method === 'OPTIONS' || given === accessKeyId) {
      for (const l of listeners) l.call(server, req, res);
      return;
    }
    refuse(res, given);
  });
}

/** The access key id a request was signed (or presigned) with. */
export function accessKeyOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const v4 = /Credential=([^/,\s]+)\//.exec(auth);
    if (v4) return v4[1];
  }
  const query = new URL(req.url ?? '/', 'http://peer').searchParams;
  return query.get('X-Amz-Credential')?.split('/')[0];
}

const explain = (reason: string) =>
  `berth dev: ${reason}. Sign requests with the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY berth dev gives its services (credentials.json in the state folder).`;

/** S3's own error shape, so SDKs show it as AccessDenied / InvalidAccessKeyId / SignatureDoesNotMatch. */
export const refuseS3: SignatureRefuser = (res, reason, status = 403) => {
  const code = /is not this berth dev's/.test(reason)
    ? 'InvalidAccessKeyId'
    : /does not match/.test(reason)
      ? 'SignatureDoesNotMatch'
      : /expired/.test(reason)
        ? 'AccessDenied'
        : 'AccessDenied';
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${esc(explain(reason))}</Message></Error>`,
  );
};

/** SES v2's JSON error shape. */
export const refuseSes: SignatureRefuser = (res, reason, status = 403) => {
  const type = /does not match/.test(reason)
    ? 'SignatureDoesNotMatchException'
    : /is not this berth dev's/.test(reason)
      ? 'UnrecognizedClientException'
      : 'AccessDeniedException';
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ message: explain(reason) }));
};
