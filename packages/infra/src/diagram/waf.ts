import { refId, resourcesOfType, str, type StackTemplate } from '../cost/template';
import type { DiagramEdge, DiagramNode } from './model';

/**
 * The web ACLs of a stage, drawn in front of what they protect: a REGIONAL ACL in front of the load balancer its
 * `AWS::WAFv2::WebACLAssociation` names, a CLOUDFRONT ACL (in the us-east-1 certificate stack) in front of the
 * distribution whose `WebACLId` refers to it (directly, or through the cross-region export that names its logical ID).
 * Every edge that reached the protected node now reaches the ACL, and the ACL reaches the node.
 */
export function drawWafs(stacks: readonly StackTemplate[], nodes: DiagramNode[], edges: DiagramEdge[]): void {
  const protectedBy = new Map<string, string>(); // protected node id → ACL node id
  for (const stack of stacks) {
    const id = (logicalId: string) => `${stack.stackName}/${logicalId}`;
    for (const [lid, r] of resourcesOfType(stack.template, 'AWS::WAFv2::WebACL')) {
      const p = (r.Properties ?? {}) as Record<string, unknown>;
      const rules = Array.isArray(p.Rules) ? p.Rules.length : 0;
      nodes.push({
        id: id(lid),
        kind: 'waf',
        label: `AWS WAF web ACL\n${rules} rule${rules === 1 ? '' : 's'}`,
        stack: stack.stackName,
      });
      if (str(p.Scope) === 'CLOUDFRONT') {
        for (const other of stacks)
          for (const [did, d] of resourcesOfType(other.template, 'AWS::CloudFront::Distribution')) {
            const config = ((d.Properties ?? {}) as { DistributionConfig?: { WebACLId?: unknown } })
              .DistributionConfig;
            if (config?.WebACLId !== undefined && JSON.stringify(config.WebACLId).includes(lid))
              protectedBy.set(`${other.stackName}/${did}`, id(lid));
          }
      }
    }
    for (const [, r] of resourcesOfType(stack.template, 'AWS::WAFv2::WebACLAssociation')) {
      const p = (r.Properties ?? {}) as Record<string, unknown>;
      const target = refId(p.ResourceArn);
      const acl = refId(p.WebACLArn);
      if (target && acl) protectedBy.set(id(target), id(acl));
    }
  }
  for (const [target, acl] of protectedBy) {
    if (!nodes.some((n) => n.id === target)) continue;
    for (let i = 0; i < edges.length; i++) {
      const e = edges[i]!;
      if (e.to === target && e.from !== acl) edges[i] = { ...e, to: acl };
    }
    edges.push({ from: acl, to: target });
  }
}
