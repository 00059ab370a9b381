/**
 * Typed client of Puente's API, shared by the CLI, the web UI and scripts.
 *
 * @example
 * import { PuenteClient } from './client/index.js';
 * const client = new PuenteClient({ baseUrl: 'http://127.0.0.1:5050', token: process.env.PUENTE_TOKEN });
 * for await (const run of client.runs.searchAll({ experiment_ids: ['1'], filter: 'metrics.auc > 0.8' })) console.log(run.info.run_id);
 */
export { PuenteClient, type ArtifactFile, type RegistrySearch } from './puente-client.js';
export { PuenteApiError, PuenteUnreachableError } from './errors.js';
export type { ClientOptions } from './transport.js';
export { uploadFile, downloadFile, type ProgressCallback } from './files.js';
export type { ChangeOptions, DeployTarget, CanaryOptions, AbOptions, FeedbackResponse } from './deployments-api.js';
