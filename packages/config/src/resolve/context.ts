import { show } from '../errors';
import { describeMemoryFor, FARGATE_CPUS, isFargatePair } from '../fargate';
import type { Profile } from '../profiles';
import type { appSchema } from '../schema';
import type { ProfileName } from '../types';
import type { DeclaredNames } from './salvage';
import { parseMemory } from '../units';

export type Parsed = ReturnType<typeof appSchema.parse>;
/** The app config with the environment's overrides applied: what every section resolves from. */
export type Merged = Omit<Parsed, 'environments'>;

/** What each section's resolver reads: the merged config, the profile, and where to report a problem. */
export interface Ctx {
  readonly app: Merged;
  readonly profile: Profile;
  readonly profileName: ProfileName;
  readonly stage: string;
  readonly report: (path: string, message: string) => void;
  /** Names as declared in the input, including entries the schema refused (so references to them still hold). */
  readonly declared: DeclaredNames;
}

const NAME = /^[a-z][a-z0-9-]{0,30}$/;

/** Services and jobs name ECS families, log groups and schedules, so their names share AWS's narrowest rules. */
export function checkName(ctx: Ctx, path: string, name: string) {
  if (!NAME.test(name))
    ctx.report(
      path,
      `got ${show(name)}; a name is lower-case letters, digits and dashes, starting with a letter, ≤ 31 chars`,
    );
}

/** Checks a Fargate cpu/memory pair and returns the memory in MiB (0 when it cannot be read). */
export function checkSize(ctx: Ctx, path: string, cpu: number, memoryIn: number | string): number {
  const memoryMib = parseMemory(memoryIn);
  if (!(FARGATE_CPUS as readonly number[]).includes(cpu)) {
    ctx.report(`${path}.cpu`, `got ${show(cpu)}; allowed vCPU values: ${FARGATE_CPUS.join(', ')}`);
    return memoryMib ?? 0;
  }
  if (memoryMib === undefined) {
    ctx.report(
      `${path}.memory`,
      `got ${show(memoryIn)}; expected a size such as '512 MB' or '2 GB' (with cpu ${cpu}: ${describeMemoryFor(cpu)})`,
    );
    return 0;
  }
  if (!isFargatePair(cpu, memoryMib)) {
    ctx.report(
      `${path}.memory`,
      `got ${memoryMib} MB, which Fargate does not offer with cpu ${cpu}; allowed: ${describeMemoryFor(cpu)}`,
    );
  }
  return memoryMib;
}

/** A DNS name: labels of 1–63 characters, ≤ 253 in all (RFC 1035), ending in an alphabetic TLD. */
export const DOMAIN = /^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
