import { describe, expect, it } from 'vitest';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Mail } from '../src/index';
import { addressOf, coversDomain } from '../src/constructs/mail';
import { isolatedStack } from './support';

const mail = {
  domain: 'mail.example.com',
  from: 'Shop <hi@mail.example.com>',
  allowList: null,
  identity: 'create' as const,
  senders: {},
};
const base = { configurationSetName: 'shop-prod', eventsQueueName: 'shop-prod-mail-events' };

function synth(withZone: boolean) {
  const { stack } = isolatedStack();
  const zone = withZone
    ? route53.PublicHostedZone.fromPublicHostedZoneAttributes(stack, 'Zone', {
        hostedZoneId: 'Z123',
        zoneName: 'example.com',
      })
    : undefined;
  const construct = new Mail(stack, 'Mail', { mail, ...base, ...(zone ? { zone } : {}) });
  const role = new iam.Role(stack, 'Task', {
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
  });
  construct.grantSend(role);
  construct.grantDrain(role);
  return Template.fromStack(stack);
}

describe('Mail', () => {
  // GIVEN a domain in a Route 53 zone WHEN synthesized THEN identity, DKIM records, configuration set, events exist
  const template = synth(true);

  it('creates a DKIM-signing domain identity in the configuration set', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'mail.example.com',
      DkimAttributes: { SigningEnabled: true },
      DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: Match.anyValue() } },
    });
    template.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: 'shop-prod' });
  });
  it('writes the three DKIM CNAMEs into the zone', () => {
    template.resourceCountIs('AWS::Route53::RecordSet', 3);
    template.hasResourceProperties('AWS::Route53::RecordSet', { Type: 'CNAME', HostedZoneId: 'Z123' });
  });
  it('sends bounces and complaints to a TLS-only topic subscribed by a queue with a dead-letter queue', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint'],
        SnsDestination: { TopicARN: { Ref: Match.stringLikeRegexp('MailEvents') } },
      }),
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('MailEventsQueue'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'shop-prod-mail-events',
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
      SqsManagedSseEnabled: true,
    });
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
  it('lets the task send only as this identity and configuration set, and drain only this queue', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: 'ses:SendEmail',
            Resource: [
              { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':identity/')])] },
              { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':configuration-set/')])] },
            ],
          },
          Match.objectLike({
            Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('MailEventsQueue'), 'Arn'] },
          }),
        ]),
      },
    });
  });
  it('outputs the DKIM records when the zone is elsewhere', () => {
    const outside = synth(false);
    outside.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(Object.keys(outside.toJSON().Outputs)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^MailDkimRecord1/),
        expect.stringMatching(/^MailDkimRecord3/),
      ]),
    );
  });
  // GIVEN another environment of this account and region owns the identity WHEN imported THEN none is created
  it("sends through an imported identity without creating it or its DKIM records (mail.identity 'import')", () => {
    const { stack } = isolatedStack();
    const construct = new Mail(stack, 'Mail', { mail: { ...mail, identity: 'import' }, ...base });
    const role = new iam.Role(stack, 'Task', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    });
    construct.grantSend(role);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SES::EmailIdentity', 0);
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    t.resourceCountIs('AWS::SES::ConfigurationSet', 1);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'ses:SendEmail',
            Resource: Match.arrayWith([
              {
                'Fn::Join': [
                  '',
                  Match.arrayWith([Match.stringLikeRegexp(':identity/mail\\.example\\.com$')]),
                ],
              },
            ]),
          }),
        ]),
      },
    });
  });
  it('parses addresses and zones', () => {
    expect(addressOf('Shop <Hi@Mail.Example.com>')).toBe('hi@mail.example.com');
    expect(coversDomain('example.com', 'mail.example.com')).toBe(true);
    expect(coversDomain('dev.example.com', 'example.com')).toBe(false);
  });
  it('refuses a domain that is not one', () => {
    const { stack } = isolatedStack();
    expect(() => new Mail(stack, 'Mail', { mail: { ...mail, domain: 'not a domain' }, ...base })).toThrow(
      /Mail: mail domain "not a domain" is not a domain name/,
    );
  });
  it('refuses a from address outside the domain', () => {
    const { stack } = isolatedStack();
    expect(() => new Mail(stack, 'Mail', { mail: { ...mail, from: 'hi@other.org' }, ...base })).toThrow(
      /Mail: from address "hi@other.org" is not at the sending domain "mail.example.com"/,
    );
  });
});
