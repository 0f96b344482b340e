import emailAddresses from 'email-addresses';
import { domainToASCII } from 'node:url';
import { BadRequestError } from './errors';

/** One mailbox, as checked against the allow-list and as handed to SES: `local@domain`, lower-case, ASCII domain. */
export interface Mailbox {
  readonly address: string;
  readonly name: string | null;
}

/** CR or LF would start a new header line (`Bcc:`); NUL and other controls are refused with them. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
const CONTROL = /[\u0000-\u001f\u007f]/;
/** RFC 5322 dot-atom local parts only: a quoted local part can hold `@` and spaces, which no recipient of ours needs. */
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Throws a 400 naming `field` when `value` holds CR, LF, NUL or another control character. */
export function assertHeaderSafe(value: string, field: string): void {
  if (CONTROL.test(value))
    throw new BadRequestError(`Mail ${field} contains a line break or control character`, {
      code: 'INVALID_HEADER',
      details: { field },
    });
}

/**
 * Exactly one mailbox (`ann@example.com` or `Ann <ann@example.com>`), parsed by an RFC 5322 parser: a list
 * (`Victim <v@evil.org>, Ann <a@example.com>`), a group, a quoted local part or an address literal is refused, so
 * what the allow-list sees is what SES sends to.
 */
export function parseMailbox(raw: string, field = 'to'): Mailbox {
  const invalid = (why: string) =>
    new BadRequestError(`Mail ${field} is not one valid address: ${why}`, {
      code: 'INVALID_ADDRESS',
      details: { field },
    });
  if (typeof raw !== 'string' || raw.length > 998)
    throw invalid('expected a string of at most 998 characters');
  assertHeaderSafe(raw, field);
  const parsed = emailAddresses.parseOneAddress({ input: raw, rfc6532: true, rejectTLD: true });
  if (!parsed) throw invalid('expected one address such as "Ann <ann@example.com>"');
  if (parsed.type !== 'mailbox') throw invalid('a group is not a recipient');
  if (!LOCAL.test(parsed.local))
    throw invalid("the part before @ must be letters, digits and !#$%&'*+/=?^_`{|}~.-");
  const domain = domainToASCII(parsed.domain.toLowerCase());
  const labels = domain.split('.');
  if (!domain || labels.length < 2 || domain.length > 253 || !labels.every((l) => LABEL.test(l)))
    throw invalid('the domain must be a host name such as example.com');
  return { address: `${parsed.local.toLowerCase()}@${domain}`, name: parsed.name };
}
