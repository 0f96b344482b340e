import { createHash } from 'node:crypto';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  DeleteRegistryPolicyCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetDownloadUrlForLayerCommand,
  GetRegistryPolicyCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  UploadLayerPartCommand,
  type ECRClient,
  type Repository,
} from '@aws-sdk/client-ecr';
import { repositoryName, type ResolvedApp } from '@berthjs/config';
import { CliError, EXIT } from '@berthjs/config/load';
import type { AwsClients, OpsRuntime } from './aws';
import type { StackTemplate } from './diff';

/** What a promoted environment's deploy found or did in its own registry before the stacks deploy. */
export interface Promotion {
  /** The digest each built service runs, by service: replicated, or copied from the source here. */
  readonly digests: Record<string, string>;
  /** How each image arrived: ECR replication delivered it, or this deploy copied it by digest. */
  readonly arrived: Record<string, 'replicated' | 'copied'>;
  /** Repositories this deploy created (the stack imports them: import-existing-resources). */
  readonly createdRepositories: number;
  /** Repositories that existed without the stack (created by replication or a deleted stack) and were adopted. */
  readonly adoptedRepositories: readonly string[];
  /** A registry policy left without a stack that only held this app's replication grant: deleted for the stack. */
  readonly replacedRegistryPolicy?: boolean;
}

/** Whether any of the stacks declares a resource of this type. */
export function declares(stacks: readonly StackTemplate[], type: string): boolean {
  return stacks.some((s) =>
    Object.values((s.template.Resources ?? {}) as Record<string, { Type?: string }>).some(
      (r) => r.Type === type,
    ),
  );
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];
/** ECR's UploadLayerPart takes one part per call; 10 MiB keeps memory flat for large layers. */
const PART_BYTES = 10 * 1024 * 1024;

interface Descriptor {
  readonly digest: string;
  readonly mediaType?: string;
}
interface ManifestJson {
  readonly mediaType?: string;
  readonly config?: Descriptor;
  readonly layers?: readonly Descriptor[];
  /** An index (manifest list): one manifest per platform. */
  readonly manifests?: readonly Descriptor[];
}

const named = (err: unknown, ...names: string[]) => names.includes((err as Error)?.name);

/**
 * The images a promoted environment runs, in its own registry, from nothing in either account:
 *
 * 1. Each repository `<app>/<service>` exists here with the stack's settings: created (immutable tags, scan on push)
 *    when missing, or adopted when replication or a deleted stack left one (a repository ECR creates for a replica
 *    has mutable tags unless a repository creation template says otherwise:
 *    https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates.html), so the stack's own
 *    `AWS::ECR::Repository` imports it (import-existing-resources) instead of failing on its name.
 * 2. The tag is here (replication delivered it) → its digest. Else it is copied from the source environment's
 *    registry by digest: manifest (BatchGetImage), each layer and config blob not here yet (GetDownloadUrlForLayer,
 *    then InitiateLayerUpload / UploadLayerPart / CompleteLayerUpload, each blob's sha256 checked), then PutImage of
 *    the very manifest bytes under the tag, whose digest must equal the source's. Replication cannot do this part:
 *    it only copies images pushed after its rule exists
 *    (https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication-backfill.html) and into a registry whose
 *    policy admits the source, which a promoted environment's first stack creates; the source's first image was
 *    pushed before either. Later pushes replicate.
 */
export async function promoteImages(
  resolved: ResolvedApp,
  tag: string,
  clients: AwsClients,
  rt: Pick<OpsRuntime, 'clients' | 'progress'>,
  /** The stack is about to create its AWS::ECR::RegistryPolicy (its first deploy): check the registry has none. */
  createsRegistryPolicy = false,
): Promise<Promotion> {
  // Read first (a foreign policy refuses before anything changes), deleted last (once the images are here).
  const staleRegistryPolicy = createsRegistryPolicy
    ? await ownRegistryPolicy(resolved, clients.ecr, clients.region)
    : false;
  const source = resolved.imagesFrom!;
  const sourceEcr = rt.clients(source.region).ecr;
  const sameRegistry =
    (source.account ?? '') === (resolved.account ?? '') && source.region === clients.region;
  const digests: Record<string, string> = {};
  const arrived: Record<string, 'replicated' | 'copied'> = {};
  const adopted: string[] = [];
  let created = 0;
  for (const service of Object.values(resolved.services)) {
    if (service.image.kind !== 'build') continue;
    const repository = repositoryName(resolved.app, service.name);
    const existing = await describeRepository(clients.ecr, repository);
    if (!existing) {
      if (sameRegistry) throw missing(resolved, repository, tag, clients.region);
      rt.progress(
        `  ${service.name}: creating ECR repository ${repository} (immutable tags, scan on push); the stack adopts it`,
      );
      await clients.ecr.send(
        new CreateRepositoryCommand({
          repositoryName: repository,
          imageTagMutability: 'IMMUTABLE',
          imageScanningConfiguration: { scanOnPush: true },
        }),
      );
      created++;
    } else if (!sameRegistry && (await alignRepository(clients.ecr, existing, rt.progress)))
      adopted.push(repository);

    const here = await imageDigest(clients.ecr, repository, tag);
    if (here) {
      rt.progress(`  ${service.name}: promoting ${repository}:${tag} (${here}) from ${source.stage}`);
      digests[service.name] = here;
      arrived[service.name] = 'replicated';
      continue;
    }
    if (sameRegistry) throw missing(resolved, repository, tag, clients.region);
    const copied = await copyImage(
      { ecr: sourceEcr, ...(source.account ? { registryId: source.account } : {}) },
      clients.ecr,
      repository,
      tag,
      rt.progress,
    );
    if (!copied) throw missing(resolved, repository, tag, clients.region);
    rt.progress(
      `  ${service.name}: promoting ${repository}:${tag} (${copied}) from ${source.stage}, copied by digest (replication had not delivered it)`,
    );
    digests[service.name] = copied;
    arrived[service.name] = 'copied';
  }
  if (staleRegistryPolicy) {
    rt.progress(
      `  the registry policy left without a stack grants only ${resolved.app}'s replication: deleted, the stack creates the same one`,
    );
    await clients.ecr.send(new DeleteRegistryPolicyCommand({}));
  }
  return {
    digests,
    arrived,
    createdRepositories: created,
    adoptedRepositories: adopted,
    ...(staleRegistryPolicy ? { replacedRegistryPolicy: true } : {}),
  };
}

/**
 * A registry has one registry policy, and CloudFormation's AWS::ECR::RegistryPolicy fails to create when one exists
 * ("MUST return FAILED with an AlreadyExists error code": its CreateHandler, aws-cloudformation-resource-providers-ecr
 * aws-ecr-registrypolicy); import-existing-resources cannot adopt it either (its identifier, RegistryId, is
 * read-only). True for a policy that holds only this app's replication grant (set by hand as Berth would, or left
 * behind): `promoteImages` deletes it once the images are in place, and the stack writes the same one. Anything else
 * is refused before any change, naming what is there.
 */
async function ownRegistryPolicy(resolved: ResolvedApp, ecr: ECRClient, region: string): Promise<boolean> {
  let text: string | undefined;
  try {
    text = (await ecr.send(new GetRegistryPolicyCommand({}))).policyText;
  } catch (err) {
    if (named(err, 'RegistryPolicyNotFoundException')) return false;
    throw err;
  }
  if (!text) return false;
  const statements = (
    [] as { Sid?: string; Action?: string | string[]; Resource?: string | string[] }[]
  ).concat((JSON.parse(text) as { Statement?: [] }).Statement ?? []);
  const list = (v: string | string[] | undefined) => ([] as string[]).concat(v ?? []);
  const ours = statements.every(
    (st) =>
      list(st.Action).every((a) => a === 'ecr:CreateRepository' || a === 'ecr:ReplicateImage') &&
      list(st.Resource).length > 0 &&
      list(st.Resource).every((r) => r.endsWith(`:repository/${resolved.app}/*`)),
  );
  if (!ours)
    throw new CliError(
      `This account's ECR registry in ${region} already has a registry policy (${statements.map((st) => st.Sid ?? list(st.Action).join('+')).join(', ')}), set outside ${resolved.app}-${resolved.stage}. The stack creates the registry policy that admits ${resolved.imagesFrom!.stage}'s account to replicate, and CloudFormation cannot create it over an existing one (AlreadyExists) nor import it. Move those statements elsewhere and delete it (aws ecr delete-registry-policy), then deploy again. Nothing was changed.`,
      EXIT.failed,
    );
  return true;
}

function missing(resolved: ResolvedApp, repository: string, tag: string, region: string): CliError {
  const source = resolved.imagesFrom!.stage;
  return new CliError(
    `${resolved.stage} promotes images from ${source}, and ${repository}:${tag} is not in this environment's registry (${region}), and ${source}'s registry does not hold it either. Deploy ${source} at this commit first, or pass --image-tag with a tag ${source} has deployed.`,
    EXIT.failed,
  );
}

async function describeRepository(ecr: ECRClient, name: string): Promise<Repository | undefined> {
  try {
    return (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))).repositories?.[0];
  } catch (err) {
    if (named(err, 'RepositoryNotFoundException')) return undefined;
    throw err;
  }
}

/**
 * Brings a repository Berth did not configure to the stack's settings; true when it changed it. Berth's stack always
 * makes tags immutable, so a mutable repository was created by replication (ECR's default) or by hand: its tags are
 * made immutable and scan on push turned on. An immutable one is the stack's or already adopted and is left alone,
 * so the deploys that follow (with the deployer role, which may not change repository settings) never need to.
 */
async function alignRepository(
  ecr: ECRClient,
  repository: Repository,
  progress: (line: string) => void,
): Promise<boolean> {
  const name = repository.repositoryName!;
  if (repository.imageTagMutability === 'IMMUTABLE') return false;
  progress(`  adopting ECR repository ${name}: tags made immutable (it was created outside the stack)`);
  await ecr.send(new PutImageTagMutabilityCommand({ repositoryName: name, imageTagMutability: 'IMMUTABLE' }));
  if (repository.imageScanningConfiguration?.scanOnPush !== true) {
    progress(`  adopting ECR repository ${name}: scan on push turned on`);
    await ecr.send(
      new PutImageScanningConfigurationCommand({
        repositoryName: name,
        imageScanningConfiguration: { scanOnPush: true },
      }),
    );
  }
  return true;
}

async function imageDigest(ecr: ECRClient, repository: string, tag: string): Promise<string | undefined> {
  try {
    const res = await ecr.send(
      new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }),
    );
    return res.imageDetails?.[0]?.imageDigest;
  } catch (err) {
    if (named(err, 'ImageNotFoundException', 'RepositoryNotFoundException')) return undefined;
    throw err;
  }
}

interface SourceRegistry {
  readonly ecr: ECRClient;
  readonly registryId?: string;
}

interface FetchedManifest {
  readonly manifest: string;
  readonly mediaType: string;
  readonly digest: string;
}

async function getManifest(
  from: SourceRegistry,
  repository: string,
  imageId: { imageTag: string } | { imageDigest: string },
): Promise<FetchedManifest | undefined> {
  let res;
  try {
    res = await from.ecr.send(
      new BatchGetImageCommand({
        ...(from.registryId ? { registryId: from.registryId } : {}),
        repositoryName: repository,
        imageIds: [imageId],
        acceptedMediaTypes: MANIFEST_TYPES,
      }),
    );
  } catch (err) {
    if (named(err, 'RepositoryNotFoundException')) return undefined;
    throw err;
  }
  const image = res.images?.[0];
  if (!image?.imageManifest || !image.imageId?.imageDigest) return undefined;
  const digest = `sha256:${createHash('sha256').update(image.imageManifest).digest('hex')}`;
  if (digest !== image.imageId.imageDigest)
    throw new CliError(
      `The manifest of ${repository} read from the source registry hashes to ${digest}, not ${image.imageId.imageDigest}: not copied.`,
      EXIT.failed,
    );
  const mediaType =
    image.imageManifestMediaType ?? (JSON.parse(image.imageManifest) as ManifestJson).mediaType ?? '';
  return { manifest: image.imageManifest, mediaType, digest };
}

/** Copies `repository:tag` from the source registry into this one by digest; undefined when the source lacks it. */
async function copyImage(
  from: SourceRegistry,
  to: ECRClient,
  repository: string,
  tag: string,
  progress: (line: string) => void,
): Promise<string | undefined> {
  const top = await getManifest(from, repository, { imageTag: tag });
  if (!top) return undefined;
  const parsed = JSON.parse(top.manifest) as ManifestJson;
  // An index names one manifest per platform: each is copied (untagged, by digest) before the index.
  for (const child of parsed.manifests ?? []) {
    const m = await getManifest(from, repository, { imageDigest: child.digest });
    if (!m)
      throw new CliError(
        `${repository}:${tag} in the source registry names ${child.digest}, which it does not hold: not copied.`,
        EXIT.failed,
      );
    await copyBlobs(from, to, repository, JSON.parse(m.manifest) as ManifestJson, progress);
    await putManifest(to, repository, m, undefined);
  }
  await copyBlobs(from, to, repository, parsed, progress);
  return putManifest(to, repository, top, tag);
}

async function putManifest(
  to: ECRClient,
  repository: string,
  m: FetchedManifest,
  tag: string | undefined,
): Promise<string> {
  try {
    const res = await to.send(
      new PutImageCommand({
        repositoryName: repository,
        imageManifest: m.manifest,
        imageManifestMediaType: m.mediaType,
        imageDigest: m.digest,
        ...(tag ? { imageTag: tag } : {}),
      }),
    );
    const digest = res.image?.imageId?.imageDigest;
    if (digest !== m.digest)
      throw new CliError(
        `ECR stored ${repository}${tag ? `:${tag}` : ''} as ${digest ?? 'no digest'}, not the source's ${m.digest}.`,
        EXIT.failed,
      );
    return digest;
  } catch (err) {
    // Replication (or another deploy) got there first: fine when it is the very same image.
    if (named(err, 'ImageAlreadyExistsException', 'ImageTagAlreadyExistsException')) {
      const there = tag ? await imageDigest(to, repository, tag) : m.digest;
      if (there === m.digest) return m.digest;
      throw new CliError(
        `${repository}:${tag} already exists in this registry as ${there}, not the source's ${m.digest}; tags are immutable, so it cannot be replaced. Promote another tag.`,
        EXIT.failed,
        { cause: err },
      );
    }
    throw err;
  }
}

async function copyBlobs(
  from: SourceRegistry,
  to: ECRClient,
  repository: string,
  manifest: ManifestJson,
  progress: (line: string) => void,
): Promise<void> {
  const digests = [
    ...new Set([manifest.config?.digest, ...(manifest.layers ?? []).map((l) => l.digest)]),
  ].filter((d): d is string => !!d);
  if (!digests.length) return;
  const present = new Set<string>();
  for (let i = 0; i < digests.length; i += 100) {
    const res = await to.send(
      new BatchCheckLayerAvailabilityCommand({
        repositoryName: repository,
        layerDigests: digests.slice(i, i + 100),
      }),
    );
    for (const l of res.layers ?? [])
      if (l.layerAvailability === 'AVAILABLE' && l.layerDigest) present.add(l.layerDigest);
  }
  const needed = digests.filter((d) => !present.has(d));
  progress(`    ${repository}: ${needed.length} of ${digests.length} blobs to copy`);
  for (const digest of needed) await copyBlob(from, to, repository, digest);
}

async function copyBlob(
  from: SourceRegistry,
  to: ECRClient,
  repository: string,
  digest: string,
): Promise<void> {
  const { downloadUrl } = await from.ecr.send(
    new GetDownloadUrlForLayerCommand({
      ...(from.registryId ? { registryId: from.registryId } : {}),
      repositoryName: repository,
      layerDigest: digest,
    }),
  );
  if (!downloadUrl) throw new CliError(`ECR gave no download URL for ${repository}@${digest}.`, EXIT.failed);
  const res = await fetch(downloadUrl);
  if (!res.ok || !res.body)
    throw new CliError(`Downloading ${repository}@${digest} failed: HTTP ${res.status}.`, EXIT.failed);
  const { uploadId } = await to.send(new InitiateLayerUploadCommand({ repositoryName: repository }));
  const hash = createHash('sha256');
  let offset = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (!pendingBytes) return;
    const part = Buffer.concat(pending, pendingBytes);
    await to.send(
      new UploadLayerPartCommand({
        repositoryName: repository,
        uploadId,
        partFirstByte: offset,
        partLastByte: offset + part.length - 1,
        layerPartBlob: part,
      }),
    );
    offset += part.length;
    pending = [];
    pendingBytes = 0;
  };
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    const b = Buffer.from(chunk);
    hash.update(b);
    pending.push(b);
    pendingBytes += b.length;
    if (pendingBytes >= PART_BYTES) await flush();
  }
  await flush();
  const got = `sha256:${hash.digest('hex')}`;
  if (got !== digest)
    throw new CliError(
      `${repository}@${digest} downloaded from the source registry hashes to ${got}: not copied.`,
      EXIT.failed,
    );
  await to.send(
    new CompleteLayerUploadCommand({ repositoryName: repository, uploadId, layerDigests: [digest] }),
  );
}
