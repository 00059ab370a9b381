import type { Command } from 'commander';
import { loadConfig, ConfigError } from '../../config/index.js';
import { startServer } from '../../main.js';

/** `puente server`: runs the tracking, registry and API server in this process. */
export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('run the Puente server (SQLite and local files by default)')
    .option('--host <host>', 'address to bind (env PUENTE_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env PUENTE_PORT, default 5050)')
    .option('--data-dir <dir>', 'directory for the embedded store and artifacts (env PUENTE_DATA_DIR, default ./puente-data)')
    .action(async (opts: { host?: string; port?: string; dataDir?: string }) => {
      let config;
      try {
        config = loadConfig(process.env, opts);
      } catch (err) {
        if (err instanceof ConfigError) {
          console.error(`puente server: ${err.message}`);
          process.exit(2);
        }
        throw err;
      }
      let server;
      try {
        server = await startServer(config);
      } catch (err) {
        console.error(`puente server: could not start: ${(err as Error).message}`);
        process.exit(1);
      }
      const stop = async () => {
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
