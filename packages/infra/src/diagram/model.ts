import { serviceOfFamily, type ResolvedApp } from '@berthjs/config';
import {
  num,
  readableId,
  refId,
  referencedIds,
  resourcesOfType,
  str,
  type CfnResource,
  type StackTemplate,
} from '../cost/template';
import { drawWafs } from './waf';

export type NodeKind =
  | 'internet'
  | 'cdn'
  | 'loadBalancer'
  | 'service'
  | 'database'
  | 'cache'
  | 'bucket'
  | 'mail'
  | 'scheduler'
  | 'job'
  | 'bastion'
  | 'alarms'
  | 'nat'
  | 'waf';

export interface DiagramNode {
  readonly id: string;
  readonly kind: NodeKind;
  readonly label: string;
  /** The stack the node belongs to; undefined for the internet. */
  readonly stack?: string;
  /** Declared in the config but not (yet) in the template. */
  readonly missing?: boolean;
}

export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  readonly style?: 'solid' | 'dashed' | 'dotted';
}

export interface DiagramModel {
  readonly title: string;
  readonly stacks: readonly {
    readonly stackName: string;
    readonly region: string;
    readonly standby: boolean;
  }[];
  readonly nodes: readonly DiagramNode[];
  readonly edges: readonly DiagramEdge[];
}

/**
 * Reads the architecture out of synthesized templates, by resource type, so whatever constructs add shows up:
 * CloudFront → load balancer → ECS services → databases, caches, buckets (edges from security-group rules and
 * task-role policies), SES identities, EventBridge schedules (jobs) and the service whose task they run, EC2 instances
 * (bastion), CloudWatch alarms, web ACLs in front of what they protect, and the `-standby` stack as a standby
 * region. With `resolved`, labels use the config's names and jobs the template does not hold yet are drawn dashed,
 * marked "not in the template".
 */
export function diagramModel(stacks: readonly StackTemplate[], resolved?: ResolvedApp): DiagramModel {
  const nodes: DiagramNode[] = [{ id: 'internet', kind: 'internet', label: 'internet' }];
  const edges: DiagramEdge[] = [];
  stacks.forEach((stack) => readStack(stack, isStandby(stack), nodes, edges, resolved));
  drawWafs(stacks, nodes, edges);
  if (resolved) {
    const drawn = new Set(nodes.filter((n) => n.kind === 'job').map((n) => n.label.split('\n')[0]));
    const first =
      (stacks.find((s) => !isStandby(s) && !/-certificate$/.test(s.stackName)) ?? stacks[0])?.stackName ?? '';
    for (const job of Object.values(resolved.jobs)) {
      if (drawn.has(job.name)) continue;
      const id = `${first}/job:${job.name}`;
      nodes.push({
        id,
        kind: 'job',
        label: `${job.name}\n${job.schedule}\n(not in the template)`,
        stack: first,
        missing: true,
      });
      const service = nodes.find(
        (n) => n.kind === 'service' && n.stack === first && n.label.split('\n')[0] === job.service,
      );
      if (service) edges.push({ from: id, to: service.id, label: 'runs as', style: 'dotted' });
    }
  }
  return {
    title: resolved ? `${resolved.app} · ${resolved.stage}` : (stacks[0]?.stackName ?? 'app'),
    stacks: stacks.map((s) => ({ stackName: s.stackName, region: s.region, standby: isStandby(s) })),
    nodes,
    edges,
  };
}

/**
 * The pilot-light standby's stack (`<app>-<stage>-standby`); the us-east-1 certificate stack that a CloudFront
 * distribution needs comes first in the assembly and is no standby.
 */
function isStandby(stack: StackTemplate): boolean {
  return /-standby$/.test(stack.stackName);
}

function readStack(
  stack: StackTemplate,
  standby: boolean,
  nodes: DiagramNode[],
  edges: DiagramEdge[],
  resolved: ResolvedApp | undefined,
): void {
  const t = stack.template;
  const R = t.Resources ?? {};
  const id = (logicalId: string) => `${stack.stackName}/${logicalId}`;
  const props = (r: CfnResource | undefined) => (r?.Properties ?? {}) as Record<string, unknown>;
  const push = (logicalId: string, kind: NodeKind, label: string) =>
    nodes.push({ id: id(logicalId), kind, label, stack: stack.stackName });

  // Security groups → the node that owns them, for edges from SG ingress rules.
  const sgOwner = new Map<string, string>();
  // Task roles and task definitions → the service (or job) running them.
  const roleOwner = new Map<string, string>();
  const taskDefOwner = new Map<string, string>();

  const distributions = resourcesOfType(t, 'AWS::CloudFront::Distribution');
  for (const [lid] of distributions) push(lid, 'cdn', 'CloudFront');
  const lbs = resourcesOfType(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  for (const [lid, r] of lbs) {
    push(
      lid,
      'loadBalancer',
      props(r).Type === 'network' ? 'Network Load Balancer' : 'Application Load Balancer',
    );
    for (const sg of (props(r).SecurityGroups as unknown[] | undefined) ?? []) {
      const sid = refId(sg);
      if (sid) sgOwner.set(sid, id(lid));
    }
    if (!standby || distributions.length === 0) {
      if (distributions.length) for (const [cid] of distributions) edges.push({ from: id(cid), to: id(lid) });
      else edges.push({ from: 'internet', to: id(lid), label: standby ? 'after failover' : '' });
    }
  }
  for (const [cid] of distributions) edges.push({ from: 'internet', to: id(cid) });

  // Host rules per target group, for the ALB → service labels.
  const hostsByTargetGroup = new Map<string, string[]>();
  for (const [, r] of resourcesOfType(t, 'AWS::ElasticLoadBalancingV2::ListenerRule')) {
    const p = props(r);
    const tg = refId(((p.Actions as Record<string, unknown>[] | undefined) ?? [])[0]?.TargetGroupArn);
    const values = ((p.Conditions as Record<string, unknown>[] | undefined) ?? []).flatMap((c) => {
      const cfg = (c.HostHeaderConfig ?? c.PathPatternConfig) as { Values?: unknown[] } | undefined;
      return (cfg?.Values ?? (c.Values as unknown[] | undefined) ?? []).filter(
        (v): v is string => typeof v === 'string',
      );
    });
    if (tg) hostsByTargetGroup.set(tg, [...(hostsByTargetGroup.get(tg) ?? []), ...values]);
  }
  const defaultTargetGroups = new Set(
    resourcesOfType(t, 'AWS::ElasticLoadBalancingV2::Listener').map(([, r]) =>
      refId(((props(r).DefaultActions as Record<string, unknown>[] | undefined) ?? [])[0]?.TargetGroupArn),
    ),
  );

  const scalable = resourcesOfType(t, 'AWS::ApplicationAutoScaling::ScalableTarget');
  for (const [lid, r] of resourcesOfType(t, 'AWS::ECS::Service')) {
    const p = props(r);
    const tdId = refId(p.TaskDefinition);
    const td = props(tdId ? R[tdId] : undefined);
    const family = str(td.Family) ?? readableId(lid);
    const name = (resolved && serviceOfFamily(resolved, family)) ?? family;
    const cpu = num(td.Cpu);
    const memory = num(td.Memory);
    const target = scalable.find(([, s]) => referencedIds(props(s).ResourceId).has(lid));
    const count = target
      ? `${num(props(target[1]).MinCapacity) ?? '?'}–${num(props(target[1]).MaxCapacity) ?? '?'} tasks`
      : `${num(p.DesiredCount) ?? 1} task${num(p.DesiredCount) === 1 ? '' : 's'}`;
    const spot = JSON.stringify(p.CapacityProviderStrategy ?? '').includes('FARGATE_SPOT') ? ', Spot' : '';
    const size =
      cpu !== undefined && memory !== undefined ? `\n${cpu / 1024} vCPU · ${memory / 1024} GB` : '';
    push(lid, 'service', `${name}${size}\n${count}${spot}`);
    if (tdId) taskDefOwner.set(tdId, id(lid));
    const role = refId(td.TaskRoleArn);
    if (role) roleOwner.set(role, id(lid));
    const network = (
      (p.NetworkConfiguration ?? {}) as { AwsvpcConfiguration?: { SecurityGroups?: unknown[] } }
    ).AwsvpcConfiguration;
    for (const sg of network?.SecurityGroups ?? []) {
      const sid = refId(sg);
      if (sid) sgOwner.set(sid, id(lid));
    }
    for (const lb of (p.LoadBalancers as Record<string, unknown>[] | undefined) ?? []) {
      const tg = refId(lb.TargetGroupArn);
      if (!tg) continue;
      const hosts = hostsByTargetGroup.get(tg) ?? [];
      const label = [...hosts, ...(defaultTargetGroups.has(tg) ? ['(default)'] : [])].join('\n');
      for (const [lbId] of lbs) edges.push({ from: id(lbId), to: id(lid), label });
    }
  }

  const dbInstances = resourcesOfType(t, 'AWS::RDS::DBInstance');
  for (const [lid, r] of resourcesOfType(t, 'AWS::RDS::DBCluster')) {
    const p = props(r);
    const members = dbInstances.filter(([, i]) => refId(props(i).DBClusterIdentifier) === lid).length;
    const scaling = p.ServerlessV2ScalingConfiguration as Record<string, unknown> | undefined;
    const size = scaling ? `${num(scaling.MinCapacity)}–${num(scaling.MaxCapacity)} ACU` : '';
    push(
      lid,
      'database',
      `database ${str(p.DatabaseName) ?? resolved?.database?.name ?? ''}\n${str(p.Engine) ?? 'aurora'} ${str(p.EngineVersion) ?? ''}\n${size}${members > 1 ? ` · ${members} instances` : ''}`,
    );
    for (const sg of (p.VpcSecurityGroupIds as unknown[] | undefined) ?? []) {
      const sid = refId(sg);
      if (sid) sgOwner.set(sid, id(lid));
    }
  }
  for (const [lid, r] of dbInstances) {
    const p = props(r);
    if (p.DBClusterIdentifier !== undefined) continue;
    const replica = p.SourceDBInstanceIdentifier !== undefined;
    push(
      lid,
      'database',
      `${replica ? 'read replica' : `database ${str(p.DBName) ?? resolved?.database?.name ?? ''}`}\n${str(p.Engine) ?? 'postgres'} ${str(p.DBInstanceClass) ?? ''}${p.MultiAZ === true ? '\nMulti-AZ' : ''}`,
    );
    if (replica) {
      const source = refId(p.SourceDBInstanceIdentifier);
      if (source) edges.push({ from: id(source), to: id(lid), label: 'replicates', style: 'dashed' });
    }
    for (const sg of (p.VPCSecurityGroups as unknown[] | undefined) ?? []) {
      const sid = refId(sg);
      if (sid) sgOwner.set(sid, id(lid));
    }
  }
  for (const [lid, r] of [
    ...resourcesOfType(t, 'AWS::ElastiCache::ReplicationGroup'),
    ...resourcesOfType(t, 'AWS::ElastiCache::CacheCluster'),
  ]) {
    const p = props(r);
    const nodesCount = num(p.NumCacheClusters) ?? num(p.NumCacheNodes) ?? 1;
    push(lid, 'cache', `cache ${str(p.Engine) ?? 'redis'}\n${str(p.CacheNodeType) ?? ''} × ${nodesCount}`);
    for (const sg of [
      ...((p.SecurityGroupIds as unknown[] | undefined) ?? []),
      ...((p.VpcSecurityGroupIds as unknown[] | undefined) ?? []),
    ]) {
      const sid = refId(sg);
      if (sid) sgOwner.set(sid, id(lid));
    }
  }
  const bucketNames = new Map<string, string>();
  for (const name of Object.keys(resolved?.buckets ?? {}))
    bucketNames.set(
      `Bucket${name
        .split('-')
        .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
        .join('')}`,
      name,
    );
  for (const [lid] of resourcesOfType(t, 'AWS::S3::Bucket')) {
    const name = bucketNames.get(lid) ?? readableId(lid).replace(/^Bucket(?=[A-Z])/, '');
    push(lid, 'bucket', `bucket ${name}`);
  }
  for (const [lid, r] of resourcesOfType(t, 'AWS::SES::EmailIdentity'))
    push(lid, 'mail', `mail (SES)\n${str(props(r).EmailIdentity) ?? resolved?.mail?.domain ?? ''}`);
  for (const [lid, r] of resourcesOfType(t, 'AWS::EC2::Instance')) {
    push(
      lid,
      'bastion',
      `${/bastion/i.test(lid) ? 'bastion' : readableId(lid)}\n${str(props(r).InstanceType) ?? ''}`,
    );
    for (const sg of (props(r).SecurityGroupIds as unknown[] | undefined) ?? []) {
      const sid = refId(sg);
      if (sid) sgOwner.set(sid, id(lid));
    }
  }
  const nats = resourcesOfType(t, 'AWS::EC2::NatGateway').length;
  if (nats) push('Nat', 'nat', `NAT gateway${nats > 1 ? `s × ${nats}` : ''}`);

  // Jobs: a schedule whose target runs an ECS task.
  const schedules = resourcesOfType(t, 'AWS::Scheduler::Schedule');
  if (schedules.length) push('Scheduler', 'scheduler', 'EventBridge Scheduler');
  for (const [lid, r] of schedules) {
    const p = props(r);
    const target = (p.Target ?? {}) as Record<string, unknown>;
    const ecs = target.EcsParameters as Record<string, unknown> | undefined;
    const expr = str(p.ScheduleExpression) ?? '';
    const name = jobName(lid, p, target, resolved);
    push(lid, 'job', `${name}\n${expr}${p.State === 'DISABLED' ? '\n(disabled)' : ''}`);
    edges.push({
      from: id('Scheduler'),
      to: id(lid),
      style: 'dotted',
    });
    const td = refId(ecs?.TaskDefinitionArn);
    const owner = td ? taskDefOwner.get(td) : undefined;
    if (owner) edges.push({ from: id(lid), to: owner, label: 'runs as', style: 'dotted' });
    else if (td) {
      const family = str(props(R[td]).Family);
      const service = family && Object.keys(resolved?.services ?? {}).find((s) => family.endsWith(`-${s}`));
      const serviceNode = nodes.find(
        (n) => n.stack === stack.stackName && n.kind === 'service' && service && n.label.startsWith(service),
      );
      taskDefOwner.set(td, id(lid));
      // A job's own task definition usually shares its service's task role: that links the two.
      const role = refId(props(R[td]).TaskRoleArn);
      const roleService = role ? roleOwner.get(role) : undefined;
      if (role && !roleService) roleOwner.set(role, id(lid));
      const runsAs = serviceNode?.id ?? roleService;
      if (runsAs) edges.push({ from: id(lid), to: runsAs, label: 'runs as', style: 'dotted' });
    }
    const network = (
      ecs?.NetworkConfiguration as { AwsvpcConfiguration?: { SecurityGroups?: unknown[] } } | undefined
    )?.AwsvpcConfiguration;
    for (const sg of network?.SecurityGroups ?? []) {
      const sid = refId(sg);
      if (sid && !sgOwner.has(sid)) sgOwner.set(sid, id(lid));
    }
  }

  // Network paths: an ingress rule from one owned security group to another (skipping the load balancer's own).
  const seen = new Set<string>();
  const link = (from: string, to: string, style?: DiagramEdge['style']) => {
    const key = `${from}→${to}`;
    if (from === to || seen.has(key)) return;
    seen.add(key);
    edges.push({ from, to, ...(style ? { style } : {}) });
  };
  for (const [, r] of resourcesOfType(t, 'AWS::EC2::SecurityGroupIngress')) {
    const p = props(r);
    const to = sgOwner.get(refId(p.GroupId) ?? '');
    const from = sgOwner.get(refId(p.SourceSecurityGroupId) ?? '');
    if (!to || !from) continue;
    const toNode = nodes.find((n) => n.id === to);
    const fromNode = nodes.find((n) => n.id === from);
    if (!toNode || !fromNode || fromNode.kind === 'loadBalancer') continue;
    link(from, to, toNode.kind === 'cache' ? 'dashed' : undefined);
  }
  // Buckets and mail: the task-role policies that name them.
  const bucketIds = new Set(resourcesOfType(t, 'AWS::S3::Bucket').map(([lid]) => lid));
  const mailNodes = resourcesOfType(t, 'AWS::SES::EmailIdentity').map(([lid]) => id(lid));
  for (const [, r] of resourcesOfType(t, 'AWS::IAM::Policy')) {
    const p = props(r);
    const owners = ((p.Roles as unknown[] | undefined) ?? [])
      .map((x) => roleOwner.get(refId(x) ?? ''))
      .filter(Boolean) as string[];
    if (!owners.length) continue;
    const refs = referencedIds(p.PolicyDocument);
    const sendsMail = JSON.stringify(p.PolicyDocument).includes('ses:SendEmail');
    for (const owner of owners) {
      for (const b of refs) if (bucketIds.has(b)) link(owner, id(b));
      if (sendsMail) for (const m of mailNodes) link(owner, m);
    }
  }
  // Load balancer access logs.
  for (const [lbId, r] of lbs) {
    for (const b of referencedIds(props(r).LoadBalancerAttributes))
      if (bucketIds.has(b)) link(id(lbId), id(b), 'dotted');
  }

  const alarms = resourcesOfType(t, 'AWS::CloudWatch::Alarm');
  if (alarms.length) {
    const names = alarms.slice(0, 6).map(([lid, r]) => str(props(r).AlarmName) ?? readableId(lid));
    const more = alarms.length > names.length ? `\n+ ${alarms.length - names.length} more` : '';
    const topics = resourcesOfType(t, 'AWS::SNS::Topic').length;
    push(
      'Alarms',
      'alarms',
      `alarms × ${alarms.length}\n${names.join('\n')}${more}${topics ? '\n→ SNS → email / PagerDuty' : ''}`,
    );
  }
}

function jobName(
  logicalId: string,
  p: Record<string, unknown>,
  target: Record<string, unknown>,
  resolved: ResolvedApp | undefined,
): string {
  const declared = Object.keys(resolved?.jobs ?? {});
  const input = typeof target.Input === 'string' ? target.Input : JSON.stringify(target.Input ?? '');
  const named = str(p.Name);
  for (const name of declared) {
    if (
      named?.endsWith(name) ||
      input.includes(`"${name}"`) ||
      logicalId.toLowerCase().includes(name.replace(/-/g, '').toLowerCase())
    )
      return name;
  }
  return named ?? readableId(logicalId);
}
