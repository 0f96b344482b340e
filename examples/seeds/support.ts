import { Template } from 'aws-cdk-lib/assertions';
import { resolve, type AppConfig, type ResolvedApp } from '@berthjs/config';
import { allStacks, buildApp, CdnCertificateStack, StandbyStack } from '@berthjs/infra';

export interface SeedEnvironment {
  readonly resolved: ResolvedApp;
  /** The app's stack. */
  readonly app: Template;
  /** The pilot-light standby stack, when the environment has one. */
  readonly standby?: Template;
  /** The us-east-1 CloudFront certificate stack, when the environment has one. */
  readonly certificate?: Template;
}

/**
 * Resolves and synthesizes every environment of a seed config in one CDK app (one synthesis for the file), offline.
 * Templates are read from the cloud assembly, so assertions never synthesize again.
 */
export function synthesizeSeed(config: AppConfig): Record<string, SeedEnvironment> {
  const environments = Object.keys((config as { environments: Record<string, unknown> }).environments);
  const resolved = environments.map((env) => resolve(config, env));
  const app = buildApp(resolved);
  const assembly = app.synth();
  const out: Record<
    string,
    { resolved: ResolvedApp; app?: Template; standby?: Template; certificate?: Template }
  > = Object.fromEntries(resolved.map((r) => [r.stage, { resolved: r }]));
  for (const stack of allStacks(app)) {
    const stage = stack.resolved.stage;
    const template = Template.fromJSON(
      assembly.getNestedAssembly(`assembly-${stage}`).getStackArtifact(stack.artifactId).template as Record<
        string,
        unknown
      >,
    );
    const kind =
      stack instanceof StandbyStack
        ? 'standby'
        : stack instanceof CdnCertificateStack
          ? 'certificate'
          : 'app';
    out[stage]![kind] = template;
  }
  return out as Record<string, SeedEnvironment>;
}

type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string };

/** Resources of one type whose properties contain `match` (a plain subset test on the JSON). */
export function resourcesOf(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

/** The container definition of a task definition family. */
export function containerOf(template: Template, family: string): Record<string, unknown> {
  const task = Object.values(resourcesOf(template, 'AWS::ECS::TaskDefinition')).find(
    (r) => r.Properties?.Family === family,
  );
  if (!task) throw new Error(`no task definition with family ${family}`);
  return (task.Properties!.ContainerDefinitions as Record<string, unknown>[])[0]!;
}

/** Plain environment of a container as a map. */
export function envOf(container: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    ((container.Environment ?? []) as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]),
  );
}

/** Names of the ECS secrets of a container. */
export function secretNamesOf(container: Record<string, unknown>): string[] {
  return ((container.Secrets ?? []) as { Name: string }[]).map((s) => s.Name);
}

/** Every IAM policy statement in a template, with the policy's logical id. */
export function statementsOf(template: Template): { policy: string; statement: Record<string, unknown> }[] {
  return Object.entries(resourcesOf(template, 'AWS::IAM::Policy')).flatMap(([policy, r]) =>
    ((r.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement ?? []).map(
      (statement) => ({
        policy,
        statement,
      }),
    ),
  );
}
