import { resourcesOfType, type Template } from '../rules/rule';
import type { NamedPolicy, PolicyDocument } from './evaluate';
import type { TokenResolver } from './tokens';

const refersTo = (list: unknown, id: string) =>
  Array.isArray(list) && list.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: id }));

/**
 * The identity-based policies of one role in a template, resolved: its inline `Policies`, every `AWS::IAM::Policy`
 * and customer-managed `AWS::IAM::ManagedPolicy` attached to it, and managed policies it lists by Ref. AWS-managed
 * policy ARNs are not read (their documents are not in the template), so they grant nothing here: a holder relying
 * on one shows up as missing a permission instead of being assumed allowed.
 */
export function rolePolicies(template: Template, roleId: string, tokens: TokenResolver): NamedPolicy[] {
  const out: NamedPolicy[] = [];
  const role = template.Resources?.[roleId];
  if (!role || role.Type !== 'AWS::IAM::Role') return out;
  const inline = (role.Properties?.Policies ?? []) as { PolicyName?: string; PolicyDocument: unknown }[];
  for (const p of inline)
    out.push({
      name: `${roleId}/${p.PolicyName ?? 'inline'}`,
      document: tokens.deep(p.PolicyDocument) as PolicyDocument,
    });
  for (const [id, policy] of resourcesOfType(template, 'AWS::IAM::Policy')) {
    if (refersTo(policy.Properties?.Roles, roleId))
      out.push({ name: id, document: tokens.deep(policy.Properties?.PolicyDocument) as PolicyDocument });
  }
  const managedRefs = ((role.Properties?.ManagedPolicyArns ?? []) as unknown[]).map((a) => JSON.stringify(a));
  for (const [id, policy] of resourcesOfType(template, 'AWS::IAM::ManagedPolicy')) {
    if (refersTo(policy.Properties?.Roles, roleId) || managedRefs.includes(JSON.stringify({ Ref: id })))
      out.push({ name: id, document: tokens.deep(policy.Properties?.PolicyDocument) as PolicyDocument });
  }
  return out;
}

/** The trust policy of a role, resolved. */
export function trustPolicy(template: Template, roleId: string, tokens: TokenResolver): NamedPolicy[] {
  const role = template.Resources?.[roleId];
  const doc = role?.Properties?.AssumeRolePolicyDocument;
  return doc ? [{ name: `${roleId}/trust`, document: tokens.deep(doc) as PolicyDocument }] : [];
}

/** The resource policies a template attaches to one topic or queue (`AWS::SNS::TopicPolicy`, `AWS::SQS::QueuePolicy`). */
export function resourcePolicies(
  template: Template,
  type: 'AWS::SNS::TopicPolicy' | 'AWS::SQS::QueuePolicy',
  targetId: string,
  tokens: TokenResolver,
): NamedPolicy[] {
  const listKey = type === 'AWS::SNS::TopicPolicy' ? 'Topics' : 'Queues';
  return resourcesOfType(template, type)
    .filter(([, p]) => refersTo(p.Properties?.[listKey], targetId))
    .map(([id, p]) => ({ name: id, document: tokens.deep(p.Properties?.PolicyDocument) as PolicyDocument }));
}
