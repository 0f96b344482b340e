/**
 * What a credential looks like, by name and by value, for values that end up in clear (plain task env).
 * Names: any word that only credentials carry (`STRIPE_SECRET_KEY`, `JWT_SIGNING_KEY`, `GITHUB_TOKEN`), not
 * pointers to them (`*_ARN`, `*_SECRET_NAME`). Values: a URL with a password, a well-known key format, a PEM
 * block, or a long random-looking string.
 */
const CREDENTIAL_WORD =
  /(^|_)(PASSWORD|PASSWD|PASSPHRASE|PASS|PWD|PW|SALT|PEPPER|HMAC|SIGNER|SECRET|SECRETS|TOKEN|TOKENS|CREDENTIALS?|PRIVATE_KEY|SIGNING_KEY|SECRET_KEY|API_KEY|APIKEY|ACCESS_KEY|ACCESS_KEY_ID|AUTH_KEY|ENCRYPTION_KEY|MASTER_KEY|CLIENT_SECRET|WEBHOOK_SECRET|DSN|KEY)(_|$)/;
/** Names that point at a credential (an ARN, a name, an id of a key held elsewhere) rather than hold one. */
const POINTER =
  /_(ARN|NAME|ID|URL|URI|PATH|FILE|ENDPOINT|REGION|ALIAS|VERSION|TTL|SECONDS|HEADER|ISSUER|AUDIENCE)$/;
/** A pointer name that still carries a credential. */
const POINTER_BUT_SECRET = /^(AWS_ACCESS_KEY_ID)$/;

export function isCredentialName(name: string): boolean {
  const n = name.toUpperCase();
  if (POINTER_BUT_SECRET.test(n)) return true;
  if (POINTER.test(n)) return false;
  return CREDENTIAL_WORD.test(n);
}

/**
 * Known key formats, each from its issuer's documentation: Stripe (sk_/rk_ live and test), AWS access key ids
 * (AKIA long-term, ASIA temporary), GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), Slack (xoxa-, xoxb-, xoxp-,
 * xoxr-, xoxs-, xapp-), Google API keys (AIza), GitLab (glpat-), SendGrid (SG.), npm (npm_), OpenAI-style (sk-),
 * and JSON Web Tokens (eyJ….eyJ….).
 */
const KEY_FORMATS: readonly [string, RegExp][] = [
  ['a Stripe secret key', /\b(sk|rk)_(live|test)_[0-9A-Za-z]{10,}/],
  ['an AWS access key id', /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['a GitHub token', /\b(gh[pousr]_[0-9A-Za-z]{30,}|github_pat_[0-9A-Za-z_]{30,})/],
  ['a Slack token', /\bxox[abprs]-[0-9A-Za-z-]{10,}|\bxapp-[0-9A-Za-z-]{10,}/],
  ['a Google API key', /\bAIza[0-9A-Za-z_-]{35}\b/],
  ['a GitLab token', /\bglpat-[0-9A-Za-z_-]{20,}/],
  ['a SendGrid key', /\bSG\.[0-9A-Za-z_-]{16,}\.[0-9A-Za-z_-]{16,}/],
  ['an npm token', /\bnpm_[0-9A-Za-z]{36}\b/],
  ['an API secret key', /\bsk-[0-9A-Za-z_-]{20,}/],
  ['a JSON Web Token', /\beyJ[0-9A-Za-z_-]{8,}\.eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,}/],
  ['a PEM private key', /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----/],
];

/** Shannon entropy in bits per character. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits;
}

/** Shapes that are long and varied yet public: ARNs, plain URLs, host names, paths, digests, UUIDs. */
const PUBLIC_SHAPE =
  /^(arn:aws[\w-]*:|[a-z][a-z0-9+.-]*:\/\/[^@\s]*$|sha256:[0-9a-f]+$|[0-9a-f-]+$|\/|[a-z0-9.-]+\.[a-z]{2,}(:\d+)?$)/i;

/**
 * URLs whose path is the credential: whoever holds one may post as the hook. Slack incoming webhooks
 * (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks/: "Your webhook URL contains a secret"),
 * Discord webhooks (https://discord.com/developers/docs/resources/webhook: execute with `/webhooks/{id}/{token}`),
 * Microsoft Teams incoming webhooks.
 */
const WEBHOOK_URLS: readonly [string, RegExp][] = [
  ['a Slack webhook URL', /^https:\/\/hooks\.slack(-gov)?\.com\/(services|workflows|triggers)\/\S+/i],
  ['a Discord webhook URL', /^https:\/\/(\w+\.)?discord(app)?\.com\/api\/(v\d+\/)?webhooks\/\d+\/\S+/i],
  ['a Microsoft Teams webhook URL', /^https:\/\/[\w.-]+\.(webhook\.office\.com|logic\.azure\.com)\/\S+/i],
];

/**
 * An HTTP Authorization value (RFC 9110 §11.6.2): `Basic <base64 user:pass>` (RFC 7617) or `Bearer <token>`
 * (RFC 6750 §2.1), written as the whole header value or behind `Authorization:`.
 */
const AUTH_HEADER = /^(authorization:\s*)?(basic|bearer|token|digest)\s+[A-Za-z0-9._~+/=-]{8,}/i;

/** Names under which a long hex string is a public fingerprint, not a key: commits, digests, checksums. */
const DIGEST_NAME =
  /(SHA|COMMIT|DIGEST|HASH|CHECKSUM|REVISION|REV|ETAG|FINGERPRINT|BUILD|VERSION|IMAGE|TAG)/i;

/** A hex string of 128 bits or more (32+ digits, an even count): `openssl rand -hex 32` prints 64. */
function isHexKey(value: string): boolean {
  return /^[0-9a-f]{32,}$/i.test(value) && value.length % 2 === 0;
}

/**
 * Base64 (RFC 4648 §4, which uses `+` and `/`, so a key may start with `/`) or base64url of 16 bytes or more: one
 * alphabet, upper and lower case and digits, padded to a multiple of 4 when padded, and few slashes (a path has one
 * between every word; random base64 has one in 64 characters on average).
 */
function isBase64Key(value: string): boolean {
  if (value.length < 22 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return false;
  if (/[+/]/.test(value) && /[_-]/.test(value)) return false;
  if (value.endsWith('=') && value.length % 4 !== 0) return false;
  if (!/[A-Z]/.test(value) || !/[a-z]/.test(value) || !/\d/.test(value)) return false;
  const slashes = value.split('/').length - 1;
  if (slashes > Math.max(1, Math.floor(value.length / 24))) return false;
  return entropy(value) >= 3.8;
}

/**
 * Why `value` looks like a credential, or undefined. `name` (the variable's) only tells a hex digest (a commit, an
 * image digest) from a hex key.
 */
export function credentialInValue(value: string, name = ''): string | undefined {
  const urlWithPassword = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:([^/\s@]+)@/i.exec(value);
  if (urlWithPassword) return 'a URL with a password';
  for (const [what, format] of KEY_FORMATS) if (format.test(value)) return what;
  for (const [what, format] of WEBHOOK_URLS) if (format.test(value)) return what;
  if (AUTH_HEADER.test(value)) return 'an HTTP Authorization header value';
  if (isHexKey(value) && !DIGEST_NAME.test(name)) return 'a hex key';
  // Random-looking: long, no spaces, mixed letters and digits, and near the entropy of base64 (6 bits/char max).
  if (
    value.length >= 24 &&
    !/\s/.test(value) &&
    !PUBLIC_SHAPE.test(value) &&
    /[A-Za-z]/.test(value) &&
    /\d/.test(value) &&
    entropy(value) >= 4.2
  )
    return 'a high-entropy value';
  // After the entropy test, which would call most of them high-entropy: those it lets through as paths ('/…').
  if (isBase64Key(value)) return 'a base64 key';
  return undefined;
}
