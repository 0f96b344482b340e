import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  DeleteRegistryPolicyCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetDownloadUrlForLayerCommand,
  GetRegistryPolicyCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolve, type ResolvedApp } from '@berthjs/config';
import { isAllowed, TokenResolver, type PolicyDocument } from '@berthjs/infra';
import tekalo from '../../../examples/seeds/tekalo/berth.config';
import { awsClients, type OpsRuntime } from '../src/ops/aws';
import { deploy, type DeployDeps } from '../src/ops/deploy';
import { gitRevision } from '../src/ops/git';
import { promoteImages } from '../src/ops/promote';
import type { StackTemplate } from '../src/ops/diff';
import { synthTemplates } from '../src/ops/templates';
import { mergeRepo } from './support/merge-repo';

/**
 * Tekalo's promotion from nothing: dev (account 111…) builds, prod (account 222…) runs dev's image. The SDK mock is
 * a small model of two ECR registries and CloudFormation that holds AWS's rules, not a mock that answers yes:
 * - a repository that exists and belongs to no stack makes a create fail ("already exists") unless the change set
 *   imports existing resources (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/import-resources-automatically.html);
 * - tags are immutable where the repository says so;
 * - replication copies only images pushed after the rule exists, and only into a registry whose policy admits the
 *   source (ecr:ReplicateImage, ecr:CreateRepository), creating a missing repository with ECR's default settings
 *   (mutable tags, no scan on push) (https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication-backfill.html);
 * - a cross-account read needs the source repository's policy to admit the caller's account;
 * - layer uploads are checked against their digest, and a manifest names only blobs the repository holds.
 * The stacks' ECR settings, repository policies, registry policy and replication rule come from the templates Berth
 * really synthesizes for tekalo dev and prod, evaluated with Berth's IAM evaluator after token resolution.
 */

const DEV = '111111111111';
const PROD = '222222222222';
const REGION = 'us-east-1';

interface Image {
  readonly manifest: string;
  readonly mediaType: string;
  readonly tags: Set<string>;
}
interface Repo {
  readonly name: string;
  mutability: 'MUTABLE' | 'IMMUTABLE';
  scanOnPush: boolean;
  owner?: string;
  policy?: PolicyDocument;
  readonly images: Map<string, Image>;
  readonly blobs: Map<string, Buffer>;
  readonly uploads: Map<string, Buffer[]>;
}
interface Registry {
  readonly repos: Map<string, Repo>;
  policy?: PolicyDocument;
  /** The stack whose AWS::ECR::RegistryPolicy wrote `policy`. */
  policyOwner?: string;
  replication?: { prefix: string; destinations: { account: string; region: string }[] };
}
interface World {
  caller: string;
  readonly registries: Record<string, Registry>;
  readonly stacks: Map<string, { account: string; tag: string }>;
  readonly calls: string[];
  readonly replicated: string[];
  readonly replicationFailures: string[];
}

const sha = (b: string | Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const arnOf = (account: string, repo: string) => `arn:aws:ecr:${REGION}:${account}:repository/${repo}`;
const notFound = (name: string, message: string) => Object.assign(new Error(message), { name });

let world: World;
const blobsByUrl = new Map<string, Buffer>();
let server: Server;
let base = '';

function fresh(): World {
  return {
    caller: DEV,
    registries: { [DEV]: { repos: new Map() }, [PROD]: { repos: new Map() } },
    stacks: new Map(),
    calls: [],
    replicated: [],
    replicationFailures: [],
  };
}

function newRepo(name: string, mutability: Repo['mutability'], scanOnPush: boolean): Repo {
  return { name, mutability, scanOnPush, images: new Map(), blobs: new Map(), uploads: new Map() };
}

function repoOf(account: string, name: string): Repo {
  const repo = world.registries[account]!.repos.get(name);
  if (!repo)
    throw notFound('RepositoryNotFoundException', `The repository with name '${name}' does not exist`);
  return repo;
}

/** The caller reaches a repository of its own account, or one whose policy admits the caller's account. */
function reach(registryId: string | undefined, name: string, action: string): Repo {
  const account = registryId ?? world.caller;
  const repo = repoOf(account, name);
  if (account !== world.caller) {
    const decision = repo.policy
      ? isAllowed(
          [{ name: `${name} policy`, document: repo.policy }],
          action,
          arnOf(account, name),
          {},
          {
            aws: `arn:aws:iam::${world.caller}:root`,
          },
        )
      : { allowed: false, reason: 'no repository policy' };
    if (!decision.allowed)
      throw Object.assign(new Error(`${world.caller} may not ${action} on ${name}: ${decision.reason}`), {
        name: 'AccessDeniedException',
      });
  }
  return repo;
}

/** A manifest lands (docker push, PutImage, replication): its blobs must be there, tags honour immutability. */
function putImage(account: string, repo: Repo, manifest: string, mediaType: string, tag?: string): string {
  const parsed = JSON.parse(manifest) as {
    config?: { digest: string };
    layers?: { digest: string }[];
    manifests?: { digest: string }[];
  };
  for (const d of [parsed.config?.digest, ...(parsed.layers ?? []).map((l) => l.digest)])
    if (d && !repo.blobs.has(d))
      throw notFound('LayersNotFoundException', `layer ${d} is not in ${repo.name}`);
  for (const m of parsed.manifests ?? [])
    if (!repo.images.has(m.digest))
      throw notFound('ReferencedImagesNotFoundException', `manifest ${m.digest} is not in ${repo.name}`);
  const digest = sha(manifest);
  for (const [other, image] of repo.images)
    if (tag && image.tags.has(tag) && other !== digest) {
      if (repo.mutability === 'IMMUTABLE')
        throw notFound('ImageTagAlreadyExistsException', `tag ${tag} exists in immutable ${repo.name}`);
      image.tags.delete(tag);
    }
  const image = repo.images.get(digest) ?? { manifest, mediaType, tags: new Set<string>() };
  if (tag) image.tags.add(tag);
  repo.images.set(digest, image);
  replicate(account, repo, digest);
  return digest;
}

/** ECR replication, on push only: the rule and the destination's registry policy must already exist. */
function replicate(account: string, repo: Repo, digest: string): void {
  const rule = world.registries[account]!.replication;
  if (!rule || !repo.name.startsWith(rule.prefix)) return;
  for (const dest of rule.destinations) {
    if (dest.account === account) continue;
    const target = world.registries[dest.account]!;
    const resource = arnOf(dest.account, repo.name);
    const principal = { aws: `arn:aws:iam::${account}:root` };
    const admits = (action: string) =>
      !!target.policy &&
      isAllowed([{ name: 'registry policy', document: target.policy }], action, resource, {}, principal)
        .allowed;
    if (!admits('ecr:ReplicateImage') || (!target.repos.has(repo.name) && !admits('ecr:CreateRepository'))) {
      world.replicationFailures.push(`${repo.name}@${digest} → ${dest.account}`);
      continue;
    }
    const there = target.repos.get(repo.name) ?? newRepo(repo.name, 'MUTABLE', false);
    target.repos.set(repo.name, there);
    for (const [d, b] of repo.blobs) there.blobs.set(d, b);
    const image = repo.images.get(digest)!;
    there.images.set(digest, { ...image, tags: new Set(image.tags) });
    world.replicated.push(`${repo.name}@${digest} → ${dest.account}`);
  }
}

/** What `docker buildx build --push` leaves in the registry: a config and a layer blob, then the manifest. */
function dockerPush(account: string, name: string, tag: string | undefined, arch = 'amd64'): string {
  const repo = repoOf(account, name);
  const layer = Buffer.from(`layer of ${name}:${tag ?? ''} ${arch} `.repeat(5000));
  const config = Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', tag }));
  repo.blobs.set(sha(layer), layer);
  repo.blobs.set(sha(config), config);
  const mediaType = 'application/vnd.docker.distribution.manifest.v2+json';
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: config.length,
      digest: sha(config),
    },
    layers: [
      {
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: layer.length,
        digest: sha(layer),
      },
    ],
  });
  return putImage(account, repo, manifest, mediaType, tag);
}

/** CloudFormation creating or updating one environment's stack from Berth's real template. */
function applyStack(
  resolved: ResolvedApp,
  templates: readonly StackTemplate[],
  tag: string,
  importExisting: boolean,
): void {
  const account = world.caller;
  const registry = world.registries[account]!;
  const stack = `${resolved.app}-${resolved.stage}`;
  for (const { template } of templates) {
    const tokens = new TokenResolver(template as never, { account, region: REGION });
    const resources = (template.Resources ?? {}) as Record<
      string,
      { Type: string; Properties?: Record<string, unknown> }
    >;
    for (const [id, r] of Object.entries(resources)) {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::ECR::Repository') {
        const name = p.RepositoryName as string;
        const existing = registry.repos.get(name);
        if (existing && existing.owner !== stack) {
          if (existing.owner || !importExisting)
            throw new Error(`${stack}: ${id} (${name}) already exists; the stack's create failed`);
          existing.owner = stack; // imported as it is: CloudFormation does not change an imported resource
        } else if (!existing) {
          const repo = newRepo(
            name,
            p.ImageTagMutability as Repo['mutability'],
            (p.ImageScanningConfiguration as { ScanOnPush?: boolean } | undefined)?.ScanOnPush === true,
          );
          repo.owner = stack;
          registry.repos.set(name, repo);
        }
        if (p.RepositoryPolicyText)
          registry.repos.get(name)!.policy = tokens.deep(p.RepositoryPolicyText) as PolicyDocument;
      }
      if (r.Type === 'AWS::ECR::RegistryPolicy') {
        // Its CreateHandler fails when the registry already has a policy, and it cannot be imported.
        if (registry.policy && registry.policyOwner !== stack)
          throw new Error(
            `${stack}: ${id} AlreadyExists: the registry already has a policy; the stack's create failed`,
          );
        registry.policy = tokens.deep(p.PolicyText) as PolicyDocument;
        registry.policyOwner = stack;
      }
      if (r.Type === 'AWS::ECR::ReplicationConfiguration') {
        const rule = (
          tokens.deep(p.ReplicationConfiguration) as {
            Rules: {
              Destinations: { Region: string; RegistryId: string }[];
              RepositoryFilters: { Filter: string }[];
            }[];
          }
        ).Rules[0]!;
        registry.replication = {
          prefix: rule.RepositoryFilters[0]!.Filter,
          destinations: rule.Destinations.map((d) => ({ account: d.RegistryId, region: d.Region })),
        };
      }
    }
  }
  world.stacks.set(stack, { account, tag });
}

const sts = mockClient(STSClient);
const ecr = mockClient(ECRClient);
const cfn = mockClient(CloudFormationClient);
const ecs = mockClient(ECSClient);
const secrets = mockClient(SecretsManagerClient);

function wire(): void {
  const log = (name: string, input: object) => {
    const i = input as { registryId?: string; repositoryName?: string };
    world.calls.push(
      `${world.caller}:${name}${i.registryId && i.registryId !== world.caller ? `@${i.registryId}` : ''}`,
    );
  };
  sts.on(GetCallerIdentityCommand).callsFake(() => ({
    Account: world.caller,
    Arn: `arn:aws:sts::${world.caller}:assumed-role/admin/me`,
  }));
  secrets
    .on(DescribeSecretCommand)
    .callsFake((i: { SecretId: string }) => ({ Name: i.SecretId, ARN: `arn:${i.SecretId}` }));
  ecr.on(DescribeRepositoriesCommand).callsFake((i: { repositoryNames: string[] }) => {
    log('DescribeRepositories', i);
    const repo = repoOf(world.caller, i.repositoryNames[0]!);
    return {
      repositories: [
        {
          repositoryName: repo.name,
          imageTagMutability: repo.mutability,
          imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
        },
      ],
    };
  });
  ecr
    .on(CreateRepositoryCommand)
    .callsFake(
      (i: {
        repositoryName: string;
        imageTagMutability: Repo['mutability'];
        imageScanningConfiguration?: { scanOnPush?: boolean };
      }) => {
        log('CreateRepository', i);
        const registry = world.registries[world.caller]!;
        if (registry.repos.has(i.repositoryName))
          throw notFound('RepositoryAlreadyExistsException', `${i.repositoryName} already exists`);
        registry.repos.set(
          i.repositoryName,
          newRepo(
            i.repositoryName,
            i.imageTagMutability ?? 'MUTABLE',
            i.imageScanningConfiguration?.scanOnPush === true,
          ),
        );
        return { repository: { repositoryName: i.repositoryName } };
      },
    );
  ecr
    .on(PutImageTagMutabilityCommand)
    .callsFake((i: { repositoryName: string; imageTagMutability: Repo['mutability'] }) => {
      log('PutImageTagMutability', i);
      repoOf(world.caller, i.repositoryName).mutability = i.imageTagMutability;
      return {};
    });
  ecr
    .on(PutImageScanningConfigurationCommand)
    .callsFake((i: { repositoryName: string; imageScanningConfiguration: { scanOnPush: boolean } }) => {
      log('PutImageScanningConfiguration', i);
      repoOf(world.caller, i.repositoryName).scanOnPush = i.imageScanningConfiguration.scanOnPush;
      return {};
    });
  ecr.on(GetRegistryPolicyCommand).callsFake((i) => {
    log('GetRegistryPolicy', i);
    const policy = world.registries[world.caller]!.policy;
    if (!policy) throw notFound('RegistryPolicyNotFoundException', 'no registry policy');
    return { registryId: world.caller, policyText: JSON.stringify(policy) };
  });
  ecr.on(DeleteRegistryPolicyCommand).callsFake((i) => {
    log('DeleteRegistryPolicy', i);
    const registry = world.registries[world.caller]!;
    if (!registry.policy) throw notFound('RegistryPolicyNotFoundException', 'no registry policy');
    delete registry.policy;
    delete registry.policyOwner;
    return {};
  });
  ecr
    .on(DescribeImagesCommand)
    .callsFake((i: { repositoryName: string; imageIds: { imageTag: string }[] }) => {
      log('DescribeImages', i);
      const repo = repoOf(world.caller, i.repositoryName);
      const tag = i.imageIds[0]!.imageTag;
      const found = [...repo.images].find(([, img]) => img.tags.has(tag));
      if (!found) throw notFound('ImageNotFoundException', `${i.repositoryName}:${tag} not found`);
      return { imageDetails: [{ imageDigest: found[0], imageTags: [...found[1].tags] }] };
    });
  ecr.on(GetAuthorizationTokenCommand).callsFake((i) => {
    log('GetAuthorizationToken', i);
    return { authorizationData: [{ authorizationToken: Buffer.from('AWS:token').toString('base64') }] };
  });
  ecr
    .on(BatchGetImageCommand)
    .callsFake(
      (i: {
        registryId?: string;
        repositoryName: string;
        imageIds: { imageTag?: string; imageDigest?: string }[];
      }) => {
        log('BatchGetImage', i);
        const repo = reach(i.registryId, i.repositoryName, 'ecr:BatchGetImage');
        const id = i.imageIds[0]!;
        const found = [...repo.images].find(([d, img]) =>
          id.imageTag ? img.tags.has(id.imageTag) : d === id.imageDigest,
        );
        if (!found) return { images: [], failures: [{ failureCode: 'ImageNotFound', imageId: id }] };
        return {
          images: [
            {
              imageId: { imageDigest: found[0], ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
              imageManifest: found[1].manifest,
              imageManifestMediaType: found[1].mediaType,
            },
          ],
        };
      },
    );
  ecr
    .on(GetDownloadUrlForLayerCommand)
    .callsFake((i: { registryId?: string; repositoryName: string; layerDigest: string }) => {
      log('GetDownloadUrlForLayer', i);
      const repo = reach(i.registryId, i.repositoryName, 'ecr:GetDownloadUrlForLayer');
      const blob = repo.blobs.get(i.layerDigest);
      if (!blob) throw notFound('LayersNotFoundException', `${i.layerDigest} not in ${i.repositoryName}`);
      const url = `${base}/${encodeURIComponent(i.layerDigest)}`;
      blobsByUrl.set(url, blob);
      return { downloadUrl: url, layerDigest: i.layerDigest };
    });
  ecr
    .on(BatchCheckLayerAvailabilityCommand)
    .callsFake((i: { repositoryName: string; layerDigests: string[] }) => {
      log('BatchCheckLayerAvailability', i);
      const repo = repoOf(world.caller, i.repositoryName);
      return {
        layers: i.layerDigests.map((d) => ({
          layerDigest: d,
          layerAvailability: repo.blobs.has(d) ? 'AVAILABLE' : 'UNAVAILABLE',
        })),
      };
    });
  ecr.on(InitiateLayerUploadCommand).callsFake((i: { repositoryName: string }) => {
    log('InitiateLayerUpload', i);
    const repo = repoOf(world.caller, i.repositoryName);
    const uploadId = `u${repo.uploads.size + 1}`;
    repo.uploads.set(uploadId, []);
    return { uploadId, partSize: 10 * 1024 * 1024 };
  });
  ecr
    .on(UploadLayerPartCommand)
    .callsFake(
      (i: {
        repositoryName: string;
        uploadId: string;
        partFirstByte: number;
        partLastByte: number;
        layerPartBlob: Uint8Array;
      }) => {
        log('UploadLayerPart', i);
        const parts = repoOf(world.caller, i.repositoryName).uploads.get(i.uploadId)!;
        const have = parts.reduce((n, p) => n + p.length, 0);
        if (i.partFirstByte !== have || i.partLastByte !== have + i.layerPartBlob.length - 1)
          throw notFound(
            'InvalidLayerPartException',
            `part ${i.partFirstByte}-${i.partLastByte} after ${have} bytes`,
          );
        parts.push(Buffer.from(i.layerPartBlob));
        return { uploadId: i.uploadId };
      },
    );
  ecr
    .on(CompleteLayerUploadCommand)
    .callsFake((i: { repositoryName: string; uploadId: string; layerDigests: string[] }) => {
      log('CompleteLayerUpload', i);
      const repo = repoOf(world.caller, i.repositoryName);
      const blob = Buffer.concat(repo.uploads.get(i.uploadId)!);
      if (sha(blob) !== i.layerDigests[0]) throw notFound('InvalidLayerException', `upload is ${sha(blob)}`);
      repo.blobs.set(i.layerDigests[0]!, blob);
      return { layerDigest: i.layerDigests[0] };
    });
  ecr
    .on(PutImageCommand)
    .callsFake(
      (i: {
        repositoryName: string;
        imageManifest: string;
        imageManifestMediaType: string;
        imageTag?: string;
        imageDigest?: string;
      }) => {
        log('PutImage', i);
        const repo = repoOf(world.caller, i.repositoryName);
        if (i.imageDigest && sha(i.imageManifest) !== i.imageDigest)
          throw notFound('ImageDigestDoesNotMatchException', 'digest does not match');
        const digest = putImage(world.caller, repo, i.imageManifest, i.imageManifestMediaType, i.imageTag);
        return { image: { imageId: { imageDigest: digest, imageTag: i.imageTag } } };
      },
    );
  const stackOf = (name: string) => {
    const s = world.stacks.get(name);
    if (!s || s.account !== world.caller) throw new Error(`Stack with id ${name} does not exist`);
    return s;
  };
  cfn.on(GetTemplateCommand).callsFake((i: { StackName: string }) => {
    stackOf(i.StackName);
    return { TemplateBody: JSON.stringify(templates[i.StackName]![0]!.template) };
  });
  cfn.on(DescribeStackResourcesCommand).callsFake((i: { StackName: string }) => {
    stackOf(i.StackName);
    return {
      StackResources: [
        {
          ResourceType: 'AWS::ECS::Cluster',
          PhysicalResourceId: `${i.StackName}-Cluster`,
          LogicalResourceId: 'Cluster',
          ResourceStatus: 'CREATE_COMPLETE',
          Timestamp: new Date(),
        },
        {
          ResourceType: 'AWS::ECS::Service',
          PhysicalResourceId: `arn:aws:ecs:${REGION}:${world.caller}:service/${i.StackName}-Cluster/${i.StackName}-api`,
          LogicalResourceId: 'Api',
          ResourceStatus: 'CREATE_COMPLETE',
          Timestamp: new Date(),
        },
      ],
    };
  });
  ecs.on(DescribeServicesCommand).callsFake((i: { cluster: string; services: string[] }) => {
    const stack = i.cluster.replace(/-Cluster$/, '');
    const td = `arn:aws:ecs:${REGION}:${world.caller}:task-definition/${stack}-api:1`;
    return {
      services: i.services.map((arn) => ({
        serviceArn: arn,
        serviceName: `${stack}-api`,
        taskDefinition: td,
        runningCount: 1,
        desiredCount: 1,
        deployments: [
          {
            status: 'PRIMARY',
            taskDefinition: td,
            rolloutState: 'COMPLETED',
            runningCount: 1,
            desiredCount: 1,
          },
        ],
      })),
    };
  });
  ecs.on(DescribeTaskDefinitionCommand).callsFake((i: { taskDefinition: string }) => {
    const stack = /task-definition\/(.+)-api:/.exec(i.taskDefinition)![1]!;
    const tag = world.stacks.get(stack)!.tag;
    return {
      taskDefinition: {
        taskDefinitionArn: i.taskDefinition,
        containerDefinitions: [
          { name: 'api', image: `${world.caller}.dkr.ecr.${REGION}.amazonaws.com/tekalo/api:${tag}` },
        ],
      },
    };
  });
}

const templates: Record<string, readonly StackTemplate[]> = {};
const dev = resolve(tekalo, 'dev');
const prod = resolve(tekalo, 'prod');

beforeAll(async () => {
  templates['tekalo-dev'] = await synthTemplates(dev, 'latest');
  templates['tekalo-prod'] = await synthTemplates(prod, 'latest');
  server = createServer((req, res) => {
    const blob = blobsByUrl.get(`${base}${req.url}`);
    res.writeHead(blob ? 200 : 404).end(blob);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

beforeEach(() => {
  for (const m of [sts, ecr, cfn, ecs, secrets]) m.reset();
  world = fresh();
  wire();
});

function deps(
  resolved: ResolvedApp,
  sha1: string,
  lines: string[],
  deployments: { importExisting: boolean }[],
): DeployDeps {
  const rt: OpsRuntime = {
    clients: awsClients,
    sleep: async () => {},
    progress: (l) => lines.push(l),
    out: (l) => lines.push(l),
    pollMs: 0,
    steadyTimeoutMs: 60_000,
  };
  return {
    rt,
    images: {
      available: async () => true,
      buildAndPush: async (b) => {
        world.calls.push(`${world.caller}:docker push ${b.image}`);
        const [, name, tag] = /amazonaws\.com\/(.+):(.+)$/.exec(b.image)!;
        dockerPush(world.caller, name!, tag!);
      },
    },
    toolkit: {
      deploy: async (d, progress) => {
        world.calls.push(`${world.caller}:deploy stack (importExisting=${d.importExisting})`);
        deployments.push({ importExisting: d.importExisting });
        applyStack(
          d.resolved,
          templates[`${d.resolved.app}-${d.resolved.stage}`]!,
          d.imageTag,
          d.importExisting,
        );
        progress(`  ${d.resolved.app}-${d.resolved.stage}: deployed`);
        return { stacks: [`${d.resolved.app}-${d.resolved.stage}`] };
      },
    },
    git: { shortSha: async () => sha1, isDirty: async () => false },
    synth: async (r) => templates[`${r.app}-${r.stage}`]!,
  };
}

async function deployAs(account: string, resolved: ResolvedApp, commit: string) {
  world.caller = account;
  const lines: string[] = [];
  const deployments: { importExisting: boolean }[] = [];
  const start = world.calls.length;
  const report = await deploy(
    { resolved, configDir: '.', approve: true, skipMigrations: true },
    deps(resolved, commit, lines, deployments),
  );
  return { report, lines, deployments, calls: world.calls.slice(start) };
}

const order = (calls: readonly string[], ...wanted: string[]) =>
  wanted.map((w) => {
    const i = calls.findIndex((c) => c.includes(w));
    expect(i, `${w} in ${calls.join('\n')}`).toBeGreaterThanOrEqual(0);
    return i;
  });

describe('promotion from an empty prod account (tekalo prod: imagesFrom dev)', () => {
  it('dev deploys and pushes, prod copies the image by digest, later pushes replicate', async () => {
    // GIVEN nothing in either account. dev's first deploy pushes before its stack (and the rule) exist.
    const d1 = await deployAs(DEV, dev, 'abc1234');
    const devImage = [...repoOf(DEV, 'tekalo/api').images.keys()][0]!;
    expect(d1.deployments).toEqual([{ importExisting: true }]);
    expect(world.registries[DEV]!.replication).toEqual({
      prefix: 'tekalo/',
      destinations: [{ account: PROD, region: REGION }],
    });
    expect(world.replicated).toEqual([]); // pushed before the rule: never replicated
    expect(world.registries[PROD]!.repos.size).toBe(0);

    // WHEN prod deploys the same commit, into an account with no stack and no repository
    const p1 = await deployAs(PROD, prod, 'abc1234');

    // THEN nothing is refused: prod created its repository, copied dev's image by digest, then its stack adopted it
    const [create, getManifest, download, upload, put, stack] = order(
      p1.calls,
      `${PROD}:CreateRepository`,
      `${PROD}:BatchGetImage@${DEV}`,
      `${PROD}:GetDownloadUrlForLayer@${DEV}`,
      `${PROD}:CompleteLayerUpload`,
      `${PROD}:PutImage`,
      `${PROD}:deploy stack (importExisting=true)`,
    );
    expect([create, getManifest, download, upload, put, stack]).toEqual(
      [create, getManifest, download, upload, put, stack].sort((a, b) => a! - b!),
    );
    expect(p1.calls.some((c) => c.includes('docker push'))).toBe(false);
    expect(p1.report.promoted).toEqual({ api: devImage });
    const prodRepo = repoOf(PROD, 'tekalo/api');
    expect(prodRepo.images.get(devImage)?.tags).toEqual(new Set(['abc1234']));
    expect(prodRepo).toMatchObject({ owner: 'tekalo-prod', mutability: 'IMMUTABLE', scanOnPush: true });
    expect(p1.lines.join('\n')).toMatch(/copied by digest \(replication had not delivered it\)/);
    expect(world.registries[PROD]!.policy).toBeDefined();

    // AND the next dev push replicates (the rule and prod's registry policy both exist now); prod copies nothing
    const d2 = await deployAs(DEV, dev, 'def5678');
    expect(d2.report.imageTag).toBe('def5678');
    const newer = [...repoOf(DEV, 'tekalo/api').images].find(([, i]) => i.tags.has('def5678'))![0];
    expect(world.replicated).toEqual([`tekalo/api@${newer} → ${PROD}`]);
    const p2 = await deployAs(PROD, prod, 'def5678');
    expect(p2.report.promoted).toEqual({ api: newer });
    expect(
      p2.calls.filter((c) => /BatchGetImage|PutImage|CreateRepository|LayerUpload|RegistryPolicy/.test(c)),
    ).toEqual([]);
    expect(p2.lines.join('\n')).toMatch(
      /api: promoting tekalo\/api:def5678 \(sha256:[0-9a-f]{64}\) from dev$/m,
    );
  }, 120_000);

  it('adopts a repository a replica created before prod had a stack, instead of colliding with it', async () => {
    // GIVEN dev deployed once (its rule exists), and prod's registry already admits dev (say, a prod stack that was
    // deleted left it, or an administrator set it): dev's next push replicates and ECR creates tekalo/api in prod
    // with its defaults (mutable tags, no scan)
    await deployAs(DEV, dev, 'abc1234');
    world.registries[PROD]!.policy = {
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${DEV}:root` },
          Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
          Resource: arnOf(PROD, 'tekalo/*'),
        },
      ],
    };
    await deployAs(DEV, dev, 'def5678');
    expect(repoOf(PROD, 'tekalo/api')).toMatchObject({ mutability: 'MUTABLE', scanOnPush: false });
    expect(repoOf(PROD, 'tekalo/api').owner).toBeUndefined();

    // WHEN prod's first deploy runs
    const p = await deployAs(PROD, prod, 'def5678');

    // THEN it adopts the repository (the stack's settings first, then import), finds the replica, copies nothing, and
    // deletes the registry policy that grants only tekalo's replication, so the stack's create does not fail on it
    const [deletePolicy, mutability, scan, stack] = order(
      p.calls,
      'DeleteRegistryPolicy',
      'PutImageTagMutability',
      'PutImageScanningConfiguration',
      'deploy stack (importExisting=true)',
    );
    expect(deletePolicy! < stack! && mutability! < stack! && scan! < stack!).toBe(true);
    expect(world.registries[PROD]!.policyOwner).toBe('tekalo-prod');
    expect(p.calls.filter((c) => /CreateRepository|BatchGetImage|PutImage /.test(c))).toEqual([]);
    expect(repoOf(PROD, 'tekalo/api')).toMatchObject({
      owner: 'tekalo-prod',
      mutability: 'IMMUTABLE',
      scanOnPush: true,
    });
    expect(p.lines.join('\n')).toMatch(/adopting ECR repository tekalo\/api: tags made immutable/);
  }, 120_000);

  it("refuses a copy whose bytes do not hash to the manifest's digest", async () => {
    await deployAs(DEV, dev, 'abc1234');
    const devRepo = repoOf(DEV, 'tekalo/api');
    const [layerDigest] = [...devRepo.blobs.keys()].filter((d) => devRepo.blobs.get(d)!.length > 1000);
    devRepo.blobs.set(layerDigest!, Buffer.from('tampered'));
    await expect(deployAs(PROD, prod, 'abc1234')).rejects.toThrow(
      /tekalo\/api@sha256:[0-9a-f]{64} downloaded from the source registry hashes to sha256:[0-9a-f]{64}: not copied/,
    );
    expect(world.stacks.has('tekalo-prod')).toBe(false);
  }, 120_000);

  it('without the source repository policy the copy is denied, which is why dev admits prod to pull', async () => {
    await deployAs(DEV, dev, 'abc1234');
    delete repoOf(DEV, 'tekalo/api').policy;
    await expect(deployAs(PROD, prod, 'abc1234')).rejects.toThrow(
      /222222222222 may not ecr:BatchGetImage on tekalo\/api/,
    );
  }, 120_000);

  it('copies a multi-platform image: each platform manifest by digest, then the index under the tag', async () => {
    // GIVEN dev's repository holds an index of two platform images under the tag, nothing in prod
    await deployAs(DEV, dev, 'abc1234');
    const devRepo = repoOf(DEV, 'tekalo/api');
    const amd = dockerPush(DEV, 'tekalo/api', undefined, 'amd64');
    const arm = dockerPush(DEV, 'tekalo/api', undefined, 'arm64');
    const indexType = 'application/vnd.oci.image.index.v1+json';
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: indexType,
      manifests: [amd, arm].map((digest, i) => ({
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        digest,
        size: devRepo.images.get(digest)!.manifest.length,
        platform: { os: 'linux', architecture: i ? 'arm64' : 'amd64' },
      })),
    });
    const indexDigest = putImage(DEV, devRepo, index, indexType, 'multi1');

    // WHEN prod promotes that tag
    world.caller = PROD;
    const lines: string[] = [];
    const promotion = await promoteImages(prod, 'multi1', awsClients(REGION), {
      clients: awsClients,
      progress: (l) => lines.push(l),
    });

    // THEN the same index digest is there under the tag, with both platform images and all their blobs
    expect(promotion).toMatchObject({
      digests: { api: indexDigest },
      arrived: { api: 'copied' },
      createdRepositories: 1,
    });
    const prodRepo = repoOf(PROD, 'tekalo/api');
    expect(prodRepo.images.get(indexDigest)?.tags).toEqual(new Set(['multi1']));
    expect(prodRepo.images.has(amd) && prodRepo.images.has(arm)).toBe(true);
    for (const d of [amd, arm]) {
      const m = JSON.parse(prodRepo.images.get(d)!.manifest) as {
        config: { digest: string };
        layers: { digest: string }[];
      };
      for (const b of [m.config.digest, ...m.layers.map((l) => l.digest)])
        expect(prodRepo.blobs.get(b)).toEqual(devRepo.blobs.get(b));
    }
  }, 120_000);

  it('refuses, before changing anything, when the registry policy holds grants that are not tekalo replication', async () => {
    await deployAs(DEV, dev, 'abc1234');
    world.registries[PROD]!.policy = {
      Statement: [
        {
          Sid: 'OtherAppReplication',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::333333333333:root' },
          Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
          Resource: arnOf(PROD, 'billing/*'),
        },
      ],
    };
    const start = world.calls.length;
    await expect(deployAs(PROD, prod, 'abc1234')).rejects.toThrow(
      /registry in us-east-1 already has a registry policy \(OtherAppReplication\), set outside tekalo-prod\..*Nothing was changed/,
    );
    expect(world.calls.slice(start)).toEqual([`${PROD}:GetRegistryPolicy`]);
    expect(world.registries[PROD]!.repos.size).toBe(0);
    expect(world.stacks.has('tekalo-prod')).toBe(false);
  }, 120_000);
});

describe('the promoted deploy after a merge: images are tagged with the tree hash', () => {
  it('prod, at the merge commit on main, finds the image dev pushed at the commit it merged', async () => {
    // GIVEN a real repository: development deployed its head; main merged it (--no-ff: a commit of its own)
    const repo = mergeRepo();
    const atRef = async (account: string, resolved: ResolvedApp, ref: string, imageTag?: string) => {
      repo.git('checkout', '-q', ref);
      world.caller = account;
      const lines: string[] = [];
      const start = world.calls.length;
      const report = await deploy(
        {
          resolved,
          configDir: repo.dir,
          approve: true,
          skipMigrations: true,
          ...(imageTag ? { imageTag } : {}),
        },
        { ...deps(resolved, 'unused', lines, []), git: gitRevision },
      );
      return { report, lines, calls: world.calls.slice(start) };
    };
    const d = await atRef(DEV, dev, 'development');
    const tree = repo.git('rev-parse', 'HEAD^{tree}');
    expect(d.report.imageTag).toBe(tree.slice(0, 12));
    expect(d.calls).toContain(
      `${DEV}:docker push ${DEV}.dkr.ecr.${REGION}.amazonaws.com/tekalo/api:${tree.slice(0, 12)}`,
    );
    const devImage = [...repoOf(DEV, 'tekalo/api').images.keys()][0]!;

    // the merge commit's own hash was never pushed: a commit-hash tag finds nothing to promote
    const mergeShort = repo.mergeCommit.slice(0, 12);
    await expect(atRef(PROD, prod, 'main', mergeShort)).rejects.toThrow(
      new RegExp(
        `tekalo/api:${mergeShort} is not in this environment's registry .*Deploy dev at this commit first`,
      ),
    );

    // WHEN prod deploys main with the tag berth deploy computes there
    const p = await atRef(PROD, prod, 'main');

    // THEN it is dev's tag, and prod runs dev's very image (copied by digest), building nothing
    expect(p.report.imageTag).toBe(d.report.imageTag);
    expect(p.report.promoted).toEqual({ api: devImage });
    expect(p.calls.some((c) => c.includes('docker push'))).toBe(false);
    expect(repoOf(PROD, 'tekalo/api').images.get(devImage)?.tags).toEqual(new Set([tree.slice(0, 12)]));
    expect(world.stacks.get('tekalo-prod')).toEqual({ account: PROD, tag: tree.slice(0, 12) });
  }, 120_000);
});
