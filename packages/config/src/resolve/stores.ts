import { resolveMailSenders } from '../schema-mail-events';
import { ENGINES, isCreatable, newestCreatable } from '../engines';
import { show } from '../errors';
import type { ResolvedBucket, ResolvedCache, ResolvedMail } from '../types';
import { DOMAIN, type Ctx } from './context';
import { checkExistingBucket } from './moving-in';
import { resolveParameters } from './by-hand';

export function resolveCache(ctx: Ctx): ResolvedCache | null {
  const c = ctx.app.cache;
  if (!c) return null;
  const engine = c.engine ?? 'redis';
  const nodes = c.nodes ?? ctx.profile.cache.nodes;
  if (nodes < 1 || nodes > 6) ctx.report('cache.nodes', `got ${nodes}; a replication group has 1–6 nodes`);
  const version = c.version ?? newestCreatable(engine);
  if (!isCreatable(engine, version))
    ctx.report(
      'cache.version',
      `got ${show(version)}; ElastiCache does not create ${engine} ${version} as of ${ENGINES[engine].asOf}; allowed: ${ENGINES[engine].creatable.join(', ')}`,
    );
  return {
    engine,
    version,
    nodeType: c.nodeType ?? ctx.profile.cache.nodeType,
    nodes,
    tls: c.tls ?? ctx.profile.cache.tls,
    parameters: resolveParameters(ctx, 'cache', c.parameters),
  };
}

const BUCKET = /^[a-z0-9][a-z0-9-]{1,40}$/;

/** An S3 CORS origin: scheme, host (one `*` allowed), optional port; no path. */
const ORIGIN =
  /^https?:\/\/(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/;
/** An HTTP header name (RFC 9110 token), or `*`. */
const HEADER = /^(\*|[!#$%&'*+.^_`|~0-9a-z-]+)$/i;

type CorsInput = NonNullable<NonNullable<Ctx['app']['buckets']>[string]['cors']>[number];

/**
 * One CORS rule: origins default to the environment's own site (`https://<edge.domain>`); `*` is refused in prod
 * (any web page could then read what a presigned URL returns and upload with one); headers default to what the
 * methods need in a preflight (none for GET and a POST form; `content-type` for PUT). S3's rule elements:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ManageCorsUsing.html
 */
function resolveCorsRule(ctx: Ctx, at: string, r: CorsInput): ResolvedBucket['cors'][number] {
  const domain = ctx.app.edge?.domain;
  let origins = r.origins ?? (domain ? [`https://${domain.toLowerCase()}`] : []);
  if (!r.origins && !domain)
    ctx.report(
      `${at}.origins`,
      "no origins, and no edge.domain to default to; list the sites whose pages use the bucket, such as 'https://app.example.com'",
    );
  origins.forEach((o, j) => {
    if (o === '*') {
      if (ctx.profileName === 'prod')
        ctx.report(
          `${at}.origins.${j}`,
          `'*' lets any web page use the bucket's presigned URLs; name the app's origins (default: https://<edge.domain>)`,
        );
    } else if (!ORIGIN.test(o) || (o.match(/\*/g)?.length ?? 0) > 1)
      ctx.report(
        `${at}.origins.${j}`,
        `got ${show(o)}; an origin is a scheme and host with an optional port and no path, such as 'https://app.example.com' or 'https://*.example.com'`,
      );
  });
  origins = [...new Set(origins)];
  const methods = [...new Set(r.methods)];
  if (methods.length !== r.methods.length) ctx.report(`${at}.methods`, 'lists a method twice');
  const headers = r.headers ?? (methods.includes('PUT') ? ['content-type'] : []);
  headers.forEach((h, j) => {
    if (!HEADER.test(h))
      ctx.report(`${at}.headers.${j}`, `got ${show(h)}; expected a header name such as 'content-type'`);
    else if (h === '*' && ctx.profileName === 'prod')
      ctx.report(
        `${at}.headers.${j}`,
        `'*' allows every request header; name the ones the app sends, such as 'content-type'`,
      );
  });
  const maxAge = r.maxAge ?? 3000;
  if (maxAge < 0 || maxAge > 86_400) ctx.report(`${at}.maxAge`, `got ${maxAge}; expected 0–86400 seconds`);
  return { origins, methods, headers, maxAge };
}

export function resolveBuckets(ctx: Ctx): Record<string, ResolvedBucket> {
  const out: Record<string, ResolvedBucket> = {};
  for (const [name, b] of Object.entries(ctx.app.buckets ?? {})) {
    const at = `buckets.${name}`;
    if (!BUCKET.test(name))
      ctx.report(at, `got ${show(name)}; a bucket name is 2–41 lower-case letters, digits and dashes`);
    const lifecycle = b.lifecycle ?? [];
    lifecycle.forEach((rule, i) => {
      if (rule.expireAfterDays === undefined && rule.infrequentAccessAfterDays === undefined) {
        ctx.report(`${at}.lifecycle.${i}`, 'a rule needs expireAfterDays or infrequentAccessAfterDays');
      }
      if (rule.infrequentAccessAfterDays !== undefined && rule.infrequentAccessAfterDays < 30) {
        ctx.report(
          `${at}.lifecycle.${i}.infrequentAccessAfterDays`,
          `got ${rule.infrequentAccessAfterDays}; S3 requires ≥ 30 days`,
        );
      }
      if (rule.expireAfterDays !== undefined && rule.expireAfterDays < 1)
        ctx.report(`${at}.lifecycle.${i}.expireAfterDays`, `got ${rule.expireAfterDays}; must be ≥ 1`);
    });
    const versioned = b.versioned ?? ctx.profile.bucketVersioning;
    if (b.noncurrentVersionDays !== undefined && b.noncurrentVersionDays < 1)
      ctx.report(`${at}.noncurrentVersionDays`, `got ${b.noncurrentVersionDays}; must be ≥ 1`);
    if (b.noncurrentVersionDays !== undefined && !versioned)
      ctx.report(
        `${at}.noncurrentVersionDays`,
        `got ${b.noncurrentVersionDays}, but the bucket is not versioned; set versioned: true or remove it`,
      );
    const existing = checkExistingBucket(ctx, name);
    out[name] = {
      name,
      ...(existing ? { existing } : {}),
      intelligentTiering: b.intelligentTiering ?? false,
      cors: (b.cors ?? []).map((r, i) => resolveCorsRule(ctx, `${at}.cors.${i}`, r)),
      lifecycle,
      versioned,
      noncurrentVersionDays: versioned
        ? (b.noncurrentVersionDays ?? ctx.profile.noncurrentVersionDays)
        : null,
    };
  }
  return out;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** `identity`: whether this environment creates the domain's SES identity (see mail-identity.ts). */
export function resolveMail(ctx: Ctx, identity: ResolvedMail['identity']): ResolvedMail | null {
  const m = ctx.app.mail;
  if (!m) return null;
  const { domain, from } = m;
  if (!domain || !from) {
    ctx.report('mail', 'needs both domain and from');
    return null;
  }
  if (!DOMAIN.test(domain))
    ctx.report('mail.domain', `got ${show(domain)}; expected a domain such as 'mail.example.com'`);
  const at = from.match(/<([^>]+)>\s*$/)?.[1] ?? from;
  if (!EMAIL.test(at))
    ctx.report('mail.from', `got ${show(from)}; expected an address such as 'hello@${domain}'`);
  else if (
    !at.toLowerCase().endsWith(`@${domain.toLowerCase()}`) &&
    !at.toLowerCase().endsWith(`.${domain.toLowerCase()}`)
  ) {
    ctx.report('mail.from', `got ${show(from)}; the address must be at the sending domain ${show(domain)}`);
  }
  const allowList = m.allowList ?? [];
  allowList.forEach((entry, i) => {
    if (!(EMAIL.test(entry) || (entry.startsWith('@') && DOMAIN.test(entry.slice(1))))) {
      ctx.report(
        `mail.allowList.${i}`,
        `got ${show(entry)}; expected an address ('a@example.com') or a domain ('@example.com')`,
      );
    }
  });
  return {
    domain,
    from,
    allowList: ctx.profileName === 'prod' ? null : allowList,
    identity,
    senders: resolveMailSenders(m.senders, domain, ctx.report),
  };
}
