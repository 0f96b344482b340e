import { Construct } from 'constructs';
import { ArnFormat, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { pascal } from '@berthjs/config';

export interface PartnerEventsProps {
  /** `<app>-<stage>`: names the log groups and the resource policy. */
  readonly name: string;
  /** Partner event source names (`aws.partner/<provider>/…`). */
  readonly sources: readonly string[];
  /** Days the log groups keep events (the environment's logRetentionDays). */
  readonly retentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/** `aws.partner/auth0.com/tekalo-prod-0123/auth0.logs` → `auth0`: the provider's name without its top-level domain. */
export function partnerProvider(source: string): string {
  const host = source.split('/')[1] ?? 'partner';
  const labels = host.split('.');
  return (labels.length > 1 ? labels.slice(0, -1).join('-') : host).toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

/**
 * For each partner event source (a SaaS provider publishing into the account, such as Auth0's log stream): its
 * partner event bus (named as the source, which EventBridge requires), a rule matching everything the source sends,
 * and a log group `/aws/events/<app>-<stage>-<provider>` with the environment's retention that the rule writes to.
 * One CloudWatch Logs resource policy lets EventBridge write to those log groups, from these rules only
 * (aws:SourceArn), as https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-cloudwatchlogs-permissions
 * describes.
 *
 * The source must exist before the deploy: the provider creates it in the account (pending) when the team sets up
 * the integration on the provider's side; the bus associates it. CloudWatch Logs allows 10 resource policies per
 * account and region: this is one.
 *
 * Cost: EventBridge partner events $1.00 per million; CloudWatch Logs $0.50/GB ingested, $0.03/GB-month stored.
 */
export class PartnerEvents extends Construct {
  readonly buses: readonly events.EventBus[];
  readonly logGroups: readonly logs.LogGroup[];

  constructor(scope: Construct, id: string, props: PartnerEventsProps) {
    super(scope, id);
    const buses: events.EventBus[] = [];
    const groups: logs.LogGroup[] = [];
    const rules: events.Rule[] = [];
    const seen = new Map<string, number>();
    props.sources.forEach((source) => {
      const provider = partnerProvider(source);
      const n = (seen.get(provider) ?? 0) + 1;
      seen.set(provider, n);
      const key = n === 1 ? provider : `${provider}-${n}`;
      const bus = new events.EventBus(this, `${pascal(key)}Bus`, { eventSourceName: source });
      const group = new logs.LogGroup(this, `${pascal(key)}Logs`, {
        // EventBridge writes to log groups under /aws/events/.
        logGroupName: `/aws/events/${props.name}-${key}`,
        retention: props.retentionDays as logs.RetentionDays,
        removalPolicy: props.removalPolicy,
      });
      const rule = new events.Rule(this, `${pascal(key)}Rule`, {
        eventBus: bus,
        description: `${props.name}: every event of ${source} into ${group.logGroupName}`,
        eventPattern: { source: [source] },
      });
      // The log group's ARN as EventBridge targets it (no trailing `:*`).
      const target = Stack.of(this).formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: group.logGroupName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      rule.addTarget({ bind: () => ({ arn: target }) });
      buses.push(bus);
      groups.push(group);
      rules.push(rule);
    });
    if (groups.length) {
      new logs.CfnResourcePolicy(this, 'WriteFromRules', {
        policyName: `${props.name}-partner-events`,
        policyDocument: Stack.of(this).toJsonString(
          new iam.PolicyDocument({
            statements: [
              new iam.PolicyStatement({
                sid: 'PartnerEventRules',
                principals: [
                  new iam.ServicePrincipal('events.amazonaws.com'),
                  new iam.ServicePrincipal('delivery.logs.amazonaws.com'),
                ],
                actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                resources: groups.map((g) => g.logGroupArn),
                conditions: { ArnEquals: { 'aws:SourceArn': rules.map((r) => r.ruleArn) } },
              }),
            ],
          }).toJSON(),
        ),
      });
    }
    this.buses = buses;
    this.logGroups = groups;
  }
}
