import cluster from 'node:cluster';
import type { Command } from 'commander';
import { loadConfig, ConfigError } from '../../config/index.js';
import { startDeploymentServer, startModelServer } from '../../main.js';
import { globals, parseModelRef } from '../output.js';


/** `puente serve MODEL@REF`: one model behind `/invocations` and `/v2`, like `mlflow models serve`. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve [model]')
    .description('serve one registered model version (MODEL@VERSION or MODEL@ALIAS) as mlflow models serve does, plus Open Inference /v2; or, with --deployment, a replica of a deployment')
    .option('--deployment <name>', 'serve this deployment (its traffic policy picks the version) instead of one model')
    .option('--refresh-ms <ms>', 'with --deployment: longest a policy change takes to reach this replica', '2000')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '5001')
    .option('--workers <n>', 'worker processes sharing the port', '1')
    .option('--store', 'read the model from the store (PUENTE_DATABASE_URL / --data-dir) instead of --server')
    .option('--data-dir <dir>', 'with --store: data directory of the embedded store')
    .option('--auth-token <token>', 'require this bearer token for predictions (env PUENTE_SERVE_TOKEN)', process.env.PUENTE_SERVE_TOKEN || undefined)
    .option('--max-batch-rows <n>', 'rows per micro-batch', '256')
    .option('--max-batch-wait-ms <ms>', 'how long an idle model waits for more requests to batch', '0')
    .action(
      async (
        spec: string | undefined,
        opts: {
          host: string; port: string; workers: string; store?: boolean; dataDir?: string; authToken?: string; maxBatchRows: string; maxBatchWaitMs: string;
          deployment?: string; refreshMs: string;
        },
        command: Command,
      ) => {
        if ((spec === undefined) === (opts.deployment === undefined)) {
          console.error('puente serve: name a model (MODEL@VERSION or MODEL@ALIAS) or --deployment NAME, not both');
          process.exit(2);
        }
        const refreshMs = Number(opts.refreshMs);
        if (!(refreshMs > 0)) {
          console.error(`puente serve: --refresh-ms must be a positive number, got "${opts.refreshMs}"`);
          process.exit(2);
        }
        const workers = Number(opts.workers);
        if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
          console.error(`puente serve: --workers must be 1-64, got "${opts.workers}"`);
          process.exit(2);
        }
        if (workers > 1 && cluster.isPrimary) {
          // The workers share the listening socket; the primary only keeps them alive.
          for (let i = 0; i < workers; i++) cluster.fork();
          let stopping = false;
          cluster.on('exit', (worker, code) => {
            if (!stopping && code !== 0) console.error(`puente serve: worker ${worker.process.pid} exited with code ${code}`);
            if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(code ?? 0);
          });
          const stop = () => {
            stopping = true;
            for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          return;
        }
        let config;
        try {
          config = loadConfig(process.env, { dataDir: opts.dataDir });
        } catch (err) {
          if (err instanceof ConfigError) {
            console.error(`puente serve: ${err.message}`);
            process.exit(2);
          }
          throw err;
        }
        const { server, token } = globals(command);
        let running;
        try {
          running = opts.deployment !== undefined ? await startDeploymentServer({
            deployment: opts.deployment,
            host: opts.host,
            port: Number(opts.port),
            server: opts.store ? undefined : { url: server, token },
            config,
            authToken: opts.authToken,
            refreshMs,
          }) : await startModelServer({
            ...parseModelRef(spec!),
            host: opts.host,
            port: Number(opts.port),
            server: opts.store ? undefined : { url: server, token },
            config,
            authToken: opts.authToken,
            maxBatchRows: Number(opts.maxBatchRows),
            maxBatchWaitMs: Number(opts.maxBatchWaitMs),
          });
        } catch (err) {
          console.error(`puente serve: could not start: ${(err as Error).message}`);
          process.exit(1);
        }
        if (!cluster.isWorker) process.stderr.write(`Serving ${opts.deployment !== undefined ? `deployment ${opts.deployment}` : spec} on ${running.url}\n`);
        const stop = async () => {
          await running.close();
          process.exit(0);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      },
    );
}
