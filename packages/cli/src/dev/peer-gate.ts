import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Neither s3rver nor aws-ses-v2-local checks who is asking: s3rver serves unsigned requests as anonymous and does not
 * verify SigV4 signatures, SES v2 local accepts anything. In front of both, this gate answers only requests made with
 * this state's access key id (the Authorization header's `Credential=`, or a presigned URL's `X-Amz-Credential`), the
 * key only the services' env and the private state folder hold. Signatures themselves are not verified locally.
 * CORS preflights pass: a browser sends them without credentials, and they reveal nothing.
 */
export function requireAccessKey(server: Server, accessKeyId: string, refuse: Refuser): void {
  const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const given = accessKeyOf(req);
    // A browser's presigned POST upload carries its credential inside the multipart form, which the gate does not
    // read (it would consume the body): such uploads pass, as in S3 where the POST policy authorizes them.
    const formPost =
      req.method === 'POST' && String(req.headers['content-type'] ?? '').startsWith('multipart/form-data');
    if (req.method === 'OPTIONS' || formPost || given === accessKeyId) {
      for (const l of listeners) l.call(server, req, res);
      return;
    }
    refuse(res, given);
  });
}

export type Refuser = (res: ServerResponse, given: string | undefined) => void;

/** The access key id a request was signed (or presigned) with. */
export function accessKeyOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const v4 = /Credential=([^/,\s]+)\//.exec(auth);
    if (v4) return v4[1];
    const v2 = /^AWS ([^:\s]+):/.exec(auth);
    if (v2) return v2[1];
  }
  const query = new URL(req.url ?? '/', 'http://peer').searchParams;
  const presigned = query.get('X-Amz-Credential') ?? query.get('x-amz-credential');
  if (presigned) return presigned.split('/')[0];
  return query.get('AWSAccessKeyId') ?? undefined;
}

const why = (given: string | undefined) =>
  given
    ? `access key '${given}' is not this berth dev's`
    : 'the request is not signed; sign it with the AWS_ACCESS_KEY_ID berth dev gives its services';

/** S3's own error shape, so SDKs show it as AccessDenied / InvalidAccessKeyId. */
export const refuseS3: Refuser = (res, given) => {
  const code = given ? 'InvalidAccessKeyId' : 'AccessDenied';
  res.writeHead(403, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>berth dev: ${why(given)}</Message></Error>`,
  );
};

/** SES v2's JSON error shape. */
export const refuseSes: Refuser = (res, given) => {
  res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' });
  res.end(JSON.stringify({ message: `berth dev: ${why(given)}` }));
};
