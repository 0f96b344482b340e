import { isAllowed } from '../iam/evaluate';
import { resourcePolicies } from '../iam/policies';
import { deliveriesOf } from '../iam/publishers';
import { TokenResolver } from '../iam/tokens';
import type { BerthRule } from './rule';

/**
 * Every notification can be delivered, and only by its own source: each CloudWatch alarm action, EventBridge
 * target, SES event destination and SNS → SQS subscription is evaluated against the topic or queue policy it lands
 * in. A topic policy replaces SNS's default one, so a topic with a policy must allow each publisher itself; a queue
 * admits a service only through its policy. The same request on behalf of another account's alarm, rule or topic
 * must be refused (aws:SourceArn/aws:SourceAccount conditions), or any account could publish through the service.
 * A topic with no policy keeps SNS's default (same-account publishers), so nothing is checked for it.
 */
export const DeliveryProven: BerthRule = {
  id: 'Berth-DeliveryProven',
  description: 'Every topic and queue admits the services that deliver into it, and only for this account',
  severity: 'error',
  check(input) {
    const account = input.resolved.account ?? '000000000000';
    const region = input.region ?? input.resolved.region;
    const tokens = new TokenResolver(input.template, { account, region });
    // One finding per topic or queue, publisher and problem, listing the sources it affects.
    const found = new Map<string, { resource: string; message: string; sources: string[] }>();
    const report = (resource: string, message: string, source: string) => {
      const key = `${resource}\n${message}`;
      const entry = found.get(key) ?? { resource, message, sources: [] };
      entry.sources.push(source);
      found.set(key, entry);
    };
    for (const d of deliveriesOf(input.template, tokens, { account, region })) {
      const type = d.targetType === 'AWS::SNS::Topic' ? 'AWS::SNS::TopicPolicy' : 'AWS::SQS::QueuePolicy';
      const policies = resourcePolicies(input.template, type, d.target, tokens);
      if (!policies.length && d.targetType === 'AWS::SNS::Topic') continue;
      const principal = { service: d.service };
      const decision = isAllowed(policies, d.action, d.resource, d.context, principal);
      if (!decision.allowed)
        report(d.target, `${d.service} may not ${d.action} to it: ${decision.reason}`, d.why);
      else if (isAllowed(policies, d.action, d.resource, d.foreign, principal).allowed)
        report(
          d.target,
          `${d.service} may ${d.action} to it on behalf of any account: the allow needs an aws:SourceArn or aws:SourceAccount condition`,
          d.why,
        );
    }
    return [...found.values()].map(({ resource, message, sources }) => ({
      resource,
      message: `${message} (${sources.slice(0, 3).join('; ')}${sources.length > 3 ? `; and ${sources.length - 3} more` : ''})`,
    }));
  },
};
