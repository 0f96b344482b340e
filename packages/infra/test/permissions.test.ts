import { beforeAll, describe, expect, it } from 'vitest';
import { resolve, type ResolvedApp } from '@berthjs/config';
import oky from '../../../examples/seeds/oky/berth.config';
import { PermissionsProven, type Template } from '../src/rules/index';
import { talentResolved, templateOf } from './support';

type Statement = { Action: string | string[]; Resource?: unknown; Condition?: unknown; Sid?: string };
type Mutable = {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
};

const talent = talentResolved('prod');
const okyProd: ResolvedApp = resolve(oky, 'prod');
let talentTemplate: Template;
let okyTemplate: Template;

beforeAll(() => {
  talentTemplate = templateOf(talent).toJSON() as Template;
  okyTemplate = templateOf(okyProd).toJSON() as Template;
});

/** The template with every statement granting `action` removed from the policies of roles whose id starts with `rolePrefix`. */
function without(template: Template, rolePrefix: string, action: string): Template {
  const t = structuredClone(template) as unknown as Mutable;
  for (const r of Object.values(t.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    const roles = (r.Properties.Roles as { Ref: string }[]).map((x) => x.Ref);
    if (!roles.some((id) => id.startsWith(rolePrefix))) continue;
    const doc = r.Properties.PolicyDocument as { Statement: Statement[] };
    doc.Statement = doc.Statement.flatMap((s) => {
      const actions = [s.Action].flat().filter((a) => a !== action);
      return actions.length ? [{ ...s, Action: actions }] : [];
    });
  }
  return t as unknown as Template;
}

const messages = (template: Template, resolved: ResolvedApp) =>
  PermissionsProven.check({ template, resolved }).map((v) => `${v.resource} | ${v.message}`);

describe('PermissionsProven: service task role', () => {
  it('passes talent prod: 0 missing permissions', () => expect(messages(talentTemplate, talent)).toEqual([]));
  it('fails the old shape: the task role cannot re-read the rotated database secret', () => {
    const found = messages(
      without(talentTemplate, 'ServiceApiTaskRole', 'secretsmanager:GetSecretValue'),
      talent,
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^ServiceApiTaskRole\w+ \| task role of api may not secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:222222222222:secret:\S+ \(the runtime re-reads DATABASE_SECRET_ARN after an authentication failure \(rotation\)\): no statement allows/,
    );
  });
  it('grants the secret re-read on the database secret only', () => {
    const t = talentTemplate as unknown as Mutable;
    const policy = Object.values(t.Resources).find(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        (r.Properties.Roles as { Ref: string }[]).some((x) => x.Ref.startsWith('ServiceApiTaskRole')),
    )!;
    const grants = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.filter((s) =>
      [s.Action].flat().some((a) => a.startsWith('secretsmanager:')),
    );
    expect(grants).toEqual([
      {
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: { Ref: expect.stringMatching(/^DatabaseClusterSecretAttachment/) },
      },
    ]);
  });
  it('names a bucket action and the mail send the runtime would be refused', () => {
    const t = without(
      without(talentTemplate, 'ServiceApiTaskRole', 's3:PutObject'),
      'ServiceApiTaskRole',
      'ses:SendEmail',
    );
    const found = messages(t, talent);
    expect(
      found.some((m) =>
        /may not s3:PutObject on arn:aws:s3:::\S+\/berth-probe\/key \(storage presigned uploads to BUCKET_RESUMES\)/.test(
          m,
        ),
      ),
    ).toBe(true);
    expect(found.filter((m) => m.includes('may not ses:SendEmail'))).toHaveLength(2);
  });
});

describe('PermissionsProven: the mail-events drain', () => {
  it('fails naming the role, the call and the queue when a drain action is not granted', () => {
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage']) {
      const found = messages(without(talentTemplate, 'ServiceApiTaskRole', action), talent);
      expect(found, action).toHaveLength(1);
      expect(found[0]).toMatch(
        new RegExp(
          `^ServiceApiTaskRole\\w+ \\| task role of api may not ${action} on arn:aws:sqs:us-east-1:222222222222:talent-prod-mail-events \\(the runtime drains MAIL_EVENTS_QUEUE_URL into the suppression list\\): no statement allows`,
        ),
      );
    }
  });
  it('fails when the grant names another queue', () => {
    const t = structuredClone(talentTemplate) as unknown as Mutable;
    for (const r of Object.values(t.Resources)) {
      if (r.Type !== 'AWS::IAM::Policy') continue;
      for (const s of (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
        if ([s.Action].flat().includes('sqs:ReceiveMessage'))
          s.Resource = 'arn:aws:sqs:us-east-1:222222222222:other';
    }
    const found = messages(t as unknown as Template, talent);
    expect(found.filter((m) => m.includes('may not sqs:'))).toHaveLength(2);
  });
  it('grants exactly Receive and Delete on exactly the events queue', () => {
    const t = talentTemplate as unknown as Mutable;
    const grants = Object.values(t.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => JSON.stringify(s.Resource).includes('MailEventsQueue'));
    expect(grants).toEqual([
      {
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^MailEventsQueue/), 'Arn'] },
      },
    ]);
  });
});

describe('PermissionsProven: execution role', () => {
  it('fails when the execution role cannot write its log or read an injected secret', () => {
    const found = messages(
      without(
        without(talentTemplate, 'ServiceApiExecutionRole', 'logs:PutLogEvents'),
        'ServiceApiExecutionRole',
        'secretsmanager:GetSecretValue',
      ),
      talent,
    );
    expect(
      found.some((m) =>
        /execution role of api may not logs:PutLogEvents on arn:aws:logs:us-east-1:222222222222:log-group:/.test(
          m,
        ),
      ),
    ).toBe(true);
    expect(
      found.some((m) =>
        /execution role of api may not secretsmanager:GetSecretValue on .* \(ECS injects DATABASE_SECRET\)/.test(
          m,
        ),
      ),
    ).toBe(true);
    // CACHE_URL and CACHE_AUTH_TOKEN are two keys of one secret (the cache connection): one finding names it.
    expect(found.some((m) => /\(ECS injects CACHE_(URL|AUTH_TOKEN)\)/.test(m))).toBe(true);
  });
  it('fails when the execution role cannot pull the image', () => {
    const found = messages(without(talentTemplate, 'ServiceApiExecutionRole', 'ecr:BatchGetImage'), talent);
    expect(found).toEqual([
      expect.stringMatching(
        /execution role of api may not ecr:BatchGetImage on arn:aws:ecr:us-east-1:222222222222:repository\/talent\/api \(ECS pulls the image\)/,
      ),
    ]);
  });
});

describe('PermissionsProven: scheduler role', () => {
  it('fails when the scheduler may not pass the task role or run the job', () => {
    const found = messages(
      without(
        without(talentTemplate, 'JobsSchedulerRole', 'iam:PassRole'),
        'JobsSchedulerRole',
        'ecs:RunTask',
      ),
      talent,
    );
    expect(found.filter((m) => m.includes('scheduler role may not iam:PassRole'))).toHaveLength(4);
    expect(found.filter((m) => m.includes('scheduler role may not ecs:RunTask'))).toHaveLength(2);
  });
  it('fails when RunTask is allowed in another cluster only', () => {
    const t = structuredClone(talentTemplate) as unknown as Mutable;
    for (const r of Object.values(t.Resources))
      if (r.Type === 'AWS::IAM::Policy')
        for (const s of (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
          if (s.Action === 'ecs:RunTask')
            s.Condition = {
              ArnEquals: { 'ecs:cluster': 'arn:aws:ecs:us-east-1:222222222222:cluster/other' },
            };
    expect(
      messages(t as unknown as Template, talent).filter((m) => m.includes('may not ecs:RunTask')),
    ).toHaveLength(2);
  });
});

describe('PermissionsProven: deployer', () => {
  it('passes oky prod: 0 missing permissions for its two services and the deployer', () =>
    expect(messages(okyTemplate, okyProd)).toEqual([]));
  it('fails the old shape: no DescribeStackResources, ListTaskDefinitions, ListTasks, DescribeRepositories', () => {
    let t = okyTemplate;
    for (const a of [
      'cloudformation:DescribeStackResources',
      'ecs:ListTaskDefinitions',
      'ecs:ListTasks',
      'ecr:DescribeRepositories',
      'ecr:DescribeImages',
    ])
      t = without(t, 'DeployerRole', a);
    const found = messages(t, okyProd).map((m) => m.replace(/ on .*/, ''));
    expect(found).toEqual([
      expect.stringMatching(/^DeployerRole\w+ \| deployer may not cloudformation:DescribeStackResources$/),
      expect.stringMatching(/deployer may not ecr:DescribeRepositories$/),
      expect.stringMatching(/deployer may not ecr:DescribeImages$/),
      expect.stringMatching(/deployer may not ecr:DescribeRepositories$/),
      expect.stringMatching(/deployer may not ecr:DescribeImages$/),
      expect.stringMatching(/deployer may not ecs:ListTaskDefinitions$/),
      expect.stringMatching(/deployer may not ecs:ListTasks$/),
    ]);
  });
  it('fails when the deployer may not pass a role of a task it runs', () => {
    const found = messages(without(okyTemplate, 'DeployerRole', 'iam:PassRole'), okyProd);
    expect(found.filter((m) => m.includes('deployer may not iam:PassRole'))).toHaveLength(4);
  });
});
