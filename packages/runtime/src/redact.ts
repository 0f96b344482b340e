/**
 * What an access log line must never carry: credential headers and the query-string parameters that carry
 * credentials (OAuth's access_token and code, presigned S3 URLs' X-Amz-Signature/Credential/Security-Token, …).
 * Names compare case-insensitively; the value becomes `[redacted]`, the name stays so the line still explains itself.
 */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-auth-token',
  'x-api-key',
  'x-amz-security-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-access-token',
  'x-refresh-token',
]);

export const CREDENTIAL_PARAMS: ReadonlySet<string> = new Set([
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'code',
  'client_secret',
  'password',
  'passwd',
  'secret',
  'api_key',
  'apikey',
  'key',
  'signature',
  'sig',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'awsaccesskeyid',
  'session',
  'sessionid',
  'jwt',
  'auth',
]);

export const REDACTED = '[redacted]';

/** `/cb?code=abc&state=1` → `/cb?code=[redacted]&state=1`; the path and other parameters are kept as sent. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url.slice(q + 1);
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    let name: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      name = rawName;
    }
    return CREDENTIAL_PARAMS.has(name.trim().toLowerCase()) ? `${rawName}=${REDACTED}` : part;
  });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

/** A copy of the headers with every credential header's value replaced. */
export function redactHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers))
    out[name] = CREDENTIAL_HEADERS.has(name.toLowerCase()) ? REDACTED : value;
  return out;
}
