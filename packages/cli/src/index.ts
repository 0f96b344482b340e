export { main, buildProgram } from './main';
export { loadConfig, loadStage, resolveStage, type LoadedConfig } from '@berthjs/config/load';
export { CliError, EXIT } from '@berthjs/config/load';
