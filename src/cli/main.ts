import { Command } from 'commander';
import { PUENTE_VERSION } from '../version.js';
import { registerServerCommand } from './commands/server.js';
import { registerServeCommand } from './commands/serve.js';
import { registerTrainCommand } from './commands/train.js';
import { registerExperimentsCommands } from './commands/experiments.js';
import { registerRunsCommands } from './commands/runs.js';
import { registerModelsCommands } from './commands/models.js';
import { registerArtifactsCommands } from './commands/artifacts.js';
import { registerAdminCommands } from './commands/admin.js';
import { registerAccessCommands } from './commands/access.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerExportCommand } from './commands/export.js';
import { registerDataCommands } from './commands/data.js';
import { registerLineageCommand } from './commands/lineage.js';
import { registerAlertsCommands } from './commands/alerts.js';
import { registerMonitorCommands } from './commands/monitor.js';
import { registerPredictionsCommands } from './commands/predictions.js';
import { registerMonitorReportCommand } from './commands/monitor-report.js';
import { registerExplainCommand } from './commands/explain.js';
import { registerTestCommand } from './commands/test.js';
import { registerDeployCommands } from './commands/deploy.js';

/** Builds the `puente` command with every sub-command registered. */
export function buildProgram(): Command {
  const program = new Command('puente')
    .description('Puente: experiment tracking, model registry and serving')
    .version(PUENTE_VERSION)
    .option('--server <url>', 'URL of a running Puente (env PUENTE_URL)', process.env.PUENTE_URL || 'http://127.0.0.1:5050')
    .option('--token <token>', 'API token (env PUENTE_TOKEN)', process.env.PUENTE_TOKEN || undefined)
    .option('--json', 'print JSON for scripts instead of tables');
  registerServerCommand(program);
  registerServeCommand(program);
  registerTrainCommand(program);
  registerExperimentsCommands(program);
  registerRunsCommands(program);
  registerModelsCommands(program);
  registerExportCommand(program);
  registerDataCommands(program);
  registerLineageCommand(program);
  registerExplainCommand(program);
  registerTestCommand(program);
  registerArtifactsCommands(program);
  registerAdminCommands(program);
  registerAccessCommands(program);
  registerAuditCommands(program);
  registerAlertsCommands(program);
  registerPredictionsCommands(program);
  registerMonitorCommands(program);
  // After the other `monitor` subcommands: `report` joins the same command.
  registerMonitorReportCommand(program);
  registerDeployCommands(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
