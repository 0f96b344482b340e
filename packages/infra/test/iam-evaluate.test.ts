import { describe, expect, it } from 'vitest';
import { arnMatches, globMatches, isAllowed, TokenResolver, type NamedPolicy } from '../src/iam/index';

const policy = (...Statement: object[]): NamedPolicy[] => [
  { name: 'P', document: { Version: '2012-10-17', Statement: Statement as never } },
];
const BUCKET = 'arn:aws:s3:::resumes';

describe('isAllowed: IAM evaluation logic', () => {
  it('denies implicitly when nothing allows', () => {
    expect(isAllowed(policy(), 's3:GetObject', `${BUCKET}/a`)).toEqual({
      allowed: false,
      reason: `no statement allows s3:GetObject on ${BUCKET}/a`,
    });
  });
  it('allows on a matching Allow and names the statement', () => {
    const d = isAllowed(
      policy({ Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/*` }),
      's3:GetObject',
      `${BUCKET}/a/b`,
    );
    expect(d).toEqual({ allowed: true, reason: 'allowed by P#Read' });
  });
  it('lets an explicit Deny win over an Allow in another document', () => {
    const docs = [
      ...policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' }),
      {
        name: 'Q',
        document: {
          Statement: [{ Effect: 'Deny' as const, Action: 's3:DeleteObject', Resource: `${BUCKET}/*` }],
        },
      },
    ];
    expect(isAllowed(docs, 's3:DeleteObject', `${BUCKET}/k`)).toEqual({
      allowed: false,
      reason: 'explicitly denied by Q#0',
    });
    expect(isAllowed(docs, 's3:GetObject', `${BUCKET}/k`).allowed).toBe(true);
  });
  it('matches actions with wildcards, case-insensitively, and honours NotAction', () => {
    expect(
      isAllowed(
        policy({ Effect: 'Allow', Action: 'SecretsManager:Get*', Resource: '*' }),
        'secretsmanager:GetSecretValue',
        'x',
      ).allowed,
    ).toBe(true);
    expect(
      isAllowed(
        policy({ Effect: 'Allow', Action: 'ecr:Batch?etImage', Resource: '*' }),
        'ecr:BatchGetImage',
        'x',
      ).allowed,
    ).toBe(true);
    expect(
      isAllowed(policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }), 'iam:PassRole', 'x').allowed,
    ).toBe(false);
    expect(
      isAllowed(policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }), 'sqs:SendMessage', 'x')
        .allowed,
    ).toBe(true);
  });
  it('matches resources part by part and honours NotResource', () => {
    const p = policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/*` });
    expect(isAllowed(p, 's3:GetObject', 'arn:aws:s3:::resumes-other/a').allowed).toBe(false);
    expect(isAllowed(p, 's3:GetObject', 'arn:aws:s3:::Resumes/a').allowed).toBe(false);
    expect(
      arnMatches('arn:aws:logs:*:1:log-group:g:*', 'arn:aws:logs:eu-west-2:1:log-group:g:log-stream:s'),
    ).toBe(true);
    expect(arnMatches('arn:aws:sqs:*:2:q', 'arn:aws:sqs:us-east-1:1:q')).toBe(false);
    const n = policy({ Effect: 'Allow', Action: 's3:GetObject', NotResource: `${BUCKET}/private/*` });
    expect(isAllowed(n, 's3:GetObject', `${BUCKET}/private/x`).allowed).toBe(false);
    expect(isAllowed(n, 's3:GetObject', `${BUCKET}/public/x`).allowed).toBe(true);
  });
  it('evaluates the condition operators Berth emits', () => {
    const cluster = 'arn:aws:ecs:us-east-1:1:cluster/c';
    const run = policy({
      Effect: 'Allow',
      Action: 'ecs:RunTask',
      Resource: '*',
      Condition: { ArnEquals: { 'ecs:cluster': cluster } },
    });
    expect(isAllowed(run, 'ecs:RunTask', 'td', { 'ecs:cluster': cluster }).allowed).toBe(true);
    expect(isAllowed(run, 'ecs:RunTask', 'td', { 'ECS:Cluster': cluster }).allowed).toBe(true);
    expect(isAllowed(run, 'ecs:RunTask', 'td', { 'ecs:cluster': `${cluster}2` }).allowed).toBe(false);
    expect(isAllowed(run, 'ecs:RunTask', 'td').allowed).toBe(false);
    const like = policy({
      Effect: 'Allow',
      Action: 'sns:Publish',
      Resource: '*',
      Condition: {
        ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:us-east-1:1:alarm:app-*' },
        StringEquals: { 'aws:SourceAccount': '1' },
      },
    });
    expect(
      isAllowed(like, 'sns:Publish', 't', {
        'aws:SourceArn': 'arn:aws:cloudwatch:us-east-1:1:alarm:app-cpu',
        'aws:SourceAccount': '1',
      }).allowed,
    ).toBe(true);
    expect(
      isAllowed(like, 'sns:Publish', 't', {
        'aws:SourceArn': 'arn:aws:cloudwatch:us-east-1:1:alarm:app-cpu',
        'aws:SourceAccount': '2',
      }).allowed,
    ).toBe(false);
    const sub = policy({
      Effect: 'Allow',
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringLike: { 'h:sub': 'repo:o/r:environment:*' } },
    });
    expect(
      isAllowed(sub, 'sts:AssumeRoleWithWebIdentity', 'role', { 'h:sub': 'repo:o/r:environment:prod' })
        .allowed,
    ).toBe(true);
    expect(
      isAllowed(sub, 'sts:AssumeRoleWithWebIdentity', 'role', { 'h:sub': 'repo:o/r2:environment:prod' })
        .allowed,
    ).toBe(false);
  });
  it('applies a Deny with a negated or Bool condition only when it holds', () => {
    const tls = [
      ...policy({ Effect: 'Allow', Action: 'sns:Publish', Resource: '*' }),
      {
        name: 'TLS',
        document: {
          Statement: [
            {
              Effect: 'Deny' as const,
              Action: 'sns:Publish',
              Resource: '*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      },
    ];
    expect(isAllowed(tls, 'sns:Publish', 't', { 'aws:SecureTransport': true }).allowed).toBe(true);
    expect(isAllowed(tls, 'sns:Publish', 't', { 'aws:SecureTransport': false }).reason).toBe(
      'explicitly denied by TLS#0',
    );
    const notEq = [
      ...policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' }),
      {
        name: 'D',
        document: {
          Statement: [
            {
              Effect: 'Deny' as const,
              Action: 's3:*',
              Resource: '*',
              Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1' } },
            },
          ],
        },
      },
    ];
    // A key absent from the request makes a negated operator hold: the Deny applies.
    expect(isAllowed(notEq, 's3:GetObject', 'x').allowed).toBe(false);
    expect(isAllowed(notEq, 's3:GetObject', 'x', { 'aws:SourceVpce': 'vpce-1' }).allowed).toBe(true);
    const ifExists = policy({
      Effect: 'Allow',
      Action: 's3:*',
      Resource: '*',
      Condition: { StringEqualsIfExists: { 's3:x': 'a' } },
    });
    expect(isAllowed(ifExists, 's3:GetObject', 'x').allowed).toBe(true);
  });
  it('never allows through an operator it does not know, and always denies through one', () => {
    const allow = policy({
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
      Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01' } },
    });
    expect(isAllowed(allow, 's3:GetObject', 'x').allowed).toBe(false);
    const deny = [
      ...policy({ Effect: 'Allow', Action: '*', Resource: '*' }),
      {
        name: 'D',
        document: {
          Statement: [
            {
              Effect: 'Deny' as const,
              Action: '*',
              Resource: '*',
              Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01' } },
            },
          ],
        },
      },
    ];
    expect(isAllowed(deny, 's3:GetObject', 'x').allowed).toBe(false);
  });
  it('matches principals in resource-based policies', () => {
    const topic = policy({
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: 't',
    });
    expect(isAllowed(topic, 'sns:Publish', 't', {}, { service: 'cloudwatch.amazonaws.com' }).allowed).toBe(
      true,
    );
    expect(isAllowed(topic, 'sns:Publish', 't', {}, { service: 'events.amazonaws.com' }).allowed).toBe(false);
    expect(isAllowed(topic, 'sns:Publish', 't').allowed).toBe(false);
  });
  it('globs with * and ? only', () => {
    expect(globMatches('a*b?d', 'aXXbcd')).toBe(true);
    expect(globMatches('a.b', 'aXb')).toBe(false);
    expect(globMatches('a*', '')).toBe(false);
    expect(globMatches('*', '')).toBe(true);
  });
});

describe('TokenResolver', () => {
  const template = {
    Resources: {
      B: { Type: 'AWS::S3::Bucket' },
      S: { Type: 'AWS::SecretsManager::Secret' },
      A: { Type: 'AWS::SecretsManager::SecretTargetAttachment', Properties: { SecretId: { Ref: 'S' } } },
      Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'app-prod-mail-events' } },
    },
  };
  const t = new TokenResolver(template, { account: '1', region: 'eu-west-2' });
  it('resolves a bucket GetAtt Arn and a Join over its Ref to the same ARN', () => {
    const fromArn = t.value({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['B', 'Arn'] }, '/*']] });
    const fromRef = t.value({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'B' }, '/*']],
    });
    expect(fromArn).toBe(fromRef);
  });
  it('resolves an attachment Ref to its secret ARN, Fn::Sub and named queues', () => {
    expect(t.value({ Ref: 'A' })).toBe(t.value({ Ref: 'S' }));
    expect(t.value({ 'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:x' })).toBe(
      'arn:aws:sqs:eu-west-2:1:x',
    );
    expect(t.value({ 'Fn::GetAtt': ['Q', 'Arn'] })).toBe('arn:aws:sqs:eu-west-2:1:app-prod-mail-events');
  });
  it('keeps what it cannot know as a value that only equals itself', () => {
    const v = t.value({ 'Fn::ImportValue': 'other' });
    expect(v).toMatch(/^\{unresolved /);
    expect(v).not.toContain(':');
    expect(t.value({ Ref: 'Missing' })).not.toBe(t.value({ Ref: 'Other' }));
  });
});
