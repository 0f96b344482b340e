// `@berthjs/config/load`: reading berth.config.ts from disk (TypeScript, through tsx) and the error type every
// command turns into an exit code. A subpath of its own so the runtime, which imports only the contract, never
// loads tsx; the CLI and `berth dev` both stand on it.
export { DEFAULT_CONFIG, loadConfig, loadStage, resolveStage, type LoadedConfig } from './load';
export { CliError, EXIT } from './exit';
