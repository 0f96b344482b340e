import type { ResolvedWaf } from './types';

/**
 * What a client over `edge.waf`'s rate limit receives, in the cloud and under `berth dev` alike. AWS WAF's Block
 * answers 403 unless the rule gives a custom response; ours gives 429 Too Many Requests (a status WAF allows for
 * custom responses, at no extra charge), a `retry-after` of one window — the longest a client that stops must wait
 * before its requests have left the look-back window — and this plain-text body.
 * Sources: https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-response-for-blocked-requests.html,
 * https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-response-status-codes.html
 */
export interface RateLimitedResponse {
  readonly status: 429;
  /** Response headers besides content-type (WAF sets that one from the body's content type). */
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: 'text/plain';
  /** ASCII only: WAF sends the stored body as is. */
  readonly body: string;
}

/** The key of the body in the web ACL's CustomResponseBodies (WAF allows `[\w-]+`, 1–128 characters). */
export const RATE_LIMITED_BODY_KEY = 'rate-limited';

export function rateLimitedResponse(
  waf: Pick<ResolvedWaf, 'rateLimit' | 'rateWindowSeconds'>,
): RateLimitedResponse {
  return {
    status: 429,
    headers: { 'retry-after': String(waf.rateWindowSeconds) },
    contentType: 'text/plain',
    body:
      `429 Too Many Requests: more than ${waf.rateLimit} requests from your IP address in ${waf.rateWindowSeconds} seconds ` +
      `(edge.waf.rateLimit). Wait and retry.\n`,
  };
}
