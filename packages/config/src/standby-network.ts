import { show } from './errors';
import { isCidr } from './units';

/**
 * The standby region's VPC CIDR. Cross-region VPC peering needs address ranges that do not overlap ("You cannot
 * create a VPC peering connection between VPCs that have matching or overlapping IPv4 CIDR blocks",
 * https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html), so by default the standby takes the block
 * of the same size right after the primary's: 10.0.0.0/16 → 10.1.0.0/16, 10.0.0.0/20 → 10.0.16.0/20.
 */
export function standbyCidrFor(primary: string): string | undefined {
  const parsed = parseCidr(primary);
  if (!parsed) return undefined;
  const size = 2 ** (32 - parsed.bits);
  const next = parsed.base + size;
  const candidate = { base: next, bits: parsed.bits };
  return isPrivate(candidate) && sameRange(parsed, candidate) ? formatCidr(candidate) : undefined;
}

/** Whether two IPv4 CIDR blocks share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y) throw new Error(`cidrsOverlap: expected two IPv4 CIDRs, got ${show(a)} and ${show(b)}`);
  const end = (c: ParsedCidr) => c.base + 2 ** (32 - c.bits) - 1;
  return x.base <= end(y) && y.base <= end(x);
}

/** Problems with `standby.cidr` (or the derived one) against the primary VPC's CIDR; empty when fine. */
export function standbyCidrProblem(
  cidr: string | undefined,
  primary: string,
  given: boolean,
): string | undefined {
  if (cidr === undefined)
    return `cannot derive one from network.cidr ${show(primary)} (the next block of its size leaves the private range); set standby.cidr to an IPv4 CIDR that does not overlap it, e.g. '10.1.0.0/16'`;
  if (!isCidr(cidr)) return `got ${show(cidr)}; expected an IPv4 CIDR such as '10.1.0.0/16'`;
  const bits = Number(cidr.split('/')[1]);
  if (bits < 16 || bits > 24)
    return `got ${show(cidr)}; a VPC CIDR prefix is /16–/24 here (room for 3 subnet tiers)`;
  if (isCidr(primary) && cidrsOverlap(cidr, primary))
    return `${given ? 'got' : 'derived'} ${show(cidr)}, which overlaps network.cidr ${show(primary)}; the standby VPC is peered with the primary's, and peered VPCs cannot overlap: choose a block outside ${primary}`;
  return undefined;
}

interface ParsedCidr {
  readonly base: number;
  readonly bits: number;
}

function parseCidr(value: string): ParsedCidr | undefined {
  if (!isCidr(value)) return undefined;
  const [address, bits] = value.split('/') as [string, string];
  const n = address.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
  const prefix = Number(bits);
  const size = 2 ** (32 - prefix);
  return { base: n - (n % size), bits: prefix };
}

function formatCidr(c: ParsedCidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(c.base / 2 ** shift) % 256);
  return `${octets.join('.')}/${c.bits}`;
}

/** RFC 1918 ranges. */
const PRIVATE: readonly ParsedCidr[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) =>
  parseCidr(c)!,
);

function within(inner: ParsedCidr, outer: ParsedCidr): boolean {
  return (
    inner.bits >= outer.bits &&
    inner.base >= outer.base &&
    inner.base + 2 ** (32 - inner.bits) <= outer.base + 2 ** (32 - outer.bits)
  );
}

function isPrivate(c: ParsedCidr): boolean {
  return PRIVATE.some((p) => within(c, p));
}

function sameRange(a: ParsedCidr, b: ParsedCidr): boolean {
  return PRIVATE.some((p) => within(a, p) && within(b, p));
}
