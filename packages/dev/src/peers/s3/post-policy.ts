import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { readBody, replay, secretOf, type OtherAuthorization, type SignatureRefuser } from '../gate';
import {
  amzDate,
  checkScope,
  MAX_SKEW_MS,
  parseScope,
  refusal,
  same,
  Sha256,
  smithySigner,
  type Refusal,
} from '../sigv4';
import type { AwsCredentials } from './s3';

/**
 * S3's browser-based upload (POST Object with a signed policy), checked as S3 checks it
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-post-example.html): s3rver reads the form but checks neither
 * the policy nor its signature. The form is buffered (up to MAX_POST_UPLOAD), parsed with busboy, and
 * - the policy's signature is HMAC-SHA256 of the base64 policy with the signing key derived (by the SDK's own
 *   `getSigningKey`) from this state's secret key and the credential scope, which names today's date (at most 7
 *   days ago), this peer's region and `s3`;
 * - the policy has not expired, and each of its conditions holds: `bucket` (the bucket posted to), exact matches
 *   (`{"field": "value"}`, `["eq", "$field", "value"]`), `starts-with`, `content-length-range` on the file's size;
 * - every form field but `x-amz-signature`, `file`, `policy` and `x-ignore-*` is named by a condition;
 * - the file is the last field (fields after it are ignored, as S3 ignores them).
 * Only then is the upload handed to s3rver, as a form rebuilt from the fields that were checked.
 */

/** The largest POST upload berth dev buffers to check (S3's own limit is 5 GB). */
export const MAX_POST_UPLOAD = 64 * 1024 * 1024;
/** A signing key is valid for 7 days, the longest a presigned request may live. */
const MAX_POLICY_AGE_MS = 7 * 24 * 3600 * 1000;
/** Form fields a policy does not need to name. */
const UNCOVERED = new Set(['x-amz-signature', 'file', 'policy']);

interface Form {
  /** The fields before the file, in order, with their names as sent. */
  readonly fields: (readonly [string, string])[];
  readonly file: { readonly name: string; readonly data: Buffer } | undefined;
}

/** Authorizes `POST /<bucket>` multipart uploads by their policy, for the S3 peer's gate. */
export function postUploads(options: {
  readonly credentials: AwsCredentials;
  readonly region: string;
  readonly refuse: SignatureRefuser;
}): OtherAuthorization {
  const { refuse } = options;
  return {
    matches: (req) => postBucket(req) !== undefined,
    handle: async (req, res, pass) => {
      const bucket = postBucket(req)!;
      const body = await readBody(req, MAX_POST_UPLOAD);
      if (body === null)
        return refuse(res, refusal('policy', 'the upload is larger than berth dev checks (64 MB)'), 400);
      let form: Form;
      try {
        form = await parseForm(req.headers, body);
      } catch (err) {
        return refuse(
          res,
          refusal('malformed', `the POST form could not be read: ${(err as Error).message}`),
          400,
        );
      }
      const wrong = await checkPostPolicy(form, bucket, options);
      if (wrong) return refuse(res, wrong);
      const rebuilt = rebuild(form);
      pass(
        replay(req, rebuilt.body, {
          'content-type': rebuilt.type,
          'content-length': String(rebuilt.body.length),
          'transfer-encoding': undefined,
        }),
      );
    },
  };
}

/** The bucket of a browser-based upload: a multipart POST to `/<bucket>` with no query (path style only). */
function postBucket(req: IncomingMessage): string | undefined {
  if (req.method !== 'POST') return undefined;
  if (!/^multipart\/form-data\s*;/i.test(String(req.headers['content-type'] ?? ''))) return undefined;
  const m = /^\/([^/?]+)\/?$/.exec(req.url ?? '');
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
}

function parseForm(headers: IncomingHttpHeaders, body: Buffer): Promise<Form> {
  return new Promise((resolve, reject) => {
    const fields: [string, string][] = [];
    let file: { name: string; data: Buffer } | undefined;
    const bb = busboy({
      headers,
      limits: { fields: 100, parts: 200, fieldSize: 1024 * 1024, fileSize: MAX_POST_UPLOAD },
    });
    bb.on('field', (name, value, info) => {
      if (file) return; // after the file: ignored, as S3 ignores it
      if (info.nameTruncated || info.valueTruncated) return reject(new Error(`field ${name} is too long`));
      // A part named file without a filename is still the file's content, as S3 takes it.
      if (name.toLowerCase() === 'file') file = { name: '', data: Buffer.from(value) };
      else fields.push([name, value]);
    });
    bb.on('file', (name, stream, info) => {
      if (file || name.toLowerCase() !== 'file') {
        if (!file) reject(new Error(`a file part must be named 'file', not '${name}'`));
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      const found = { name: info.filename ?? '', data: Buffer.alloc(0) };
      file = found;
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        found.data = Buffer.concat(chunks);
      });
    });
    bb.on('close', () => resolve({ fields, file }));
    bb.on('error', reject);
    bb.end(body);
  });
}

/** Why S3 would refuse this upload, or undefined when its policy allows it. */
export async function checkPostPolicy(
  form: Form,
  bucket: string,
  auth: { readonly credentials: AwsCredentials; readonly region: string },
  now = Date.now(),
): Promise<Refusal | undefined> {
  const values = new Map<string, string>();
  for (const [name, value] of form.fields) {
    const lower = name.toLowerCase();
    if (values.has(lower)) return refusal('policy', `the form names the field '${name}' twice`);
    if (!/^[\w$.{}-]+$/.test(name))
      return refusal('policy', `the form field name '${name}' is not one S3 takes`);
    values.set(lower, value);
  }
  if (!form.file)
    return refusal('policy', 'POST requires exactly one file upload per request (a field named file)');
  const policy = values.get('policy');
  const signature = values.get('x-amz-signature');
  if (values.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256' || !policy || !signature)
    return refusal('unsigned', 'the POST form carries no policy signed with AWS4-HMAC-SHA256');
  const date = amzDate(values.get('x-amz-date'));
  const scope = parseScope(values.get('x-amz-credential') ?? '');
  if (!date || !scope)
    return refusal('malformed', 'the POST form has no valid x-amz-date and x-amz-credential fields');
  const wrongScope = checkScope(scope, date, { region: auth.region, services: ['s3'] });
  if (wrongScope) return wrongScope;
  if (date.getTime() - now > MAX_SKEW_MS) return refusal('skewed', 'the POST policy is signed in the future');
  if (now - date.getTime() > MAX_POLICY_AGE_MS)
    return refusal('expired', 'the POST policy was signed more than 7 days ago');
  const secretAccessKey = secretOf(auth.credentials)(scope.accessKeyId);
  if (secretAccessKey === undefined)
    return refusal('unknown-key', `access key '${scope.accessKeyId}' is not this berth dev's`);
  const { getSigningKey } = await smithySigner();
  const key = await getSigningKey(
    Sha256,
    { accessKeyId: scope.accessKeyId, secretAccessKey },
    scope.date,
    scope.region,
    's3',
  );
  const hmac = new Sha256(key);
  hmac.update(policy);
  const expected = Buffer.from(await hmac.digest()).toString('hex');
  if (!same(expected, signature.toLowerCase()))
    return refusal('signature', 'the policy signature does not match (SignatureDoesNotMatch)');

  let parsed: { expiration?: unknown; conditions?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as typeof parsed;
  } catch {
    return refusal('policy', 'Invalid Policy: the policy is not base64-encoded JSON');
  }
  const expiration = typeof parsed?.expiration === 'string' ? Date.parse(parsed.expiration) : NaN;
  if (Number.isNaN(expiration) || !Array.isArray(parsed.conditions))
    return refusal('policy', 'Invalid Policy: it needs an expiration (ISO 8601) and a list of conditions');
  if (expiration <= now) return refusal('expired', 'Invalid according to Policy: Policy expired.');
  const formBucket = values.get('bucket');
  if (formBucket !== undefined && formBucket !== bucket)
    return refusal('policy', `the form's bucket field '${formBucket}' is not the bucket posted to`);

  const covered = new Set<string>();
  let bucketChecked = false;
  for (const condition of parsed.conditions as unknown[]) {
    const failed = () =>
      refusal('policy', `Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`);
    const value = (name: string) => (name === 'bucket' ? bucket : (values.get(name) ?? ''));
    if (Array.isArray(condition)) {
      const [op, field, expected] = condition as unknown[];
      if (String(op).toLowerCase() === 'content-length-range') {
        const size = form.file.data.length;
        if (!Number.isInteger(field) || !Number.isInteger(expected)) return failed();
        if (size < (field as number) || size > (expected as number)) return failed();
        continue;
      }
      if (typeof field !== 'string' || !field.startsWith('$') || typeof expected !== 'string')
        return failed();
      const name = field.slice(1).toLowerCase();
      const actual = value(name);
      const kind = String(op).toLowerCase();
      if (kind === 'eq' ? actual !== expected : kind === 'starts-with' ? !actual.startsWith(expected) : true)
        return failed();
      covered.add(name);
      if (name === 'bucket') bucketChecked = true;
    } else if (condition && typeof condition === 'object') {
      for (const [field, expected] of Object.entries(condition)) {
        const name = field.toLowerCase();
        if (typeof expected !== 'string' || value(name) !== expected) return failed();
        covered.add(name);
        if (name === 'bucket') bucketChecked = true;
      }
    } else return failed();
  }
  if (!bucketChecked) return refusal('policy', 'Invalid according to Policy: the policy names no bucket');
  const extra = [...values.keys()].filter(
    (n) => !UNCOVERED.has(n) && !n.startsWith('x-ignore-') && !covered.has(n),
  );
  if (extra.length > 0)
    return refusal('policy', `Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);
  return undefined;
}

/** The checked fields and the file as a fresh form (the fields after the file dropped, `${filename}` filled in). */
function rebuild(form: Form): { body: Buffer; type: string } {
  const boundary = `berth-dev-${randomBytes(12).toString('hex')}`;
  const filename = form.file!.name.replace(/["\\\r\n]/g, '_') || 'file';
  const parts: Buffer[] = [];
  for (const [field, value] of form.fields) {
    // Field names are case-insensitive in S3; s3rver reads `key` and `success_action_*` in lower case only.
    const name = field.toLowerCase();
    const v = name === 'key' ? value.replace(/\$\{filename\}/g, filename) : value;
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${v}\r\n`),
    );
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    form.file!.data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}
