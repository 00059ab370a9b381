import { Command } from 'commander';
import { PUENTE_VERSION } from '../version.js';
import { registerServerCommand } from './commands/server.js';

/** Builds the `puente` command with every sub-command registered. */
export function buildProgram(): Command {
  const program = new Command('puente')
    .description('Puente: experiment tracking, model registry and serving')
    .version(PUENTE_VERSION);
  registerServerCommand(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
