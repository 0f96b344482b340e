import { describe, expect, it } from 'vitest';
import { ConfigError, resolve } from '../src/index';
import { app } from './fixtures';

function issues(patch: Record<string, unknown>, stage = 'prod') {
  try {
    resolve(app(patch), stage);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.issues;
  }
}

const VPC = {
  vpcId: 'vpc-0abc1234def567890',
  cidr: '10.20.0.0/16',
  publicSubnetIds: ['subnet-0aaa1111aaaa1111a', 'subnet-0aaa2222aaaa2222a'],
  privateSubnetIds: ['subnet-0bbb1111bbbb1111b', 'subnet-0bbb2222bbbb2222b'],
};

describe('network.existing', () => {
  it('resolves to the VPC by id: AZs from the subnets, no endpoint, data subnets default to the private ones', () => {
    const r = resolve(app({ network: { existing: VPC } }), 'prod');
    expect(r.network).toMatchObject({ azs: 2, cidr: '10.20.0.0/16', endpoints: [], flowLogs: false });
    expect(r.network.existing?.dataSubnetIds).toEqual(VPC.privateSubnetIds);
  });
  it('refuses a subnet count that does not match, and settings of a VPC Berth does not own', () => {
    expect(
      issues({
        network: { existing: { ...VPC, publicSubnetIds: ['subnet-0aaa1111aaaa1111a'] }, nat: 'none' },
      }),
    ).toEqual([
      { path: 'network.existing.publicSubnetIds', message: expect.stringMatching(/one per AZ/) },
      { path: 'network.nat', message: expect.stringMatching(/does not apply with network.existing/) },
    ]);
  });
});

describe('permissions', () => {
  it('resolves a job’s statements onto its service, each with where it was declared', () => {
    const r = resolve(
      app({
        services: {
          api: {
            hosts: ['api'],
            default: true,
            permissions: [
              {
                actions: ['dynamodb:GetItem'],
                resources: ['arn:aws:dynamodb:us-east-1:123456789012:table/t'],
              },
            ],
          },
        },
        jobs: {
          nightly: {
            service: 'api',
            permissions: [
              { actions: ['sqs:SendMessage'], resources: ['arn:aws:sqs:us-east-1:123456789012:q'] },
            ],
          },
        },
      }),
      'prod',
    );
    expect(r.services.api!.permissions.map((p) => p.from)).toEqual([
      'services.api.permissions.0',
      'jobs.nightly.permissions.0',
    ]);
  });
  it('names the path, the value and what is allowed for a bad action, resource or operator', () => {
    const found = issues({
      services: {
        api: {
          hosts: ['api'],
          permissions: [
            {
              actions: ['dynamodb:Get Item'],
              resources: ['table/t'],
              conditions: { 'string-equals': { k: 'v' } },
            },
          ],
        },
      },
    });
    expect(found.map((i) => i.path)).toEqual([
      'services.api.permissions.0.actions.0',
      'services.api.permissions.0.resources.0',
      'services.api.permissions.0.conditions.string-equals',
    ]);
    expect(found[0]!.message).toMatch(/got "dynamodb:Get Item"; an IAM action is 'service:Action'/);
  });
});
