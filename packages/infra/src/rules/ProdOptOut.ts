import type { BerthRule, RuleViolation } from './rule';

/** The rule id of a prod opt-out: what the config turns off in prod, which `berth check --env prod` needs a reason for. */
export const PROD_OPT_OUT_RULE = 'Berth-ProdOptOut';

/**
 * The protections a production environment gets by its profile, turned off by the config: plain HTTP (`edge.https:
 * false`), no AWS WAF (`edge.waf: false`), no deletion protection, a wildcard CORS origin on a bucket. Each is a
 * warning that stays until the config says why, as an acknowledgement on the setting's path:
 * `acknowledgements: [{ rule: 'Berth-ProdOptOut', resource: 'edge.waf', reason: '…' }]`.
 * `berth check` fails a prod whose opt-outs carry no reason.
 */
export const ProdOptOut: BerthRule = {
  id: PROD_OPT_OUT_RULE,
  description: 'A production environment turns off a protection only with a written reason',
  severity: 'warning',
  check({ resolved }) {
    if (resolved.profile !== 'prod') return [];
    const out: RuleViolation[] = [];
    const say = (resource: string, what: string) =>
      out.push({
        resource,
        message: `${resolved.stage} ${what}. Say why in berth.config.ts: acknowledgements: [{ rule: '${PROD_OPT_OUT_RULE}', resource: '${resource}', reason: '…' }]`,
      });
    if (!resolved.edge.https)
      say(
        'edge.https',
        'serves plain HTTP (edge.https: false): requests, cookies and tokens cross the internet in clear',
      );
    if (!resolved.edge.waf)
      say(
        'edge.waf',
        'has no AWS WAF on its entry point (edge.waf: false): no rate limit per client and no managed rules against common exploits',
      );
    if (!resolved.deletionProtection)
      say(
        'deletionProtection',
        'turns deletion protection off (deletionProtection: false): a stack delete or a mistaken replace can delete the database',
      );
    for (const [name, bucket] of Object.entries(resolved.buckets))
      bucket.cors.forEach((rule, i) => {
        const wild = rule.origins.filter((o) => o.includes('*'));
        if (wild.length)
          say(
            `buckets.${name}.cors.${i}`,
            `lets any site matching ${wild.join(', ')} call bucket '${name}' from a browser (a wildcard CORS origin)`,
          );
      });
    return out;
  },
};
