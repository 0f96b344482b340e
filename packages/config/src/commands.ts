import { contractFor, type Contract } from './contract';
import type { ResolvedApp } from './types';

/** `${NAME}` in a command: a contract name, replaced by Berth before the process starts. */
const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The contract names a command refers to, in order. */
export function contractRefs(command: readonly string[]): string[] {
  return command.flatMap((arg) => [...arg.matchAll(REF)].map((m) => m[1]!));
}

/**
 * The names a service's commands may use: the contract variables whose value Berth knows when it writes the task
 * definition (plain literals such as PORT, BERTH_STAGE, AWS_REGION and the service's own env). A secret or a
 * resource attribute is known only inside the running task, so a command reads it from the environment instead.
 */
export function commandNames(resolved: ResolvedApp, service: string): Record<string, string> {
  return commandValues(contractFor(resolved, service));
}

/** The cloud value of each name a command may use, from the service's contract. */
export function commandValues(contract: Contract): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of contract.variables)
    if (v.source.kind === 'literal' && !v.secret) out[v.name] = v.source.value;
  return out;
}

/**
 * `command` with each `${NAME}` replaced from `values` (ECS: the cloud values; `berth dev`: the local ones, so
 * `${PORT}` is the assigned port). An unknown name throws; resolve refuses such a config first, naming the path.
 */
export function substituteContract(
  command: readonly string[],
  values: Readonly<Record<string, string>>,
): string[] {
  return command.map((arg) =>
    arg.replace(REF, (_, name: string) => {
      const value = values[name];
      if (value === undefined)
        throw new Error(`\${${name}} is not a contract name; allowed: ${Object.keys(values).join(', ')}`);
      return value;
    }),
  );
}
