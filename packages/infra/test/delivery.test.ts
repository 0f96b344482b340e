import { beforeAll, describe, expect, it } from 'vitest';
import { DeliveryProven, type Template } from '../src/rules/index';
import { talentResolved, templateOf } from './support';

type Statement = { Sid?: string; Effect: string; Principal?: unknown; Action: unknown; Condition?: unknown };
type Mutable = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

const prod = talentResolved('prod');
let compliant: Template;

beforeAll(() => {
  compliant = templateOf(prod).toJSON() as Template;
});

/** Edits the statements of every policy resource of `type` whose logical id starts with `prefix`. */
function editPolicies(
  prefix: string,
  type: string,
  edit: (s: Statement[]) => Statement[],
  base: Template = compliant,
): Template {
  const t = structuredClone(base) as unknown as Mutable;
  for (const [id, r] of Object.entries(t.Resources)) {
    if (r.Type !== type || !id.startsWith(prefix)) continue;
    const doc = r.Properties.PolicyDocument as { Statement: Statement[] };
    doc.Statement = edit(doc.Statement);
  }
  return t as unknown as Template;
}

const check = (t: Template) =>
  DeliveryProven.check({ template: t, resolved: prod }).map((v) => `${v.resource} | ${v.message}`);

describe('DeliveryProven', () => {
  it('passes talent prod: alarms, the job-failed rule, SES events and the events queue all deliver', () =>
    expect(check(compliant)).toEqual([]));

  it('fails the old alarm topic: deny-non-TLS only and an unconditioned EventBridge allow', () => {
    const old = editPolicies('ObservabilityAlarmsPolicy', 'AWS::SNS::TopicPolicy', (s) => [
      s.find((x) => x.Sid === 'AllowPublishThroughSSLOnly')!,
      {
        Sid: '1',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: 'ObservabilityAlarms72EB291A' },
      } as Statement,
    ]);
    const found = check(old);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(
      /^ObservabilityAlarms\w+ \| cloudwatch\.amazonaws\.com may not sns:Publish to it: no statement allows sns:Publish on arn:aws:sns:us-east-1:222222222222:\S+ \(alarm \w+ notifies \(AlarmActions\); .* more\)$/,
    );
    expect(found[1]).toMatch(
      /events\.amazonaws\.com may sns:Publish to it on behalf of any account: the allow needs an aws:SourceArn or aws:SourceAccount condition \(EventBridge rule ObservabilityJobFailed\w+ delivers to its target\)/,
    );
  });

  it('refuses a CloudWatch allow scoped to another account', () => {
    const t = editPolicies('ObservabilityAlarmsPolicy', 'AWS::SNS::TopicPolicy', (s) =>
      s.map((x) =>
        x.Sid === 'CloudWatchAlarms'
          ? { ...x, Condition: { StringEquals: { 'aws:SourceAccount': '333333333333' } } }
          : x,
      ),
    );
    expect(check(t)).toEqual([expect.stringMatching(/cloudwatch\.amazonaws\.com may not sns:Publish to it/)]);
  });

  it('fails an SES events topic that does not admit SES, and a queue that does not admit its topic', () => {
    const denyOnly = (s: Statement[]) => s.filter((x) => x.Effect === 'Deny');
    const topicOnly = editPolicies('MailEventsPolicy', 'AWS::SNS::TopicPolicy', denyOnly);
    const t = editPolicies('MailEventsQueuePolicy', 'AWS::SQS::QueuePolicy', denyOnly, topicOnly);
    const found = check(t);
    expect(found).toEqual([
      expect.stringMatching(
        /^MailEvents\w+ \| ses\.amazonaws\.com may not sns:Publish to it: .*\(SES event destination \w+ publishes\)$/,
      ),
      expect.stringMatching(
        /^MailEventsQueue\w+ \| sns\.amazonaws\.com may not sqs:SendMessage to it: .*\(subscription \w+ delivers the topic\)$/,
      ),
    ]);
  });
});
