import { describe, expect, it } from 'vitest';
import { cidrsOverlap, ConfigError, resolve, standbyCidrFor } from '../src/index';
import { app } from './fixtures';

// The standby VPC is peered with the primary's; AWS refuses peering between overlapping ranges
// (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html).
const withStandby = (standby: Record<string, unknown>, network?: Record<string, unknown>) =>
  app({
    standby: { region: 'us-west-2', ...standby },
    buckets: undefined,
    mail: undefined,
    edge: { hostedZoneId: 'Z123' },
    ...(network ? { network } : {}),
  });

function problem(config: ReturnType<typeof app>): string {
  try {
    resolve(config, 'prod');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('standby.cidr', () => {
  it('defaults to the block of the same size after network.cidr, inside the same private range', () => {
    expect(standbyCidrFor('10.0.0.0/16')).toBe('10.1.0.0/16');
    expect(standbyCidrFor('10.0.0.0/20')).toBe('10.0.16.0/20');
    expect(standbyCidrFor('172.16.0.0/16')).toBe('172.17.0.0/16');
    expect(standbyCidrFor('192.168.0.0/24')).toBe('192.168.1.0/24');
    // The next block would leave the private range: no default.
    expect(standbyCidrFor('10.255.0.0/16')).toBeUndefined();
    expect(standbyCidrFor('172.31.0.0/16')).toBeUndefined();
    expect(standbyCidrFor('192.168.255.0/24')).toBeUndefined();
  });
  it('overlap is any shared address', () => {
    expect(cidrsOverlap('10.0.0.0/16', '10.1.0.0/16')).toBe(false);
    expect(cidrsOverlap('10.0.0.0/16', '10.0.128.0/20')).toBe(true);
    expect(cidrsOverlap('10.0.0.0/8', '10.200.0.0/16')).toBe(true);
    expect(cidrsOverlap('10.0.255.0/24', '10.1.0.0/24')).toBe(false);
  });
  it('resolves the default and a configured one', () => {
    expect(resolve(withStandby({}), 'prod').standby!.cidr).toBe('10.1.0.0/16');
    expect(resolve(withStandby({}, { cidr: '10.20.0.0/16' }), 'prod').standby!.cidr).toBe('10.21.0.0/16');
    expect(resolve(withStandby({ cidr: '172.20.0.0/16' }), 'prod').standby!.cidr).toBe('172.20.0.0/16');
  });
  it('refuses a CIDR that overlaps the primary, naming both', () => {
    expect(problem(withStandby({ cidr: '10.0.64.0/18' }))).toMatch(
      /standby\.cidr: got "10\.0\.64\.0\/18", which overlaps network\.cidr "10\.0\.0\.0\/16"; the standby VPC is peered with the primary's, and peered VPCs cannot overlap/,
    );
  });
  it('refuses a malformed or badly sized CIDR, and asks for one where none can be derived', () => {
    expect(problem(withStandby({ cidr: '10.1.0.0' }))).toMatch(
      /standby\.cidr: got "10\.1\.0\.0"; expected an IPv4 CIDR such as '10\.1\.0\.0\/16'/,
    );
    expect(problem(withStandby({ cidr: '10.1.0.0/12' }))).toMatch(
      /standby\.cidr: got "10\.1\.0\.0\/12"; a VPC CIDR prefix is \/16–\/24/,
    );
    expect(problem(withStandby({}, { cidr: '10.255.0.0/16' }))).toMatch(
      /standby\.cidr: cannot derive one from network\.cidr "10\.255\.0\.0\/16".*set standby\.cidr/,
    );
  });
});
