import { z } from 'zod';
import { show } from './errors';

/**
 * `mail.senders`: services outside AWS that send through the environment's SES identity over SMTP (an identity
 * provider's verification mails, say), each with its own SMTP credentials in Secrets Manager.
 */
export const mailSendersSchema = z.record(
  z.string(),
  z.strictObject({
    /**
     * Addresses it may send from: 'a@<domain>' or '*@<domain>' (any address there), at the sending domain.
     * @default ['*@<mail.domain>']
     */
    from: z.array(z.string().min(3)).min(1).optional(),
  }),
);

/**
 * EventBridge partner event sources (SaaS providers that publish into the account, such as an identity provider's
 * logs): each gets its partner event bus and a rule that keeps its events in a log group.
 */
export const eventsSchema = z.strictObject({
  /** Event source names as the provider created them, e.g. 'aws.partner/auth0.com/tekalo-prod-0123/auth0.logs'. */
  partnerSources: z.array(z.string()).optional(),
});

export interface ResolvedMailSender {
  readonly name: string;
  /** Addresses or '*@domain' patterns (ses:FromAddress, StringLike). */
  readonly from: readonly string[];
}

export interface ResolvedEvents {
  readonly partnerSources: readonly string[];
}

/** EventBridge's own pattern for an event source name (AWS::Events::EventBus EventSourceName). */
export const PARTNER_SOURCE = /^aws\.partner(\/[.\-_A-Za-z0-9]+){2,}$/;
const SENDER_NAME = /^[a-z][a-z0-9-]{0,30}$/;
const LOCAL = /^(\*|[A-Za-z0-9.!#$%&'+/=?^_`{|}~-]+)$/;

type Report = (path: string, message: string) => void;

/** The senders of `mail.senders`, every from address at the sending domain. */
export function resolveMailSenders(
  senders: z.infer<typeof mailSendersSchema> | undefined,
  domain: string,
  report: Report,
): Record<string, ResolvedMailSender> {
  const out: Record<string, ResolvedMailSender> = {};
  const d = domain.toLowerCase();
  for (const [name, s] of Object.entries(senders ?? {})) {
    const at = `mail.senders.${name}`;
    if (!SENDER_NAME.test(name))
      report(at, `got ${show(name)}; a sender name is lower-case letters, digits and dashes, ≤ 31 chars`);
    const from = s.from ?? [`*@${d}`];
    from.forEach((address, i) => {
      const [local, host, ...rest] = address.toLowerCase().split('@');
      if (rest.length || !local || !LOCAL.test(local) || (host !== d && !host?.endsWith(`.${d}`)))
        report(
          `${at}.from.${i}`,
          `got ${show(address)}; expected 'name@${d}' or '*@${d}' (an address at the sending domain or a subdomain)`,
        );
    });
    out[name] = { name, from: from.map((a) => a.toLowerCase()) };
  }
  return out;
}

/** `events`, with each partner source checked against EventBridge's pattern and listed once. */
export function resolveEvents(
  events: z.infer<typeof eventsSchema> | undefined,
  report: Report,
): ResolvedEvents {
  const sources = events?.partnerSources ?? [];
  sources.forEach((source, i) => {
    if (!PARTNER_SOURCE.test(source) || source.length > 256)
      report(
        `events.partnerSources.${i}`,
        `got ${show(source)}; expected a partner event source name such as 'aws.partner/auth0.com/<tenant>-<id>/auth0.logs' (≤ 256 characters), as the provider shows it`,
      );
    if (sources.indexOf(source) !== i)
      report(`events.partnerSources.${i}`, `${show(source)} is listed twice`);
  });
  return { partnerSources: [...new Set(sources)] };
}
