import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, resolve, type AppConfig, type ResolvedApp } from '@berthjs/config';
import talent from '../../../examples/talent/berth.config';
import { runChecks, type CheckReport } from '../src/index';
import { PermissionsProven, PermissionsScoped, type Template } from '../src/rules/index';
import { configAcknowledgementFor } from '../src/acknowledgements';
import { templateOf } from './support';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

const TABLE = 'arn:aws:dynamodb:us-east-1:222222222222:table/connect-documents';
const REASON = 'The legacy exporter lists every queue of the account while the move is under way.';
const base = talent as AppConfig;

/**
 * Talent moving in: its database restored from a shared snapshot, its résumés bucket and VPC exist already, and the
 * api reads the old system's DynamoDB table.
 */
const config: AppConfig = {
  ...base,
  services: {
    api: {
      ...base.services.api,
      permissions: [
        {
          actions: ['dynamodb:GetItem', 'dynamodb:Query'],
          resources: [TABLE, `${TABLE}/index/*`],
          conditions: { StringEquals: { 'aws:ResourceAccount': '222222222222' } },
        },
      ],
    },
  },
  jobs: {
    ...base.jobs,
    'send-reminders': {
      ...base.jobs!['send-reminders']!,
      permissions: [{ actions: ['sqs:ListQueues'], resources: ['*'] }],
    },
  },
  database: {
    ...base.database,
    snapshot: {
      arn: 'arn:aws:rds:us-east-1:333333333333:cluster-snapshot:connect-final',
      kmsKey: 'arn:aws:kms:us-east-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      username: 'connect',
    },
  },
  buckets: { resumes: { existing: 'connect-documents-prod' } },
  network: {
    existing: {
      vpcId: 'vpc-0abc1234def567890',
      cidr: '10.20.0.0/16',
      publicSubnetIds: ['subnet-0aaa1111aaaa1111a', 'subnet-0aaa2222aaaa2222a', 'subnet-0aaa3333aaaa3333a'],
      privateSubnetIds: ['subnet-0bbb1111bbbb1111b', 'subnet-0bbb2222bbbb2222b', 'subnet-0bbb3333bbbb3333b'],
      dataSubnetIds: ['subnet-0ccc1111cccc1111c', 'subnet-0ccc2222cccc2222c', 'subnet-0ccc3333cccc3333c'],
    },
  },
  acknowledgements: [
    { rule: 'Berth-PermissionsScoped', resource: 'jobs.send-reminders.permissions.0', reason: REASON },
    {
      rule: `AwsSolutions-IAM5[Resource::${TABLE}/index/*]`,
      reason:
        'The api queries every index of the documents table; the index names change with the old system.',
    },
  ],
};

let resolved: ResolvedApp;
let template: Template & { Resources: Resources };
beforeAll(() => {
  resolved = resolve(config, 'prod');
  template = templateOf(resolved).toJSON() as Template & { Resources: Resources };
});

const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

describe('permissions', () => {
  it('puts the DynamoDB grant (and the job’s) on the task role, proven by Berth-PermissionsProven', () => {
    const statements = ofType('AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('ServiceApiTaskRole') || id.includes('ApiTaskRole'))
      .flatMap(
        ([, p]) =>
          (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
      );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Resource: [TABLE, `${TABLE}/index/*`],
        Condition: { StringEquals: { 'aws:ResourceAccount': '222222222222' } },
      }),
    );
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'sqs:ListQueues', Resource: '*' }));
    expect(PermissionsProven.check({ template, resolved })).toEqual([]);
    // The modelled calls include them: without the statement, the rule names the missing call.
    const stripped = structuredClone(template) as unknown as { Resources: Resources };
    for (const r of Object.values(stripped.Resources))
      if (r.Type === 'AWS::IAM::Policy') {
        const doc = r.Properties.PolicyDocument as { Statement: { Action: unknown }[] };
        doc.Statement = doc.Statement.filter(
          (s) => JSON.stringify(s.Action) !== '["dynamodb:GetItem","dynamodb:Query"]',
        );
      }
    const found = PermissionsProven.check({ template: stripped as unknown as Template, resolved });
    expect(found.map((f) => f.message)).toContainEqual(
      expect.stringMatching(/may not dynamodb:GetItem on .*connect-documents/),
    );
  });

  it("refuses '*' actions and '*' resources on data actions unless acknowledged with a reason", () => {
    const wild = resolve(
      {
        ...config,
        services: {
          api: { ...base.services.api, permissions: [{ actions: ['dynamodb:*'], resources: ['*'] }] },
        },
      },
      'prod',
    );
    const found = PermissionsScoped.check({ template, resolved: wild });
    expect(found.map((f) => f.resource)).toEqual([
      'services.api.permissions.0',
      'services.api.permissions.0',
      'jobs.send-reminders.permissions.0',
    ]);
    const finding = (f: { resource: string }) => ({ rule: PermissionsScoped.id, resource: f.resource });
    expect(found.map((f) => configAcknowledgementFor(finding(f), wild)?.reason)).toEqual([
      undefined,
      undefined,
      REASON,
    ]);
  });

  it('refuses bad action syntax at resolve, naming the path, the value and what is allowed', () => {
    const bad = () =>
      resolve(
        {
          ...config,
          services: {
            api: {
              ...base.services.api,
              permissions: [{ actions: ['dynamodb GetItem'], resources: [TABLE] }],
            },
          },
        },
        'prod',
      );
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (err) {
      expect((err as ConfigError).issues).toEqual([
        {
          path: 'services.api.permissions.0.actions.0',
          message: expect.stringMatching(/got "dynamodb GetItem"; an IAM action is 'service:Action'/),
        },
      ]);
    }
  });
});

describe('existing bucket and VPC', () => {
  it('creates no bucket, VPC, subnet or NAT, and grants on the existing bucket by name', () => {
    expect(ofType('AWS::S3::Bucket').map(([id]) => id)).not.toContain('BucketResumes');
    for (const type of [
      'AWS::EC2::VPC',
      'AWS::EC2::Subnet',
      'AWS::EC2::NatGateway',
      'AWS::EC2::InternetGateway',
    ])
      expect(ofType(type)).toEqual([]);
    expect(JSON.stringify(template).includes(':s3:::connect-documents-prod/*')).toBe(true);
    const services = ofType('AWS::ECS::Service');
    expect(JSON.stringify(services)).toContain('subnet-0bbb1111bbbb1111b');
    const db = ofType('AWS::RDS::DBSubnetGroup');
    expect(JSON.stringify(db)).toContain('subnet-0ccc1111cccc1111c');
    // Security-group rules as for Berth's own VPC: the database admits the service's group.
    expect(ofType('AWS::EC2::SecurityGroupIngress').length).toBeGreaterThan(0);
    expect(PermissionsProven.check({ template, resolved })).toEqual([]);
  });

  it('refuses bucket settings CloudFormation cannot apply to a bucket it does not own', () => {
    expect(() =>
      resolve(
        { ...config, buckets: { resumes: { existing: 'connect-documents-prod', versioned: true } } },
        'prod',
      ),
    ).toThrow(/buckets\.resumes\.versioned/);
  });
});

describe('berth check --env prod on the moved-in config', () => {
  let report: CheckReport;
  beforeAll(() => {
    report = runChecks(resolved);
  }, 300_000);
  it('passes: no unacknowledged error', () => {
    expect(
      report.findings
        .filter((f) => !f.acknowledged && f.severity === 'error')
        .map((f) => `${f.rule} ${f.resource}: ${f.message}`),
    ).toEqual([]);
    expect(report.errors).toBe(0);
    expect(report.cfnLint).toMatchObject({ ran: true });
    expect(report.guard).toEqual({ ran: true });
  });
});
