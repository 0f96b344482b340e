import { describe, expect, it } from 'vitest';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { resolve } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { acknowledgementFor } from '../src/acknowledgements';

// A project installs aws-cdk-lib by its caret range, so it may know a newer Node.js runtime than this repository's
// lockfile; cdk-nag's AwsSolutions-L1 then calls the pinned production-rule function out of date (a scaffolded
// project's `berth check --env prod` failed on exactly that). The pin is deliberate, and acknowledged with a reason.
describe('the production-rule function runtime', () => {
  const prod = resolve(talent, 'prod');
  it('is acknowledged under AwsSolutions-L1 by its construct path and its logical id, primary and standby', () => {
    for (const at of [
      { path: 'Edge/ProductionRuleHandler/Resource', resource: 'EdgeProductionRuleHandler0A1B2C3D' },
      {
        path: 'Standby/Edge/ProductionRuleHandler/Resource',
        resource: 'StandbyEdgeProductionRuleHandler0A1B2C3D',
      },
    ])
      expect(acknowledgementFor({ rule: 'AwsSolutions-L1', ...at }, prod)).toMatch(/pinned/);
  });

  it('covers no other function', () => {
    expect(
      acknowledgementFor(
        { rule: 'AwsSolutions-L1', path: 'Jobs/Handler/Resource', resource: 'JobsHandler1' },
        prod,
      ),
    ).toBeUndefined();
  });

  it('is a Node.js runtime the installed aws-cdk-lib still knows', () => {
    expect(lambda.Runtime.ALL.map((r) => r.name)).toContain('nodejs24.x');
  });
});
