import { beforeAll, describe, expect, it } from 'vitest';
import { runChecks, type CheckReport } from '../src/index';
import { ACKNOWLEDGEMENTS } from '../src/acknowledgements';
import { talentResolved } from './support';

let prod: CheckReport;
beforeAll(() => {
  prod = runChecks(talentResolved('prod'));
});

describe('runChecks on talent prod', () => {
  it('runs every pack, including the Control Tower guard rules offline and cfn-lint from PATH', () => {
    expect(prod.guard).toEqual({ ran: true });
    expect(prod.cfnLint).toMatchObject({ ran: true, version: expect.stringMatching(/^cfn-lint \d+\./) });
    const sources = new Set(prod.findings.map((f) => f.source));
    // cfn-lint ran and found nothing on talent prod (W3005 on the canary's listener-rule DependsOn is fixed).
    expect([...sources].sort()).toEqual(['AwsSolutions', 'ControlTower', 'NIST.800.53.R5']);
    expect(prod.findings.filter((f) => f.source === 'cfn-lint')).toEqual([]);
  });
  it('leaves zero unacknowledged errors', () => {
    expect(prod.findings.filter((f) => !f.acknowledged)).toEqual([]);
    expect(prod.errors).toBe(0);
  });
  it('gives every acknowledgement a one-sentence reason', () => {
    for (const a of ACKNOWLEDGEMENTS) expect(a.reason).toMatch(/^[A-Z'"a-z].{20,}\.$/);
  });
});
