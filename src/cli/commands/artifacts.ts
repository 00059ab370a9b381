import { basename, join } from 'node:path';
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { downloadFile, uploadFile } from '../../client/index.js';
import { action, clientFor, printObject, printRows, progressBar } from '../output.js';

/** `puente artifacts ...` */
export function registerArtifactsCommands(program: Command): void {
  const cmd = program.command('artifacts').description("list, upload and download a run's artifacts");

  cmd
    .command('list <run-id> [path]')
    .description('list artifacts under a path of a run')
    .action(
      action(async (runId: string, path: string | undefined, _opts: unknown, command: Command) => {
        printRows(command, await clientFor(command).artifacts.list(runId, path ?? ''), [
          ['path', (f) => (f.is_dir ? `${f.path}/` : f.path)],
          ['size', (f) => f.file_size],
        ]);
      }),
    );

  cmd
    .command('upload <run-id> <file> [artifact-path]')
    .description('upload a file (to artifact-path, default its name)')
    .action(
      action(async (runId: string, file: string, artifactPath: string | undefined, _opts: unknown, command: Command) => {
        const target = artifactPath ?? basename(file);
        const bar = progressBar(`upload ${target}`);
        try {
          await uploadFile(clientFor(command), runId, file, target, bar.update);
        } finally {
          bar.stop();
        }
        printObject(command, { path: target, size: statSync(file).size }, [
          ['uploaded', (v) => v.path],
          ['bytes', (v) => v.size],
        ]);
      }),
    );

  cmd
    .command('download <run-id> <artifact-path> [destination]')
    .description('download a file (to destination, default its name in the current directory)')
    .action(
      action(async (runId: string, artifactPath: string, destination: string | undefined, _opts: unknown, command: Command) => {
        const target = destination ?? join(process.cwd(), basename(artifactPath));
        const bar = progressBar(`download ${artifactPath}`);
        let bytes: number;
        try {
          bytes = await downloadFile(clientFor(command), runId, artifactPath, target, bar.update);
        } finally {
          bar.stop();
        }
        printObject(command, { path: target, size: bytes }, [
          ['saved', (v) => v.path],
          ['bytes', (v) => v.size],
        ]);
      }),
    );
}
