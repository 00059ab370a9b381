import type { Command } from 'commander';
import { renderLineage } from '../../datasets/index.js';
import { action, clientFor, globals, printObject, UsageError } from '../output.js';

/** `puente lineage MODEL@REF`: dataset versions → run → model version → deployments. */
export function registerLineageCommand(program: Command): void {
  program
    .command('lineage <model-ref>')
    .description('where a model version came from and where it runs: datasets → run → model version → deployments (MODEL@VERSION or MODEL@ALIAS)')
    .action(
      action(async (text: string, _opts: unknown, command: Command) => {
        const at = text.lastIndexOf('@');
        if (at <= 0 || at === text.length - 1) throw new UsageError(`'${text}' is not MODEL@VERSION or MODEL@ALIAS`);
        const graph = await clientFor(command).lineage.ofModel(text.slice(0, at), text.slice(at + 1));
        if (globals(command).json) printObject(command, graph);
        else process.stdout.write(`${renderLineage(graph)}\n`);
      }),
    );
}
