export { main, buildProgram } from './main';
export { loadConfig, loadStage, resolveStage, type LoadedConfig } from './load';
export { CliError, EXIT } from './errors';
