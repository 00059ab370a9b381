import type { DatasetInput, Run, Tag } from '../tracking/index.js';

/*
 * Domain types of the model registry, named as MLflow's wire names them. Versions are
 * integers here; the MLflow-compatible API turns them into strings.
 */

/** Deprecated MLflow stages, still used by older clients. */
export type Stage = 'None' | 'Staging' | 'Production' | 'Archived';
export const STAGES: readonly Stage[] = ['None', 'Staging', 'Production', 'Archived'];

export interface ModelVersion {
  readonly name: string;
  readonly version: number;
  readonly creation_timestamp: number;
  readonly last_updated_timestamp: number;
  readonly user_id: string | null;
  readonly current_stage: Stage;
  readonly description: string | null;
  /** Where the client said the model came from (`runs:/…`, `models:/<id>`, a URI). */
  readonly source: string;
  /** Where its files are, resolved at registration (what download URIs point to). */
  readonly storage_location: string;
  readonly run_id: string | null;
  readonly run_link: string | null;
  readonly status: 'READY';
  readonly status_message: string | null;
  readonly model_id: string | null;
  readonly tags: Tag[];
  readonly aliases: string[];
}

export interface RegisteredModel {
  readonly name: string;
  readonly creation_timestamp: number;
  readonly last_updated_timestamp: number;
  readonly user_id: string | null;
  readonly description: string | null;
  /** Latest version per stage. */
  readonly latest_versions: ModelVersion[];
  readonly tags: Tag[];
  readonly aliases: { alias: string; version: number }[];
}

/** Where a model version came from: the run that produced it and that run's datasets. */
export interface Lineage {
  readonly model_version: ModelVersion;
  readonly run: Run | null;
  readonly datasets: DatasetInput[];
}
