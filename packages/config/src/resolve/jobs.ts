import { show } from '../errors';
import { DEFAULTS } from '../profiles';
import type { ResolvedJob } from '../types';
import { scheduleProblem } from '../units';
import { checkName, checkSize, type Ctx } from './context';
import { resolvePermissions } from './moving-in';

export function resolveJobs(ctx: Ctx, defaultService: string): Record<string, ResolvedJob> {
  const out: Record<string, ResolvedJob> = {};
  for (const [name, j] of Object.entries(ctx.app.jobs ?? {})) {
    const at = `jobs.${name}`;
    checkName(ctx, at, name);
    if (!j.schedule || !j.command) {
      ctx.report(at, 'needs schedule and command');
      continue;
    }
    const problem = scheduleProblem(j.schedule);
    if (problem) ctx.report(`${at}.schedule`, `got ${show(j.schedule)}; ${problem}`);
    const service = j.service ?? defaultService;
    const size = j.size ?? 'light';
    const { cpu, memoryMib } =
      typeof size === 'string'
        ? DEFAULTS.jobSizes[size]
        : { cpu: size.cpu, memoryMib: checkSize(ctx, `${at}.size`, size.cpu, size.memory) };
    const timeoutMinutes = j.timeout ?? DEFAULTS.jobTimeoutMinutes;
    if (timeoutMinutes < 1 || timeoutMinutes > 1440)
      ctx.report(`${at}.timeout`, `got ${timeoutMinutes}; allowed: 1–1440 minutes`);
    out[name] = {
      name,
      schedule: j.schedule,
      command: j.command,
      ...(j.devCommand ? { devCommand: j.devCommand } : {}),
      service,
      cpu,
      memoryMib,
      timeoutMinutes,
      enabled: j.enabled ?? true,
      permissions: resolvePermissions(ctx, at, j.permissions),
    };
  }
  return out;
}
