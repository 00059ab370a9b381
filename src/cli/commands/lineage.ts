import type { Command } from 'commander';
import { renderLineage } from '../../datasets/index.js';
import { action, clientFor, globals, parseModelRef, printObject, UsageError } from '../output.js';

/** `puente lineage MODEL@REF`: dataset versions → run → model version → deployments. */
export function registerLineageCommand(program: Command): void {
  program
    .command('lineage <model-ref>')
    .description('where a model version came from and where it runs: datasets → run → model version → deployments (MODEL@VERSION or MODEL@ALIAS)')
    .action(
      action(async (text: string, _opts: unknown, command: Command) => {
        const { model, ref } = parseModelRef(text, 'the model');
        if (ref === undefined) throw new UsageError(`'${text}' is not MODEL@VERSION or MODEL@ALIAS`);
        const graph = await clientFor(command).lineage.ofModel(model, ref);
        if (globals(command).json) printObject(command, graph);
        else process.stdout.write(`${renderLineage(graph)}\n`);
      }),
    );
}
