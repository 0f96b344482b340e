import { isAllowed } from '../iam/evaluate';
import { deployerHolder } from '../iam/deployer-calls';
import { holdersOf, type Holder } from '../iam/holders';
import { operatorHolder, operatorPolicies } from '../iam/operator-calls';
import { rolePolicies } from '../iam/policies';
import { TokenResolver } from '../iam/tokens';
import { deployerRoleName, mailEventsQueueName, needsCdnCertificateStack } from '../stack';
import type { BerthRule, RuleInput, RuleViolation } from './rule';

/** Every holder of the template with the calls it makes (see iam/holders.ts and iam/deployer-calls.ts). */
export function holdersOfTemplate(input: RuleInput): { holders: Holder[]; tokens: TokenResolver } {
  const { template } = input;
  const region = input.region ?? input.resolved.region;
  // An environment-agnostic stack has no account: any stand-in works, both sides of each comparison use it.
  const resolved = { ...input.resolved, account: input.resolved.account ?? '000000000000' };
  const tokens = new TokenResolver(template, { account: resolved.account, region });
  const holders = holdersOf({
    template,
    resolved: { ...resolved, region },
    tokens,
    ...(resolved.mail ? { mailEventsQueue: mailEventsQueueName(resolved) } : {}),
  });
  const deployer = deployerHolder({
    template,
    resolved,
    tokens,
    roleName: deployerRoleName(resolved),
    regions: [
      ...new Set([
        resolved.region,
        ...(resolved.standby ? [resolved.standby.region] : []),
        ...(needsCdnCertificateStack(resolved) ? ['us-east-1'] : []),
      ]),
    ],
  });
  if (deployer) holders.push(deployer);
  const operator = operatorHolder({ template, resolved: { ...resolved, region }, tokens });
  if (operator) holders.push(operator);
  return { holders, tokens };
}

/**
 * Every role allows what its holder calls: each call of each holder (service runtime, ECS execution, scheduler,
 * deployer) is evaluated against the role's synthesized policies with IAM's evaluation logic (iam/evaluate.ts).
 * A call that is not allowed fails the check, naming the role, the call, the resource and why it is made.
 */
export const PermissionsProven: BerthRule = {
  id: 'Berth-PermissionsProven',
  description: 'Every role allows each AWS call its holder makes',
  severity: 'error',
  check(input) {
    const out: RuleViolation[] = [];
    const { holders, tokens } = holdersOfTemplate(input);
    for (const holder of holders) {
      const policies =
        holder.kind === 'operator'
          ? operatorPolicies(input.template, holder.role, tokens)
          : rolePolicies(input.template, holder.role, tokens);
      for (const call of holder.calls) {
        const decision = isAllowed(policies, call.action, call.resource, call.context ?? {});
        if (!decision.allowed)
          out.push({
            resource: holder.role,
            message: `${holder.label} may not ${call.action} on ${call.resource} (${call.why}): ${decision.reason}`,
          });
      }
    }
    return out;
  },
};
