import type { ResolvedWaf } from '@berthjs/config';

/** Client addresses tracked at once; beyond this the least recently seen one is forgotten. */
const MAX_CLIENTS = 10_000;

/**
 * `edge.waf`'s rate-based rule as the router applies it: per client IP, every request counts, and a request is
 * refused when more than `rateLimit` requests from its address arrived in the `rateWindowSeconds` before it — the
 * look-back window AWS WAF counts over each time it checks the rate
 * (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html).
 * Locally the count is exact, per second; AWS WAF estimates it and can take up to about 30 seconds to start and
 * stop limiting (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-caveats.html).
 */
export class RateLimiter {
  /** Per address: [second, requests in that second] oldest first, and their total. */
  private readonly clients = new Map<string, { seconds: [number, number][]; total: number }>();

  constructor(
    readonly waf: Pick<ResolvedWaf, 'rateLimit' | 'rateWindowSeconds'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request from `address`; true when it is over the limit (the router answers 429). */
  limited(address: string): boolean {
    const second = Math.floor(this.now() / 1000);
    let client = this.clients.get(address);
    if (client) this.clients.delete(address);
    else client = { seconds: [], total: 0 };
    // Re-inserted last: the Map's first key is the least recently seen address.
    this.clients.set(address, client);
    if (this.clients.size > MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value!);

    const since = second - this.waf.rateWindowSeconds;
    while (client.seconds.length && client.seconds[0]![0] <= since)
      client.total -= client.seconds.shift()![1];
    const last = client.seconds.at(-1);
    if (last && last[0] === second) last[1]++;
    else client.seconds.push([second, 1]);
    client.total++;
    return client.total > this.waf.rateLimit;
  }
}

/** The router's limiter for an environment: only when edge.waf is on and blocks (in count mode WAF only counts). */
export function rateLimiterFor(waf: ResolvedWaf | null, now?: () => number): RateLimiter | undefined {
  return waf?.mode === 'block' ? new RateLimiter(waf, now) : undefined;
}

/** What the start-up summary says about edge.waf under berth dev. */
export function wafSummary(waf: ResolvedWaf | null): string | undefined {
  if (!waf) return undefined;
  const rate = `${waf.rateLimit} requests per ${waf.rateWindowSeconds} s per client IP`;
  if (waf.mode === 'count')
    return `edge.waf in count mode: nothing is limited (the cloud counts ${rate} without blocking)`;
  return `edge.waf rate limit: ${rate}, then 429 (the console is not limited; AWS's managed rules run in the cloud only)`;
}
