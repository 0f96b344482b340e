import { describe, expect, it } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import { resolve } from '@berthjs/config';
import helloYou from '../../../examples/seeds/hello-you/berth.config';
import { allStacks, buildApp, StandbyStack } from '../src/index';
import { PermissionsProven } from '../src/rules/index';
import { holdersOfTemplate } from '../src/rules/PermissionsProven';
import { withChanges } from './support';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// GIVEN hello-you prod with ECS Exec turned on for api (prod's default is off) WHEN synthesized THEN the standby's
// operator policy lets `berth exec --standby` call ecs:ExecuteCommand on the standby's cluster and tasks, proven by
// Berth-PermissionsProven; without its Exec statement the rule names the missing call.
function standbyTemplate(exec: boolean): Json {
  const r = resolve(helloYou, 'prod');
  const api = r.services.api!;
  const changed = withChanges(r, { services: { ...r.services, api: { ...api, exec } } });
  const standby = allStacks(buildApp(changed)).find((s) => s instanceof StandbyStack)!;
  return { template: Template.fromStack(standby).toJSON(), resolved: changed };
}

describe('the standby operator policy and berth exec --standby', () => {
  it('allows ecs:ExecuteCommand on the standby cluster and its tasks when the service has exec on', () => {
    const { template, resolved } = standbyTemplate(true);
    const standbyService = Object.values(template.Resources as Json).find(
      (x: Json) => x.Type === 'AWS::ECS::Service',
    );
    expect(standbyService.Properties.EnableExecuteCommand).toBe(true);
    const { holders } = holdersOfTemplate({ template, resolved, region: 'us-west-2' });
    const exec = holders
      .find((h) => h.kind === 'operator')!
      .calls.filter((c) => c.action === 'ecs:ExecuteCommand')
      .map((c) => c.resource);
    expect(exec).toEqual([
      expect.stringMatching(/^arn:aws:ecs:us-west-2:\d{12}:cluster\//),
      expect.stringMatching(/^arn:aws:ecs:us-west-2:\d{12}:task\//),
    ]);
    expect(PermissionsProven.check({ template, resolved, region: 'us-west-2' })).toEqual([]);

    const stripped = structuredClone(template);
    for (const x of Object.values(stripped.Resources as Json))
      if (x.Type === 'AWS::IAM::ManagedPolicy')
        x.Properties.PolicyDocument.Statement = x.Properties.PolicyDocument.Statement.filter(
          (s: Json) => s.Sid !== 'Exec',
        );
    const found = PermissionsProven.check({ template: stripped, resolved, region: 'us-west-2' });
    expect(found.map((f) => f.message)).toEqual([
      expect.stringMatching(
        /^operator policy may not ecs:ExecuteCommand on arn:aws:ecs:us-west-2:.*:cluster\//,
      ),
      expect.stringMatching(/^operator policy may not ecs:ExecuteCommand on arn:aws:ecs:us-west-2:.*:task\//),
    ]);
  });

  it("grants no ecs:ExecuteCommand where exec is off (prod's default), and the standby has no bastion to tunnel through", () => {
    const { template } = standbyTemplate(false);
    const statements = Object.values(template.Resources as Json)
      .filter((x: Json) => x.Type === 'AWS::IAM::ManagedPolicy')
      .flatMap((p: Json) => p.Properties.PolicyDocument.Statement);
    expect(JSON.stringify(statements)).not.toContain('ecs:ExecuteCommand');
    expect(JSON.stringify(statements)).not.toContain('ssm:StartSession');
    expect(Object.keys(template.Outputs)).not.toContain('BastionInstanceId');
    expect(Object.values(template.Resources as Json).map((x: Json) => x.Type)).not.toContain(
      'AWS::EC2::Instance',
    );
  });
});
