/** One thing wrong with a config: where, what was given, what is allowed. */
export interface ConfigIssue {
  /** Dotted path in berth.config.ts, e.g. `services.api.cpu` or `environments.prod.overrides.database.maxAcu`. */
  readonly path: string;
  readonly message: string;
}

/** The only error `resolve()` throws. It carries every problem found, not just the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'BERTH_CONFIG_INVALID';
  readonly issues: readonly ConfigIssue[];
  readonly stage: string | undefined;

  constructor(issues: readonly ConfigIssue[], stage?: string, options?: { cause?: unknown }) {
    const where = stage ? ` for environment '${stage}'` : '';
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(
      `Invalid Berth config${where} (${count}):\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}`,
      options,
    );
    this.issues = Object.freeze([...issues]);
    this.stage = stage;
  }
}

const SECRETISH = /pass(word)?|secret|token|key$/i;

/** Formats a given value for an error message; never echoes anything that looks like a secret. */
export function show(value: unknown, path = ''): string {
  if (SECRETISH.test(path.split('.').pop() ?? '')) return '(hidden)';
  if (value === undefined) return 'nothing';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? value.slice(0, 77) + '...' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'function') return 'a function';
  return 'an object';
}
