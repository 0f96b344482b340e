import { beforeAll, describe, expect, it } from 'vitest';
import { resolve } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import type { Template } from 'aws-cdk-lib/assertions';
import { templateOf } from './support';

/** The service names of the template's VPC endpoints, without the region: `ssmmessages`, `ecr.dkr`, `s3`. */
function endpointServices(t: Template): string[] {
  const out: string[] = [];
  for (const r of Object.values(t.findResources('AWS::EC2::VPCEndpoint'))) {
    const name = JSON.stringify((r as { Properties: { ServiceName: unknown } }).Properties.ServiceName);
    const m = /com\.amazonaws\.(?:[a-z0-9-]+|"?,?\{"Ref":"AWS::Region"\},?"?)\.?([a-z0-9.-]+)"/.exec(name);
    out.push(m ? m[1]! : name);
  }
  return out.sort();
}

let devNoNat: Template;
let prodBastion: Template;
beforeAll(() => {
  devNoNat = templateOf(resolve({ ...talent, network: { nat: 'none' } }, 'dev'));
  prodBastion = templateOf(resolve({ ...talent, network: { nat: 'none' }, bastion: {} }, 'prod'));
});

describe("ssmmessages and the bastion's SSM endpoints without NAT", () => {
  it('gives exec-enabled tasks in subnets without NAT an ssmmessages interface endpoint', () => {
    const services = endpointServices(devNoNat);
    expect(services).toContain('ssmmessages');
    expect(services).not.toContain('ec2messages');
    const [, ecs] = Object.entries(devNoNat.findResources('AWS::ECS::Service'))[0]!;
    expect((ecs as { Properties: { EnableExecuteCommand?: boolean } }).Properties.EnableExecuteCommand).toBe(
      true,
    );
  });

  it('synthesizes an SSM-only bastion without NAT, with the ssm, ssmmessages and ec2messages endpoints', () => {
    const services = endpointServices(prodBastion);
    expect(services).toEqual(expect.arrayContaining(['ssm', 'ssmmessages', 'ec2messages']));
    const instances = prodBastion.findResources('AWS::EC2::Instance');
    expect(Object.keys(instances)).toHaveLength(1);
  });
});
