/** Valid Fargate task sizes: vCPU → allowed memory in MiB (AWS ECS task size table). */
export const FARGATE_SIZES: Readonly<Record<string, readonly number[]>> = Object.freeze({
  '0.25': [512, 1024, 2048],
  '0.5': range(1024, 4096, 1024),
  '1': range(2048, 8192, 1024),
  '2': range(4096, 16384, 1024),
  '4': range(8192, 30720, 1024),
  '8': range(16384, 61440, 4096),
  '16': range(32768, 122880, 8192),
});

export const FARGATE_CPUS = Object.freeze([0.25, 0.5, 1, 2, 4, 8, 16] as const);

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** Describes the memory allowed with a vCPU value, for error messages. */
export function describeMemoryFor(cpu: number): string {
  const allowed = FARGATE_SIZES[String(cpu)];
  if (!allowed) return `cpu must be one of ${FARGATE_CPUS.join(', ')}`;
  if (allowed.length <= 3) return allowed.map((m) => `${m} MB`).join(', ');
  return `${allowed[0]}–${allowed[allowed.length - 1]} MB in steps of ${allowed[1]! - allowed[0]!} MB`;
}

export function isFargatePair(cpu: number, memoryMib: number): boolean {
  return FARGATE_SIZES[String(cpu)]?.includes(memoryMib) ?? false;
}
