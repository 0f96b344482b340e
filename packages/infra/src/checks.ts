import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnResource, Stack, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, type NagPack } from 'cdk-nag';
import { parameterNotes, type ResolvedApp } from '@berthjs/config';
import { acknowledgementFor, configAcknowledgementFor } from './acknowledgements';
import { runCfnLint, type CfnLintMatch } from './cfn-lint';
import { runGuard, type GuardViolation } from './guard';
import { identifierCollisions, type StackTemplateAt } from './collisions';
import { allStacks, buildApp } from './app';
import { BerthStack, CdnCertificateStack, StandbyStack } from './stack';
import { BERTH_RULES, PermissionsProven, type Template } from './rules/index';
import { fixFor } from './fixes';
import { quotaExceeded, quotaPlaces, type QuotaPlace } from './quotas';

export type FindingSource = 'AwsSolutions' | 'NIST.800.53.R5' | 'ControlTower' | 'cfn-lint' | 'Berth';

export interface Finding {
  readonly source: FindingSource;
  /** e.g. `AwsSolutions-IAM5[Action::s3:*]`, `ct-s3-pr-1`, `W3691` (cfn-lint), `Berth-ContractSatisfied`. */
  readonly rule: string;
  readonly stage: string;
  /** Logical id in the template when known. */
  readonly resource: string;
  /** Construct path inside the stack (`Edge/LoadBalancer/Resource`) when known. */
  readonly path?: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** The written reason, when acknowledged. */
  readonly acknowledged?: string;
  /** What to change in berth.config.ts to clear it (or where the rule is documented), when not acknowledged. */
  readonly fix?: string;
  /** Who acknowledged it: Berth's own list, or the app's `acknowledgements` in berth.config.ts. */
  readonly acknowledgedBy?: 'berth' | 'config';
}

export interface CheckReport {
  readonly findings: readonly Finding[];
  /** Unacknowledged errors: `berth check` exits 1 when this is not 0. */
  readonly errors: number;
  readonly warnings: number;
  readonly acknowledged: number;
  /** Whether the Control Tower guard rules ran, and why not. */
  readonly guard: { readonly ran: boolean; readonly reason?: string; readonly cached?: number };
  /** Whether cfn-lint ran (its version), and why not. */
  readonly cfnLint: {
    readonly ran: boolean;
    readonly version?: string;
    readonly reason?: string;
    /** How many templates' results came from the cache (runChecksAsync). */
    readonly cached?: number;
  };
  /**
   * Service Quotas the app's environments use in each account and region of the checked ones, against AWS's defaults
   * or the config's `quotas` (one over is also a `Berth-WithinQuotas` warning).
   */
  readonly quotas: readonly QuotaPlace[];
  /** Things to know before the first deploy that no template can fix (the SES sandbox of a new account). */
  readonly notes: readonly { readonly stage: string; readonly message: string }[];
  readonly seconds: {
    readonly synth: number;
    readonly nag: number;
    readonly guard: number;
    readonly cfnLint: number;
    readonly berth: number;
    /** runChecksAsync: the whole check, start to end (its parts overlap). */
    readonly total?: number;
  };
}

export interface RunChecksOptions {
  /** Keep the synthesized assembly here. @default - a temporary directory, removed afterwards */
  readonly outdir?: string;
  /** Skip the Control Tower guard rules (the cfn-guard binary). @default false */
  readonly skipGuard?: boolean;
  /** Skip cfn-lint even when it is on PATH. @default false */
  readonly skipCfnLint?: boolean;
  /**
   * The app's other environments. Those sharing an account and region with a checked one are synthesized too
   * (not checked themselves) so Berth-NoSharedIdentifiers can name two stacks that would create the same
   * identifier. @default - none: only collisions among the checked environments are found
   */
  readonly siblings?: readonly ResolvedApp[];
}

/**
 * Synthesizes each environment and checks it: cdk-nag AwsSolutions and NIST 800-53 rev 5, the Control Tower guard
 * rules through cfn-guard (bundled binary, offline), cfn-lint when it is on PATH (every template of every
 * environment in one process; errors fail, warnings are fixed or acknowledged), and Berth's own rules. Acknowledged findings stay in the report
 * with their written reason and do not count as errors.
 */
export function runChecks(
  resolved: ResolvedApp | readonly ResolvedApp[],
  options: RunChecksOptions = {},
): CheckReport {
  const run = synthFor(resolved, options);
  try {
    const raw = nagAll(run.app);
    const nag = run.lap();
    let guard: CheckReport['guard'] = { ran: false, reason: 'skipped (--skip-guard)' };
    if (!options.skipGuard) {
      try {
        raw.push(...guardFindings(runGuard(run.templates.map((t) => t.path)), run.templates));
        guard = { ran: true };
      } catch (err) {
        guard = { ran: false, reason: firstLine(err, 'cfn-guard failed') };
      }
    }
    const guardSeconds = run.lap();
    let cfnLint: CheckReport['cfnLint'] = { ran: false, reason: 'skipped (--skip-cfn-lint)' };
    if (!options.skipCfnLint) {
      const lint = runCfnLint(run.templates.map((t) => t.path));
      if (lint.ran) {
        raw.push(...cfnLintFindings(lint.matches, run.templates));
        cfnLint = { ran: true, version: lint.version };
      } else cfnLint = { ran: false, reason: lint.reason };
    }
    const cfnLintSeconds = run.lap();
    const { quotas } = berthFindings(run, options, raw);
    const seconds = { synth: run.synth, nag, guard: guardSeconds, cfnLint: cfnLintSeconds, berth: run.lap() };
    return report(run.list, raw, guard, cfnLint, quotas, seconds);
  } finally {
    run.done();
  }
}

export function firstLine(err: unknown, otherwise: string): string {
  return (err as Error)?.message?.trim().split('\n')[0] || otherwise;
}

/** Builds and synthesizes the environments: the templates every check reads, and a lap timer. */
export function synthFor(resolved: ResolvedApp | readonly ResolvedApp[], options: RunChecksOptions) {
  const list = Array.isArray(resolved) ? (resolved as readonly ResolvedApp[]) : [resolved as ResolvedApp];
  const outdir = options.outdir ?? mkdtempSync(join(tmpdir(), 'berth-check-'));
  let t = performance.now();
  const lap = () => {
    const now = performance.now();
    const s = (now - t) / 1000;
    t = now;
    return s;
  };
  try {
    const app = buildApp(list, { outdir });
    const templates = templatesOf(app, app.synth());
    const done = () => {
      if (!options.outdir) rmSync(outdir, { recursive: true, force: true });
    };
    return { list, outdir, app, templates, synth: lap(), lap, done };
  } catch (err) {
    if (!options.outdir) rmSync(outdir, { recursive: true, force: true });
    throw err;
  }
}

export function nagAll(app: App): Omit<Finding, 'acknowledged'>[] {
  return [
    ...nagFindings(app, new AwsSolutionsChecks(), 'AwsSolutions'),
    ...nagFindings(app, new NIST80053R5Checks(), 'NIST.800.53.R5'),
  ];
}

/** Berth's own rules, shared identifiers against the siblings that share a place, and the quotas. */
export function berthFindings(
  run: ReturnType<typeof synthFor>,
  options: RunChecksOptions,
  raw: Omit<Finding, 'acknowledged'>[],
): { quotas: QuotaPlace[] } {
  const { list, templates } = run;
  const others = siblingTemplates(list, options.siblings ?? [], join(run.outdir, 'siblings'));
  raw.push(...sharedIdentifierFindings(templates, list, others));
  const quotas = quotaPlaces(
    [...templates, ...others].map((t) => ({
      label: `${t.stack.resolved.stage}${t.stack instanceof StandbyStack ? ' standby' : t.stack instanceof CdnCertificateStack ? ' certificate' : ''}`,
      resolved: t.stack.resolved,
      ...(t.stack.resolved.account ? { account: t.stack.resolved.account } : {}),
      region: t.stack.region,
      template: t.template as Parameters<typeof quotaPlaces>[0][number]['template'],
    })),
    list,
  );
  for (const place of quotas)
    for (const line of place.quotas.filter((q) => q.over))
      for (const r of list.filter((c) => place.environments.some((e) => e.split(' ')[0] === c.stage)))
        raw.push({
          source: 'Berth',
          rule: 'Berth-WithinQuotas',
          stage: r.stage,
          resource: `quotas.${line.name}`,
          severity: 'warning',
          message: quotaExceeded(place, line),
        });

  for (const { stack, template } of templates) {
    // Berth's rules read the app's services and stores: the main stack of each environment. The standby's roles
    // are held by the same kind of tasks, so its permissions are proven too, in its own region.
    const rules =
      stack instanceof BerthStack ? BERTH_RULES : stack instanceof StandbyStack ? [PermissionsProven] : [];
    for (const rule of rules) {
      for (const v of rule.check({ template, resolved: stack.resolved, region: stack.region })) {
        raw.push({
          source: 'Berth',
          rule: rule.id,
          stage: stack.resolved.stage,
          resource: v.resource,
          severity: rule.severity,
          message: v.message,
        });
      }
    }
  }
  return { quotas };
}

/** Acknowledgements, fixes, unused acknowledgements, the order and the counts. */
export function report(
  list: readonly ResolvedApp[],
  raw: readonly Omit<Finding, 'acknowledged'>[],
  guard: CheckReport['guard'],
  cfnLint: CheckReport['cfnLint'],
  quotas: QuotaPlace[],
  seconds: CheckReport['seconds'],
): CheckReport {
  const byStage = new Map(list.map((r) => [r.stage, r]));
  const used = new Set<string>();
  const findings: Finding[] = raw.map((f) => {
    const resolvedStage = byStage.get(f.stage)!;
    const own = configAcknowledgementFor(f, resolvedStage);
    if (own) {
      used.add(`${f.stage}#${own.index}`);
      return { ...f, acknowledged: own.reason, acknowledgedBy: 'config' as const };
    }
    const reason = acknowledgementFor(f, resolvedStage);
    if (reason) return { ...f, acknowledged: reason, acknowledgedBy: 'berth' as const };
    const fix = fixFor(f);
    return fix ? { ...f, fix } : f;
  });
  // An acknowledgement nothing matches any more would silently cover the next finding of its kind: say so.
  for (const r of list)
    for (const a of r.acknowledgements ?? [])
      if (!used.has(`${r.stage}#${a.index}`))
        findings.push({
          source: 'Berth',
          rule: 'Berth-AcknowledgementUnused',
          stage: r.stage,
          resource: `acknowledgements.${a.index}`,
          severity: 'warning',
          message: `acknowledgements.${a.index} (${a.rule}${a.resource ? ` on ${a.resource}` : ''}) matches no finding in ${r.stage}; remove it or fix its rule/resource`,
        });
  findings.sort(
    (a, b) =>
      a.stage.localeCompare(b.stage) ||
      a.source.localeCompare(b.source) ||
      a.rule.localeCompare(b.rule) ||
      a.resource.localeCompare(b.resource),
  );
  return {
    findings,
    errors: findings.filter((f) => f.severity === 'error' && !f.acknowledged).length,
    warnings: findings.filter((f) => f.severity === 'warning' && !f.acknowledged).length,
    acknowledged: findings.filter((f) => f.acknowledged).length,
    guard,
    cfnLint,
    quotas,
    notes: [...sesSandboxNotes(list), ...engineParameterNotes(list)],
    seconds,
  };
}

function nagFindings(app: App, pack: NagPack, source: FindingSource): Omit<Finding, 'acknowledged'>[] {
  const index = new Map<string, { stage: string; logicalId: string; path: string }>();
  for (const c of app.node.findAll()) {
    if (!CfnResource.isCfnResource(c)) continue;
    const stack = Stack.of(c);
    index.set(c.node.path, {
      stage: stack.node.scope?.node.id ?? '',
      logicalId: stack.resolve(c.logicalId) as string,
      path: c.node.path.slice(stack.node.path.length + 1),
    });
  }
  const report = pack.validateScope(app);
  const out: Omit<Finding, 'acknowledged'>[] = [];
  for (const v of report.violations) {
    for (const r of v.violatingResources) {
      const known = r.constructPath ? index.get(r.constructPath) : undefined;
      out.push({
        source,
        rule: v.ruleName,
        stage: known?.stage ?? r.constructPath?.split('/')[0] ?? '',
        resource: known?.logicalId ?? r.resourceLogicalId ?? r.constructPath ?? '',
        ...(known ? { path: known.path } : {}),
        severity: v.severity === 'warning' ? 'warning' : 'error',
        message: v.description,
      });
    }
  }
  return out;
}

export function guardFindings(
  violations: readonly GuardViolation[],
  templates: readonly { stack: { resolved: ResolvedApp }; path: string }[],
): Omit<Finding, 'acknowledged'>[] {
  const stageOf = new Map(templates.map((t) => [t.path, t.stack.resolved.stage]));
  return violations.map((v) => ({
    source: 'ControlTower' as const,
    rule: v.rule,
    stage: stageOf.get(v.templatePath) ?? '',
    resource: v.resource,
    severity: 'error' as const,
    message: v.message,
  }));
}

export function cfnLintFindings(
  matches: readonly CfnLintMatch[],
  templates: readonly { stack: Stack & { resolved: ResolvedApp }; path: string }[],
): Omit<Finding, 'acknowledged'>[] {
  const byPath = new Map(templates.map((t) => [t.path, t.stack]));
  const constructPaths = new Map<Stack, Map<string, string>>();
  const pathOf = (stack: Stack, logicalId: string) => {
    let index = constructPaths.get(stack);
    if (!index) {
      index = new Map();
      for (const c of stack.node.findAll()) {
        if (CfnResource.isCfnResource(c) && Stack.of(c) === stack)
          index.set(stack.resolve(c.logicalId) as string, c.node.path.slice(stack.node.path.length + 1));
      }
      constructPaths.set(stack, index);
    }
    return index.get(logicalId);
  };
  return matches.map((m) => {
    const stack = byPath.get(m.file);
    const path = stack ? pathOf(stack, m.resource) : undefined;
    return {
      source: 'cfn-lint' as const,
      rule: m.rule,
      stage: stack?.resolved.stage ?? '',
      resource: m.resource,
      ...(path ? { path } : {}),
      severity: m.severity,
      message: m.message,
    };
  });
}

/** Every stack of a built app with its synthesized template file. */
function templatesOf(app: App, synthesized?: ReturnType<App['synth']>) {
  const assembly = synthesized ?? app.synth();
  return allStacks(app).map((stack) => {
    const stageAssembly = assembly.getNestedAssembly(`assembly-${stack.resolved.stage}`);
    const artifact = stageAssembly.getStackArtifact(stack.artifactId);
    const path = join(stageAssembly.directory, artifact.templateFile);
    return { stack, path, template: JSON.parse(readFileSync(path, 'utf8')) as Template };
  });
}

/**
 * cfn-lint alone over every template of several built apps (each synthesized once) in one process, its matches
 * acknowledged as `runChecks` acknowledges them: what CI runs over talent and every seed.
 */
export function lintApps(apps: readonly App[]): { cfnLint: CheckReport['cfnLint']; findings: Finding[] } {
  const templates = apps.flatMap((app) => templatesOf(app, app.synth()));
  const run = runCfnLint(templates.map((t) => t.path));
  if (!run.ran) return { cfnLint: { ran: false, reason: run.reason }, findings: [] };
  const byStage = new Map(templates.map((t) => [t.path, t.stack.resolved]));
  const findings = cfnLintFindings(run.matches, templates).map((f, i) => {
    const reason = acknowledgementFor(f, byStage.get(run.matches[i]!.file)!);
    return reason ? { ...f, acknowledged: reason } : f;
  });
  return { cfnLint: { ran: true, version: run.version }, findings };
}

/** The app's other environments that share an account and region with a checked one, synthesized (not checked). */
function siblingTemplates(
  checked: readonly ResolvedApp[],
  siblings: readonly ResolvedApp[],
  outdir: string,
): ReturnType<typeof templatesOf> {
  const stages = new Set(checked.map((r) => r.stage));
  const near = siblings.filter(
    (s) => !stages.has(s.stage) && checked.some((c) => c.account === s.account && c.region === s.region),
  );
  return near.length ? templatesOf(buildApp(near, { outdir }), undefined) : [];
}

/**
 * New accounts start in the SES sandbox: mail only to verified addresses, 200 a day, 1 per second. A prod
 * environment that sends mail needs production access, which AWS grants per account and region on request.
 */
function sesSandboxNotes(list: readonly ResolvedApp[]): CheckReport['notes'] {
  return list
    .filter((r) => r.profile === 'prod' && r.mail)
    .map((r) => ({
      stage: r.stage,
      message:
        `${r.stage} sends mail through SES in ${r.account ?? "the deploying credentials' account"}/${r.region}: a new account is in the SES sandbox there ` +
        '(only verified recipients, 200 messages a day) until AWS grants production access; request it before launch: ' +
        'https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html',
    }));
}

/** Engine parameters whose change a deploy does not apply by itself (static: a reboot; ElastiCache: at creation). */
function engineParameterNotes(list: readonly ResolvedApp[]): CheckReport['notes'] {
  return list.flatMap((r) =>
    (['database', 'cache'] as const).flatMap((kind) =>
      parameterNotes(kind, r[kind]?.parameters ?? {}).map((message) => ({
        stage: r.stage,
        message: `${r.stage}: ${message}`,
      })),
    ),
  );
}

/**
 * Berth-NoSharedIdentifiers: two stacks of the app (any environments) that would create the same named resource in
 * the same account and region. Siblings sharing a place with a checked environment are synthesized for this alone.
 */
function sharedIdentifierFindings(
  templates: ReturnType<typeof templatesOf>,
  checked: readonly ResolvedApp[],
  others: ReturnType<typeof templatesOf>,
): Omit<Finding, 'acknowledged'>[] {
  const stages = new Set(checked.map((r) => r.stage));
  const at = (t: (typeof templates)[number]): StackTemplateAt => ({
    stackName: t.stack.stackName,
    stage: t.stack.resolved.stage,
    ...(t.stack.resolved.account ? { account: t.stack.resolved.account } : {}),
    region: t.stack.region,
    template: t.template as StackTemplateAt['template'],
  });
  const out: Omit<Finding, 'acknowledged'>[] = [];
  for (const c of identifierCollisions([...templates, ...others].map(at))) {
    for (const [mine, theirs] of [
      [c.first, c.second],
      [c.second, c.first],
    ] as const) {
      if (!stages.has(mine.stage)) continue;
      out.push({
        source: 'Berth',
        rule: 'Berth-NoSharedIdentifiers',
        stage: mine.stage,
        resource: mine.logicalId,
        severity: 'error',
        message: `${c.type} ${JSON.stringify(c.identifier)} is also created by stack ${theirs.stackName} (${theirs.logicalId}) in the same ${c.scope === 'region' ? 'account and region' : c.scope === 'account' ? 'account' : 'partition'}: the second stack to deploy fails. Create it in one environment and import it in the others, or name it per environment.`,
      });
      break;
    }
  }
  return out;
}
