import { contractFor, ENV, type ResolvedApp } from '@berthjs/config';
import {
  resourcesOfType,
  type ContainerDefinition,
  type Template,
  type TemplateResource,
} from '../rules/rule';
import type { RequestContext } from './evaluate';
import { configCalls, permissionsOf } from './config-permissions';
import { execAgentCalls } from './exec-calls';
import type { TokenResolver } from './tokens';

/** One AWS call a holder makes: the IAM action, the resource ARN it authorizes against, the request context. */
export interface Call {
  readonly action: string;
  readonly resource: string;
  readonly context?: RequestContext;
  /** Who makes it and why, for the finding: `the runtime re-reads DATABASE_SECRET_ARN after an auth failure`. */
  readonly why: string;
}

/** A role and the calls whoever holds it makes. */
export interface Holder {
  readonly kind: 'task' | 'execution' | 'scheduler' | 'deployer' | 'operator';
  /** Logical ID of the AWS::IAM::Role. */
  readonly role: string;
  /** `task role of api`, `scheduler`, `deployer`. */
  readonly label: string;
  readonly calls: readonly Call[];
}

export interface HolderInput {
  readonly template: Template;
  readonly resolved: ResolvedApp;
  readonly tokens: TokenResolver;
  /** The SES events queue's name (`<app>-<stage>-mail-events`) when the app has mail. */
  readonly mailEventsQueue?: string;
  /** Name of the deployer role. */
  readonly deployerRole?: string;
}

/** The role a `{Fn::GetAtt: [Role, Arn]}` names. */
function roleId(value: unknown): string | undefined {
  const att = (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
  return att && att[1] === 'Arn' ? att[0] : undefined;
}

/**
 * The ARN Secrets Manager authorizes for an ECS `ValueFrom`: a JSON key (`arn:…:secret:name-AbCdEf:key::`) is not
 * part of it, and a secret named by its name only (not a resource of this template) has the six random characters
 * Secrets Manager appends to every secret ARN.
 */
export function secretArnOf(valueFrom: string, byName = false): string {
  // An ARN built at deploy time (a standby's regional replica) still ends in the JSON key ECS strips.
  if (!valueFrom.startsWith('arn:')) return valueFrom.replace(/:[\w-]+::$/, '');
  const parts = valueFrom.split(':');
  const arn = parts.length > 7 ? parts.slice(0, 7).join(':') : valueFrom;
  return byName ? `${arn}-AbCdEf` : arn;
}

/**
 * Whether a value points at a resource of this template (`Ref`), rather than naming something outside it. A JSON key
 * of a template secret is `Fn::Join ['', [{ Ref }, ':password::']]`: still that resource.
 */
function isRef(value: unknown): boolean {
  if (typeof (value as { Ref?: unknown } | undefined)?.Ref === 'string') return true;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  return Array.isArray(join?.[1]) && isRef(join[1][0]);
}

/** `https://sqs.<region>.amazonaws.com/<account>/<name>` → the queue's ARN (what SQS authorizes against). */
export function queueArnOf(url: string, partition = 'aws'): string | undefined {
  const m =
    /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(\d{12}|[^/]+)\/([\w-]{1,80}(?:\.fifo)?)$/.exec(
      url,
    );
  return m ? `arn:${partition}:sqs:${m[1]}:${m[2]}:${m[3]}` : undefined;
}

/** Task definitions with their app container (named after its service). */
function taskDefinitions(
  input: HolderInput,
): { id: string; task: TemplateResource; container: ContainerDefinition; service: string }[] {
  const out = [];
  for (const [id, task] of resourcesOfType(input.template, 'AWS::ECS::TaskDefinition')) {
    const containers = (task.Properties?.ContainerDefinitions ?? []) as ContainerDefinition[];
    const container = containers.find((c) => typeof c.Name === 'string' && input.resolved.services[c.Name]);
    if (container) out.push({ id, task, container, service: container.Name! });
  }
  return out;
}

function envValue(container: ContainerDefinition, name: string): unknown {
  return container.Environment?.find((e) => e.Name === name)?.Value;
}

/**
 * The holders of a template and what each calls, derived from the contract and the template: what the runtime does
 * with each contract variable (task role), what ECS does to start the task (execution role), what EventBridge
 * Scheduler does to run a job (scheduler role) and what `berth deploy | rollback | run-job | migrate` call
 * (deployer). Resources come from the same template values the task receives, so a renamed bucket or secret
 * is followed, not guessed.
 */
export function holdersOf(input: HolderInput): Holder[] {
  const { tokens, resolved } = input;
  const partition = 'aws';
  const arn = (service: string, resource: string) =>
    `arn:${partition}:${service}:${resolved.region}:${resolved.account}:${resource}`;
  const task = new Map<string, { label: string; calls: Call[] }>();
  const execution = new Map<string, { label: string; calls: Call[] }>();
  const add = (
    map: Map<string, { label: string; calls: Call[] }>,
    role: string | undefined,
    label: string,
    calls: Call[],
  ) => {
    if (!role) return;
    const entry = map.get(role) ?? { label, calls: [] };
    for (const c of calls)
      if (!entry.calls.some((e) => e.action === c.action && e.resource === c.resource)) entry.calls.push(c);
    map.set(role, entry);
  };

  for (const { task: td, container, service } of taskDefinitions(input)) {
    const contract = contractFor(resolved, service);
    const calls: Call[] = [];
    for (const v of contract.variables) {
      const raw = envValue(container, v.name);
      if (raw === undefined) continue;
      const value = tokens.value(raw);
      if (v.source.kind === 'database' && v.source.attribute === 'secretArn')
        calls.push({
          action: 'secretsmanager:GetSecretValue',
          resource: value,
          why: `the runtime re-reads ${ENV.databaseSecretArn} after an authentication failure (rotation)`,
        });
      if (v.source.kind === 'bucket') {
        const objects = `arn:${partition}:s3:::${value}/berth-probe/key`;
        // A 'read' bucket (an env-file bucket by default) gets downloads and lists only: no put, no delete.
        const writes = resolved.services[service]?.uses.bucketAccess[v.source.bucket] !== 'read';
        calls.push(
          ...(writes
            ? [{ action: 's3:PutObject', resource: objects, why: `storage presigned uploads to ${v.name}` }]
            : []),
          { action: 's3:GetObject', resource: objects, why: `storage downloads and head of ${v.name}` },
          ...(writes
            ? [{ action: 's3:DeleteObject', resource: objects, why: `storage.delete on ${v.name}` }]
            : []),
          {
            action: 's3:ListBucket',
            resource: `arn:${partition}:s3:::${value}`,
            why: `storage.list on ${v.name}`,
          },
        );
      }
      if (v.source.kind === 'mail' && v.source.attribute === 'configurationSet' && resolved.mail) {
        const why = `mail.send with ${ENV.mailConfigurationSet}`;
        calls.push(
          { action: 'ses:SendEmail', resource: arn('ses', `identity/${resolved.mail.domain}`), why },
          { action: 'ses:SendEmail', resource: arn('ses', `configuration-set/${value}`), why },
        );
      }
      if (v.source.kind === 'mail' && v.source.attribute === 'eventsQueueUrl' && resolved.mail) {
        const queue =
          queueArnOf(value, partition) ??
          (input.mailEventsQueue ? arn('sqs', input.mailEventsQueue) : undefined);
        const why = `the runtime drains ${ENV.mailEventsQueueUrl} into the suppression list`;
        if (queue)
          for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage'])
            calls.push({ action, resource: queue, why });
      }
    }
    calls.push(...configCalls(service, permissionsOf(resolved, service)));
    add(task, roleId(td.Properties?.TaskRoleArn), `task role of ${service}`, calls);

    const exec: Call[] = [];
    const image = tokens.value((container as { Image?: unknown }).Image);
    const ecr = /^(\d+)\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:@]+)/.exec(image);
    if (ecr) {
      const repository = `arn:${partition}:ecr:${ecr[2]}:${ecr[1]}:repository/${ecr[3]}`;
      exec.push(
        { action: 'ecr:GetAuthorizationToken', resource: '*', why: 'ECS pulls the image' },
        { action: 'ecr:BatchGetImage', resource: repository, why: 'ECS pulls the image' },
        { action: 'ecr:GetDownloadUrlForLayer', resource: repository, why: 'ECS pulls the image' },
      );
    }
    const credentials = (container as { RepositoryCredentials?: { CredentialsParameter?: unknown } })
      .RepositoryCredentials?.CredentialsParameter;
    if (credentials)
      exec.push({
        action: 'secretsmanager:GetSecretValue',
        resource: secretArnOf(tokens.value(credentials), !isRef(credentials)),
        why: 'ECS reads the private registry credentials',
      });
    const logOptions = (container as { LogConfiguration?: { Options?: Record<string, unknown> } })
      .LogConfiguration?.Options;
    if (logOptions?.['awslogs-group']) {
      const group = tokens.value(logOptions['awslogs-group']);
      const stream = arn(
        'logs',
        `log-group:${group}:log-stream:${tokens.value(logOptions['awslogs-stream-prefix'] ?? 'x')}/task`,
      );
      exec.push(
        {
          action: 'logs:CreateLogStream',
          resource: stream,
          why: 'the awslogs driver writes the container log',
        },
        { action: 'logs:PutLogEvents', resource: stream, why: 'the awslogs driver writes the container log' },
      );
    }
    for (const s of container.Secrets ?? []) {
      const from = tokens.value(s.ValueFrom);
      exec.push(
        from.includes(':ssm:')
          ? { action: 'ssm:GetParameters', resource: from, why: `ECS injects ${s.Name}` }
          : {
              action: 'secretsmanager:GetSecretValue',
              resource: secretArnOf(from, !isRef(s.ValueFrom) && !from.startsWith('{unresolved')),
              why: `ECS injects ${s.Name}`,
            },
      );
      const key = secretKmsKey(input, s.ValueFrom);
      if (key)
        exec.push({
          action: 'kms:Decrypt',
          resource: key,
          context: { 'kms:ViaService': `secretsmanager.${resolved.region}.amazonaws.com` },
          why: `the secret behind ${s.Name} is encrypted with a customer managed key`,
        });
    }
    for (const f of (container as { EnvironmentFiles?: { Value: unknown }[] }).EnvironmentFiles ?? []) {
      const object = tokens.value(f.Value);
      exec.push({ action: 's3:GetObject', resource: object, why: 'ECS reads the environment file' });
      exec.push({
        action: 's3:GetBucketLocation',
        resource: object.split('/')[0]!,
        why: 'ECS reads the environment file',
      });
    }
    add(execution, roleId(td.Properties?.ExecutionRoleArn), `execution role of ${service}`, exec);
  }

  for (const { role, calls } of execAgentCalls(input.template, tokens, arn))
    add(task, role, task.get(role)?.label ?? 'task role (ECS Exec)', calls);

  const holders: Holder[] = [];
  for (const [role, { label, calls }] of task) holders.push({ kind: 'task', role, label, calls });
  for (const [role, { label, calls }] of execution) holders.push({ kind: 'execution', role, label, calls });
  holders.push(...schedulerHolders(input, arn));
  return holders;
}

/** The customer managed key of a secret in this template, when an ECS secret points at one. */
function secretKmsKey(input: HolderInput, valueFrom: unknown): string | undefined {
  const ref = (valueFrom as { Ref?: string } | undefined)?.Ref;
  let resource = ref ? input.template.Resources?.[ref] : undefined;
  if (resource?.Type === 'AWS::SecretsManager::SecretTargetAttachment') {
    const target = (resource.Properties?.SecretId as { Ref?: string } | undefined)?.Ref;
    resource = target ? input.template.Resources?.[target] : undefined;
  }
  const key = resource?.Type === 'AWS::SecretsManager::Secret' ? resource.Properties?.KmsKeyId : undefined;
  return key === undefined ? undefined : input.tokens.value(key);
}

/** Each schedule's role: RunTask of its task definition in its cluster, PassRole of the task's two roles, its DLQ. */
function schedulerHolders(input: HolderInput, arn: (service: string, resource: string) => string): Holder[] {
  const { tokens, template } = input;
  const byRole = new Map<string, Call[]>();
  for (const [, schedule] of resourcesOfType(template, 'AWS::Scheduler::Schedule')) {
    const target = schedule.Properties?.Target as
      | {
          Arn: unknown;
          RoleArn: unknown;
          EcsParameters?: { TaskDefinitionArn: unknown };
          DeadLetterConfig?: { Arn: unknown };
        }
      | undefined;
    const role = roleId(target?.RoleArn);
    if (!target || !role || !target.EcsParameters) continue;
    const cluster = tokens.value(target.Arn);
    const calls = byRole.get(role) ?? [];
    const name = tokens.value(schedule.Properties?.Name);
    const taskDefinition = tokens.value(target.EcsParameters.TaskDefinitionArn);
    calls.push({
      action: 'ecs:RunTask',
      resource: taskDefinition,
      context: { 'ecs:cluster': cluster },
      why: `schedule ${name} runs its job`,
    });
    calls.push({
      action: 'ecs:TagResource',
      resource: arn('ecs', `task/${cluster.split('/').pop()}/0123456789abcdef`),
      context: { 'ecs:CreateAction': 'RunTask' },
      why: `schedule ${name} tags the task it starts (managed tags)`,
    });
    const tdId = (target.EcsParameters.TaskDefinitionArn as { Ref?: string }).Ref;
    const td = tdId ? template.Resources?.[tdId] : undefined;
    for (const key of ['TaskRoleArn', 'ExecutionRoleArn']) {
      const passed = td?.Properties?.[key];
      if (passed)
        calls.push({
          action: 'iam:PassRole',
          resource: tokens.value(passed),
          context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
          why: `schedule ${name} passes the task's ${key === 'TaskRoleArn' ? 'task' : 'execution'} role to ECS`,
        });
    }
    if (target.DeadLetterConfig)
      calls.push({
        action: 'sqs:SendMessage',
        resource: tokens.value(target.DeadLetterConfig.Arn),
        why: `schedule ${name} sends an invocation it could not deliver to its dead-letter queue`,
      });
    byRole.set(role, calls);
  }
  return [...byRole].map(([role, calls]) => ({
    kind: 'scheduler' as const,
    role,
    label: 'scheduler role',
    calls,
  }));
}
