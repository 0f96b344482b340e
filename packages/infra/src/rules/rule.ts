import { serviceFamily, type ResolvedApp } from '@berthjs/config';

/** A CloudFormation resource as it appears in a synthesized template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Metadata?: Record<string, unknown>;
}

export interface Template {
  readonly Parameters?: Readonly<Record<string, { readonly Default?: unknown }>>;
  readonly Resources?: Readonly<Record<string, TemplateResource>>;
}

export interface RuleInput {
  readonly template: Template;
  readonly resolved: ResolvedApp;
  /** Region of the stack when it is not the environment's (a pilot-light standby). @default resolved.region */
  readonly region?: string;
}

/** One non-compliance: which resource (logical id), and what is wrong. */
export interface RuleViolation {
  readonly resource: string;
  readonly message: string;
}

/** A Berth rule: a pure function of the template (and the config it came from). No violations = compliant. */
export interface BerthRule {
  readonly id: string;
  readonly description: string;
  readonly severity: 'error' | 'warning';
  check(input: RuleInput): RuleViolation[];
}

/** Resources of one type, as [logicalId, resource] pairs. */
export function resourcesOfType(template: Template, type: string): [string, TemplateResource][] {
  return Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === type);
}

export interface ContainerDefinition {
  readonly Name?: string;
  readonly Environment?: readonly { Name: string; Value: unknown }[];
  readonly Secrets?: readonly { Name: string; ValueFrom: unknown }[];
  readonly PortMappings?: readonly { ContainerPort?: number }[];
}

/** The task definition of a service, found by its family (names.ts). */
export function taskDefinitionOf(input: RuleInput, service: string): [string, TemplateResource] | undefined {
  const family = serviceFamily(input.resolved, service);
  return resourcesOfType(input.template, 'AWS::ECS::TaskDefinition').find(
    ([, r]) => r.Properties?.Family === family,
  );
}

export function containerOf(task: TemplateResource, name: string): ContainerDefinition | undefined {
  const defs = (task.Properties?.ContainerDefinitions ?? []) as ContainerDefinition[];
  return defs.find((d) => d.Name === name);
}
