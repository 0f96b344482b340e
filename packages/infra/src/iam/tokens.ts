import type { Template, TemplateResource } from '../rules/rule';

/** Where a template is deployed: what the pseudo parameters resolve to. */
export interface Placement {
  readonly account: string;
  readonly region: string;
  /** @default 'aws' */
  readonly partition?: string;
}

/**
 * Resolves CloudFormation values (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`, pseudo
 * parameters) to strings, symbolically: a resource without an explicit name gets a deterministic stand-in name from
 * its logical ID, and `Ref`/`GetAtt` return what CloudFormation documents for that resource type (a bucket's Ref is
 * its name and its Arn `arn:aws:s3:::name`; a secret's Ref is its ARN…). Both sides of a comparison (a policy's
 * Resource and the ARN a holder calls) go through the same resolution, so `{Fn::GetAtt: [B, Arn]}/*` and
 * `arn:aws:s3:::{Ref: B}/key` compare as real ARNs would. Values it cannot know (imports, `Fn::If`, other stacks)
 * become `{unresolved …}` strings that only match themselves, so nothing unknown is ever assumed allowed.
 */
export class TokenResolver {
  private readonly partition: string;

  constructor(
    private readonly template: Template,
    private readonly placement: Placement,
  ) {
    this.partition = placement.partition ?? 'aws';
  }

  /** The value as a string; lists (Fn::Split, GetAZs) as their items joined by ','. */
  value(v: unknown): string {
    const out = this.resolve(v);
    return Array.isArray(out) ? out.join(',') : out;
  }

  /** A value that may be one item or a list (a policy's Resource, a condition's values). */
  values(v: unknown): string[] {
    if (Array.isArray(v)) return v.flatMap((x) => this.listOf(this.resolve(x)));
    return this.listOf(this.resolve(v));
  }

  /** Deep-resolves a policy document (or any JSON) so every leaf is a plain string. */
  deep<T>(v: T): T {
    if (Array.isArray(v)) return v.map((x) => (isIntrinsic(x) ? this.value(x) : this.deep(x))) as T;
    if (isIntrinsic(v)) return this.value(v) as T;
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.deep(x);
      return out as T;
    }
    return v;
  }

  private listOf(v: string | string[]): string[] {
    return Array.isArray(v) ? v : [v];
  }

  private resolve(v: unknown): string | string[] {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (Array.isArray(v)) return v.flatMap((x) => this.listOf(this.resolve(x)));
    if (!v || typeof v !== 'object') return unresolved(v);
    const [fn, arg] = Object.entries(v)[0] ?? [];
    switch (fn) {
      case 'Ref':
        return this.ref(String(arg));
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/);
        return this.getAtt(String(id), String(attribute));
      }
      case 'Fn::Join': {
        const [sep, items] = arg as [string, unknown[]];
        return this.values(items).join(sep);
      }
      case 'Fn::Sub':
        return this.sub(arg);
      case 'Fn::Select': {
        const [index, items] = arg as [unknown, unknown];
        return this.values(items)[Number(this.value(index))] ?? unresolved(v);
      }
      case 'Fn::Split': {
        const [sep, source] = arg as [string, unknown];
        return this.value(source).split(sep);
      }
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((z) => `${this.placement.region}${z}`);
      default:
        return unresolved(v);
    }
  }

  private sub(arg: unknown): string {
    const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
    return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
      if (name in vars) return this.value(vars[name]);
      const [id, attribute] = name.split(/\.(.*)/);
      return attribute ? this.value(this.getAtt(id!, attribute)) : this.value(this.ref(id!));
    });
  }

  private ref(id: string): string {
    const { account, region } = this.placement;
    switch (id) {
      case 'AWS::AccountId':
        return account;
      case 'AWS::Region':
        return region;
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return 'stack';
      case 'AWS::StackId':
        return `arn:${this.partition}:cloudformation:${region}:${account}:stack/stack/00000000-0000-0000-0000-000000000000`;
    }
    const parameter = this.template.Parameters?.[id];
    if (parameter)
      return parameter.Default !== undefined ? this.value(parameter.Default) : unresolved({ Ref: id });
    const resource = this.template.Resources?.[id];
    if (!resource) return unresolved({ Ref: id });
    const shape = SHAPES[resource.Type];
    return shape ? shape.ref(this.context(id, resource)) : unresolved({ Ref: id });
  }

  private getAtt(id: string, attribute: string): string {
    const resource = this.template.Resources?.[id];
    const shape = resource ? SHAPES[resource.Type] : undefined;
    const att = shape?.attributes?.[attribute];
    return resource && att ? att(this.context(id, resource)) : unresolved({ 'Fn::GetAtt': [id, attribute] });
  }

  private context(id: string, resource: TemplateResource): ShapeContext {
    const props = resource.Properties ?? {};
    return {
      id,
      partition: this.partition,
      region: this.placement.region,
      account: this.placement.account,
      prop: (name) => (props[name] === undefined ? undefined : this.value(props[name])),
      name: (property, fallback) =>
        props[property] !== undefined ? this.value(props[property]) : (fallback ?? id.toLowerCase()),
    };
  }
}

interface ShapeContext {
  readonly id: string;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  prop(name: string): string | undefined;
  /** The resource's name property, or a deterministic stand-in for the name CloudFormation generates. */
  name(property: string, fallback?: string): string;
}

interface Shape {
  readonly ref: (c: ShapeContext) => string;
  readonly attributes?: Readonly<Record<string, (c: ShapeContext) => string>>;
}

const arn = (c: ShapeContext, service: string, resource: string, region = c.region, account = c.account) =>
  `arn:${c.partition}:${service}:${region}:${account}:${resource}`;

/**
 * What `Ref` and `Fn::GetAtt` return per resource type, from each type's "Return values" section of
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-template-resource-type-ref.html
 */
const SHAPES: Readonly<Record<string, Shape>> = {
  'AWS::S3::Bucket': {
    ref: (c) => c.name('BucketName'),
    attributes: { Arn: (c) => `arn:${c.partition}:s3:::${c.name('BucketName')}` },
  },
  'AWS::SecretsManager::Secret': {
    // Secrets Manager appends a dash and six random characters to the name in the ARN.
    ref: (c) => arn(c, 'secretsmanager', `secret:${c.name('Name')}-AbCdEf`),
    attributes: { Id: (c) => arn(c, 'secretsmanager', `secret:${c.name('Name')}-AbCdEf`) },
  },
  // Ref of an attachment is the ARN of the secret it attaches.
  'AWS::SecretsManager::SecretTargetAttachment': { ref: (c) => c.prop('SecretId') ?? unresolved(c.id) },
  'AWS::SNS::Topic': {
    ref: (c) => arn(c, 'sns', c.name('TopicName')),
    attributes: {
      TopicArn: (c) => arn(c, 'sns', c.name('TopicName')),
      TopicName: (c) => c.name('TopicName'),
    },
  },
  'AWS::SQS::Queue': {
    ref: (c) => `https://sqs.${c.region}.amazonaws.com/${c.account}/${c.name('QueueName')}`,
    attributes: {
      Arn: (c) => arn(c, 'sqs', c.name('QueueName')),
      QueueName: (c) => c.name('QueueName'),
      QueueUrl: (c) => `https://sqs.${c.region}.amazonaws.com/${c.account}/${c.name('QueueName')}`,
    },
  },
  'AWS::IAM::Role': {
    ref: (c) => c.name('RoleName'),
    attributes: {
      Arn: (c) => `arn:${c.partition}:iam::${c.account}:role/${c.name('RoleName')}`,
      RoleId: (c) => `AROA${c.id.toUpperCase()}`,
    },
  },
  'AWS::IAM::ManagedPolicy': {
    ref: (c) => `arn:${c.partition}:iam::${c.account}:policy/${c.name('ManagedPolicyName')}`,
  },
  'AWS::IAM::OIDCProvider': {
    ref: (c) =>
      `arn:${c.partition}:iam::${c.account}:oidc-provider/${(c.prop('Url') ?? c.id).replace(/^https:\/\//, '')}`,
    attributes: {
      Arn: (c) =>
        `arn:${c.partition}:iam::${c.account}:oidc-provider/${(c.prop('Url') ?? c.id).replace(/^https:\/\//, '')}`,
    },
  },
  'AWS::ECS::Cluster': {
    ref: (c) => c.name('ClusterName'),
    attributes: { Arn: (c) => arn(c, 'ecs', `cluster/${c.name('ClusterName')}`) },
  },
  'AWS::ECS::TaskDefinition': {
    ref: (c) => arn(c, 'ecs', `task-definition/${c.name('Family')}:1`),
    attributes: { TaskDefinitionArn: (c) => arn(c, 'ecs', `task-definition/${c.name('Family')}:1`) },
  },
  'AWS::ECS::Service': {
    ref: (c) => arn(c, 'ecs', `service/${c.prop('Cluster') ?? 'cluster'}/${c.name('ServiceName')}`),
    attributes: {
      ServiceArn: (c) => arn(c, 'ecs', `service/${c.prop('Cluster') ?? 'cluster'}/${c.name('ServiceName')}`),
      Name: (c) => c.name('ServiceName'),
    },
  },
  'AWS::Logs::LogGroup': {
    ref: (c) => c.name('LogGroupName'),
    attributes: { Arn: (c) => arn(c, 'logs', `log-group:${c.name('LogGroupName')}:*`) },
  },
  'AWS::ECR::Repository': {
    ref: (c) => c.name('RepositoryName'),
    attributes: {
      Arn: (c) => arn(c, 'ecr', `repository/${c.name('RepositoryName')}`),
      RepositoryUri: (c) => `${c.account}.dkr.ecr.${c.region}.amazonaws.com/${c.name('RepositoryName')}`,
    },
  },
  // Ref of an instance is its id, `i-` and 17 hex digits.
  'AWS::EC2::Instance': { ref: (c) => `i-${c.id.toLowerCase()}` },
  'AWS::SES::ConfigurationSet': { ref: (c) => c.name('Name') },
  'AWS::SES::EmailIdentity': { ref: (c) => c.name('EmailIdentity') },
  'AWS::KMS::Key': {
    ref: (c) => `${c.id.toLowerCase()}-key-id`,
    attributes: { Arn: (c) => arn(c, 'kms', `key/${c.id.toLowerCase()}-key-id`) },
  },
  'AWS::Scheduler::Schedule': {
    ref: (c) => c.name('Name'),
    attributes: {
      Arn: (c) => arn(c, 'scheduler', `schedule/${c.prop('GroupName') ?? 'default'}/${c.name('Name')}`),
    },
  },
  'AWS::CloudWatch::Alarm': {
    ref: (c) => c.name('AlarmName'),
    attributes: { Arn: (c) => arn(c, 'cloudwatch', `alarm:${c.name('AlarmName')}`) },
  },
  'AWS::Events::Rule': {
    ref: (c) => c.name('Name'),
    attributes: { Arn: (c) => arn(c, 'events', `rule/${c.name('Name')}`) },
  },
  'AWS::RDS::DBCluster': {
    ref: (c) => c.name('DBClusterIdentifier'),
    attributes: {
      DBClusterArn: (c) => arn(c, 'rds', `cluster:${c.name('DBClusterIdentifier')}`),
      'Endpoint.Address': (c) => `${c.name('DBClusterIdentifier')}.cluster-x.${c.region}.rds.amazonaws.com`,
      'ReadEndpoint.Address': (c) =>
        `${c.name('DBClusterIdentifier')}.cluster-ro-x.${c.region}.rds.amazonaws.com`,
    },
  },
  'AWS::RDS::DBInstance': {
    ref: (c) => c.name('DBInstanceIdentifier'),
    attributes: {
      DBInstanceArn: (c) => arn(c, 'rds', `db:${c.name('DBInstanceIdentifier')}`),
      'Endpoint.Address': (c) => `${c.name('DBInstanceIdentifier')}.x.${c.region}.rds.amazonaws.com`,
    },
  },
};

function isIntrinsic(v: unknown): boolean {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'));
}

/** A stand-in that only equals itself; no colons, so ARN parsing never splits it. */
function unresolved(v: unknown): string {
  return `{unresolved ${JSON.stringify(v).replace(/:/g, ' ')}}`;
}
