import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../config/index.js';
import { createDb } from '../../db/index.js';
import { AuthService } from '../../auth/index.js';
import { generateMasterKeyText, parseMasterKey, rotateMasterKey } from '../../artifacts/index.js';
import { action, clientFor, globals, UsageError } from '../output.js';

/** Opens the store named by the environment (and --data-dir), migrated, for commands that work on it directly. */
async function openStore(dataDir: string | undefined) {
  const config = loadConfig(process.env, { dataDir });
  const db = await createDb(config.database);
  await db.migrate();
  return { config, db };
}

/** `puente admin ...`: first admin, master key generation and rotation. */
export function registerAdminCommands(program: Command): void {
  const cmd = program.command('admin').description('bootstrap the first admin; generate and rotate the artifact master key');

  cmd
    .command('bootstrap')
    .description('create the first admin of a server with no users and print its API token once')
    .option('--username <name>', 'admin user name', 'admin')
    .option('--password <password>', 'also set a password (for Basic auth and the UI)')
    .option('--store', 'work on the store named by PUENTE_DATABASE_URL / --data-dir instead of a running server')
    .option('--data-dir <dir>', 'with --store: the data directory of the embedded store')
    .action(
      action(async (opts: { username: string; password?: string; store?: boolean; dataDir?: string }, command: Command) => {
        let username: string;
        let token: string;
        if (opts.store) {
          const { db } = await openStore(opts.dataDir);
          try {
            const auth = new AuthService({ db, resourceExists: async () => false });
            ({ user: { username }, token } = await auth.bootstrap({ username: opts.username, password: opts.password ?? null }));
          } finally {
            await db.close();
          }
        } else {
          ({ username, token } = await clientFor(command).auth.bootstrap({ username: opts.username, password: opts.password }));
        }
        if (globals(command).json) {
          process.stdout.write(`${JSON.stringify({ username, token })}\n`);
          return;
        }
        process.stdout.write(`Created admin '${username}'. API token (shown once; store it now):\n${token}\n`);
        process.stderr.write('Use it as PUENTE_TOKEN, --token, or MLFLOW_TRACKING_TOKEN for MLflow clients.\n');
      }),
    );

  cmd
    .command('generate-key')
    .description('print a new random master key for artifact encryption (base64 of 32 bytes)')
    .action(
      action(async () => {
        process.stdout.write(`${generateMasterKeyText()}\n`);
      }),
    );

  cmd
    .command('rotate-key')
    .description('re-wrap every artifact data key with a new master key (artifact bytes are not rewritten)')
    .requiredOption('--new-key-file <file>', 'file holding the new master key')
    .option('--data-dir <dir>', 'the data directory of the embedded store')
    .action(
      action(async (opts: { newKeyFile: string; dataDir?: string }, command: Command) => {
        const { config, db } = await openStore(opts.dataDir);
        try {
          if (config.masterKey === null) throw new UsageError('set the current key in PUENTE_MASTER_KEY or PUENTE_MASTER_KEY_FILE first');
          const oldKey = parseMasterKey(config.masterKey.text, config.masterKey.source);
          const newKey = parseMasterKey(readFileSync(opts.newKeyFile, 'utf8'), opts.newKeyFile);
          const result = await rotateMasterKey(db, oldKey, newKey);
          if (globals(command).json) {
            process.stdout.write(`${JSON.stringify({ ...result, old_key_id: oldKey.id, new_key_id: newKey.id })}\n`);
          } else {
            process.stdout.write(`Re-wrapped ${result.rewrapped} data keys (${result.skipped} already under key ${newKey.id}).\n`);
            process.stdout.write(`Restart servers with the new key (PUENTE_MASTER_KEY_FILE=${opts.newKeyFile}).\n`);
          }
        } finally {
          await db.close();
        }
      }),
    );
}
