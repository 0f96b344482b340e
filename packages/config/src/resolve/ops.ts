import { resolveLogPatterns } from '../log-patterns';
import { show } from '../errors';
import { DEFAULTS, LOG_RETENTION_DAYS } from '../profiles';
import type { ResolvedAlarms, ResolvedApp, ResolvedBastion, ResolvedService } from '../types';
import { isCidr } from '../units';
import type { Ctx } from './context';
import { ec2CeilingFor } from './by-hand';

export function resolveBastion(ctx: Ctx): ResolvedBastion | null {
  const b = ctx.app.bastion;
  if (!b || b.enabled === false) return null;
  const allowedCidrs = b.allowedCidrs ?? [];
  allowedCidrs.forEach((c, i) => {
    if (!isCidr(c))
      ctx.report(
        `bastion.allowedCidrs.${i}`,
        `got ${show(c)}; expected an IPv4 CIDR such as '203.0.113.7/32'`,
      );
    else if (Number(c.split('/')[1]) < 24)
      ctx.report(
        `bastion.allowedCidrs.${i}`,
        `got ${show(c)}; a bastion admits single hosts or small ranges: /24 to /32`,
      );
  });
  if (allowedCidrs.length && !b.keyName)
    ctx.report(
      'bastion.allowedCidrs',
      'SSH needs keyName; without a key the bastion is reached through SSM Session Manager only',
    );
  return {
    allowedCidrs,
    ...(b.keyName ? { keyName: b.keyName } : {}),
    instanceType: b.instanceType ?? DEFAULTS.bastionInstanceType,
  };
}

export function resolveEc2(ctx: Ctx, services: Record<string, ResolvedService>): ResolvedApp['ec2'] {
  const users = Object.values(services).filter((s) => s.capacity === 'ec2');
  const e = ctx.app.ec2;
  if (!users.length) return null;
  const d = DEFAULTS.ec2;
  const instanceType = e?.instanceType ?? d.instanceType;
  const minInstances = e?.minInstances ?? d.minInstances;
  const out = {
    instanceType,
    minInstances,
    // Unset: enough instances to hold the services' most tasks (by-hand.ts); set: checked against them.
    maxInstances:
      e?.maxInstances ?? ec2CeilingFor(instanceType, users, Math.max(minInstances, d.maxInstances)),
    targetCapacityPercent: e?.targetCapacityPercent ?? d.targetCapacityPercent,
  };
  if (out.minInstances < 0) ctx.report('ec2.minInstances', `got ${out.minInstances}; must be ≥ 0`);
  if (out.maxInstances < Math.max(1, out.minInstances))
    ctx.report(
      'ec2.maxInstances',
      `got ${out.maxInstances}; must be ≥ 1 and ≥ minInstances (${out.minInstances})`,
    );
  if (out.targetCapacityPercent < 1 || out.targetCapacityPercent > 100)
    ctx.report('ec2.targetCapacityPercent', `got ${out.targetCapacityPercent}; allowed: 1–100`);
  return out;
}

export function resolveAlarms(ctx: Ctx): ResolvedAlarms | null {
  const a = ctx.app.alarms;
  const emails = a?.emails ?? [];
  const hasTarget = emails.length > 0 || !!a?.pagerduty;
  // Checked in every environment, those without alarms too: a wrong pattern is found before prod is deployed.
  const logPatterns = resolveLogPatterns(a?.logPatterns, ctx.declared.services, ctx.report);
  if (a?.enabled === true && !hasTarget) {
    ctx.report('alarms', 'enabled, but nobody would be told: add emails or pagerduty');
    return null;
  }
  const enabled = a?.enabled ?? (ctx.profile.alarms && hasTarget);
  if (!enabled) return null;
  const cpu = a?.cpu ?? DEFAULTS.alarmCpu;
  const memory = a?.memory ?? DEFAULTS.alarmMemory;
  for (const [k, v] of [
    ['cpu', cpu],
    ['memory', memory],
  ] as const) {
    if (v < 1 || v > 100) ctx.report(`alarms.${k}`, `got ${v}; a threshold is 1–100 (%)`);
  }
  return { emails, ...(a?.pagerduty ? { pagerduty: a.pagerduty } : {}), cpu, memory, logPatterns };
}

export function resolveLogRetention(ctx: Ctx): number {
  const days = ctx.app.logRetentionDays ?? ctx.profile.logRetentionDays;
  if (!LOG_RETENTION_DAYS.includes(days))
    ctx.report('logRetentionDays', `got ${days}; allowed (CloudWatch): ${LOG_RETENTION_DAYS.join(', ')}`);
  return days;
}

export function resolveRemoval(ctx: Ctx): ResolvedApp['removal'] {
  const removal = ctx.app.removal ?? ctx.profile.removal;
  if (ctx.profileName === 'prod' && removal === 'destroy') {
    ctx.report(
      'removal',
      "got \"destroy\"; a prod environment may never destroy stateful data: allowed 'retain' or 'snapshot'",
    );
  }
  return removal;
}

export function resolveAuth(ctx: Ctx): ResolvedApp['auth'] {
  if (!ctx.app.auth) return null;
  const { issuer, audience, jwksUrl } = ctx.app.auth;
  if (!issuer || !audience) {
    ctx.report('auth', 'needs both issuer and audience');
    return null;
  }
  return { issuer, audience, jwksUrl: jwksUrl ?? `${issuer.replace(/\/$/, '')}/.well-known/jwks.json` };
}
