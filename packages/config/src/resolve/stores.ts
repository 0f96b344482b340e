import { ENGINES, isCreatable, newestCreatable } from '../engines';
import { show } from '../errors';
import type { ResolvedBucket, ResolvedCache, ResolvedMail } from '../types';
import { DOMAIN, type Ctx } from './context';

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
  };
}

const BUCKET = /^[a-z0-9][a-z0-9-]{1,40}$/;

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
    out[name] = {
      name,
      intelligentTiering: b.intelligentTiering ?? false,
      cors: (b.cors ?? []).map((r) => ({
        origins: r.origins,
        methods: r.methods,
        headers: r.headers ?? ['*'],
        maxAge: r.maxAge ?? 3000,
      })),
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
  return { domain, from, allowList: ctx.profileName === 'prod' ? null : allowList, identity };
}
