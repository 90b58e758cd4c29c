export { main, commands } from './bin';
export { CliError, EXIT } from './cli';
export type { Command, Io } from './cli';
