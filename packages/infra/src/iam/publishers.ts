import { resourcesOfType, type Template } from '../rules/rule';
import type { RequestContext } from './evaluate';
import type { TokenResolver } from './tokens';

/** A service that delivers into a topic or queue of the template, and what its request looks like. */
export interface Delivery {
  /** Logical ID of the AWS::SNS::Topic or AWS::SQS::Queue. */
  readonly target: string;
  readonly targetType: 'AWS::SNS::Topic' | 'AWS::SQS::Queue';
  /** ARN of the topic or queue. */
  readonly resource: string;
  readonly action: 'sns:Publish' | 'sqs:SendMessage';
  /** The service principal that calls: cloudwatch.amazonaws.com, events.amazonaws.com, ses.amazonaws.com, sns… */
  readonly service: string;
  /** What the service sends: aws:SourceArn (the alarm, rule, configuration set or topic), aws:SourceAccount. */
  readonly context: RequestContext;
  /** The same request made on behalf of another account's resource: a policy must refuse it (confused deputy). */
  readonly foreign: RequestContext;
  readonly why: string;
}

const FOREIGN_ACCOUNT = '999999999999';

const refId = (v: unknown): string | undefined => {
  const ref = (v as { Ref?: unknown } | undefined)?.Ref;
  if (typeof ref === 'string') return ref;
  const att = (v as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
  return att?.[0];
};

/**
 * Every delivery into a topic or queue of the template: CloudWatch alarm actions, EventBridge rule targets, SES
 * configuration set event destinations (into topics) and SNS subscriptions and EventBridge targets (into queues).
 * Each carries the source condition keys the service sends, as AWS documents for each:
 * https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html (CloudWatch alarms, SES, aws:SourceArn),
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html (EventBridge → SNS and SQS),
 * https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html (SNS → SQS, aws:SourceArn).
 */
export function deliveriesOf(
  template: Template,
  tokens: TokenResolver,
  placement: { account: string; region: string },
): Delivery[] {
  const out: Delivery[] = [];
  const typeOf = (id: string | undefined) => (id ? template.Resources?.[id]?.Type : undefined);
  const foreignOf = (c: RequestContext): RequestContext =>
    Object.fromEntries(
      Object.entries(c).map(([k, v]) => [
        k,
        typeof v === 'string' ? v.split(placement.account).join(FOREIGN_ACCOUNT) : v,
      ]),
    );
  const add = (
    target: string | undefined,
    service: string,
    sourceArn: string,
    why: string,
    withAccount: boolean,
  ) => {
    const type = typeOf(target);
    if (!target || (type !== 'AWS::SNS::Topic' && type !== 'AWS::SQS::Queue')) return;
    const context: RequestContext = {
      'aws:SourceArn': sourceArn,
      ...(withAccount ? { 'aws:SourceAccount': placement.account } : {}),
      'aws:SecureTransport': true,
    };
    out.push({
      target,
      targetType: type,
      resource: tokens.value(
        type === 'AWS::SNS::Topic' ? { Ref: target } : { 'Fn::GetAtt': [target, 'Arn'] },
      ),
      action: type === 'AWS::SNS::Topic' ? 'sns:Publish' : 'sqs:SendMessage',
      service,
      context,
      foreign: foreignOf(context),
      why,
    });
  };

  for (const [id, alarm] of resourcesOfType(template, 'AWS::CloudWatch::Alarm')) {
    const arn = tokens.value({ 'Fn::GetAtt': [id, 'Arn'] });
    for (const key of ['AlarmActions', 'OKActions', 'InsufficientDataActions'])
      for (const action of (alarm.Properties?.[key] ?? []) as unknown[])
        add(refId(action), 'cloudwatch.amazonaws.com', arn, `alarm ${id} notifies (${key})`, true);
  }
  for (const [id, rule] of resourcesOfType(template, 'AWS::Events::Rule')) {
    const arn = tokens.value({ 'Fn::GetAtt': [id, 'Arn'] });
    for (const t of (rule.Properties?.Targets ?? []) as { Arn: unknown }[])
      add(refId(t.Arn), 'events.amazonaws.com', arn, `EventBridge rule ${id} delivers to its target`, false);
  }
  for (const [id, d] of resourcesOfType(template, 'AWS::SES::ConfigurationSetEventDestination')) {
    const dest = d.Properties?.EventDestination as { SnsDestination?: { TopicARN: unknown } } | undefined;
    if (!dest?.SnsDestination) continue;
    const set = tokens.value(d.Properties?.ConfigurationSetName);
    const arn = `arn:aws:ses:${placement.region}:${placement.account}:configuration-set/${set}`;
    add(
      refId(dest.SnsDestination.TopicARN),
      'ses.amazonaws.com',
      arn,
      `SES event destination ${id} publishes`,
      true,
    );
  }
  for (const [id, s] of resourcesOfType(template, 'AWS::SNS::Subscription')) {
    if (s.Properties?.Protocol !== 'sqs') continue;
    const topic = tokens.value(s.Properties?.TopicArn);
    add(
      refId(s.Properties?.Endpoint),
      'sns.amazonaws.com',
      topic,
      `subscription ${id} delivers the topic`,
      false,
    );
  }
  return out;
}
