import type { Deployment, DeploymentRevision, DeploymentStatus, Telemetry } from '../deployments/index.js';
import type { FeedbackResult } from '../predictions/index.js';
import type { Explanation } from '../explain/index.js';
import type { Transport } from './transport.js';

/** Who asks for a change and against which revision (a stale one answers 409). */
export interface ChangeOptions {
  readonly expected_revision?: number;
  readonly reason?: string;
}

/** A model version to deploy: the registered model and a version number or alias. */
export interface DeployTarget {
  readonly model: string;
  readonly version?: string | number;
  readonly faults?: { readonly delay_ms?: number; readonly error_percent?: number };
}

export interface CanaryOptions extends DeployTarget, ChangeOptions {
  readonly steps: number[];
  readonly interval_seconds: number;
  readonly max_error_rate?: number;
  readonly max_p99_ms?: number;
  readonly max_prediction_shift?: number;
  readonly min_accuracy_delta?: number;
  readonly failure_limit?: number;
  readonly min_requests?: number;
}

export interface AbOptions extends DeployTarget, ChangeOptions {
  readonly weight: number;
  readonly metric?: string;
  readonly alpha?: number;
  readonly minimum_effect?: number;
}

export interface FeedbackResponse {
  readonly results: FeedbackResult[];
  readonly recorded: number;
  readonly not_found: number;
}

/** The deployments part of the SDK (`client.deployments`). */
export function deploymentsApi(transport: () => Transport) {
  const base = '/api/v1/deployments';
  const at = (name: string, suffix = '') => `${base}/${encodeURIComponent(name)}${suffix}`;
  const post = <T>(path: string, body: unknown) => transport().json<T>('POST', path, { body });
  return {
    create: (name: string, target: DeployTarget & { description?: string }) => post<Deployment>(base, { name, ...target }),
    list: async () => (await transport().json<{ deployments: Deployment[] }>('GET', base)).deployments,
    get: (name: string) => transport().json<Deployment>('GET', at(name)),
    delete: (name: string) => transport().json<unknown>('DELETE', at(name)),
    history: async (name: string, limit?: number) =>
      (await transport().json<{ revisions: DeploymentRevision[] }>('GET', at(name, '/history'), { query: limit ? { limit: String(limit) } : {} })).revisions,
    status: (name: string) => transport().json<DeploymentStatus>('GET', at(name, '/status')),
    blueGreen: (name: string, green: DeployTarget & ChangeOptions) => post<Deployment>(at(name, '/blue-green'), green),
    canary: (name: string, options: CanaryOptions) => post<Deployment>(at(name, '/canary'), options),
    shadow: (name: string, options: DeployTarget & ChangeOptions & { percent: number }) => post<Deployment>(at(name, '/shadow'), options),
    ab: (name: string, options: AbOptions) => post<Deployment>(at(name, '/ab'), options),
    setTraffic: (name: string, weights: { model: string; version: number; weight: number }[], options: ChangeOptions = {}) =>
      post<Deployment>(at(name, '/traffic'), { weights, ...options }),
    promote: (name: string, options: ChangeOptions = {}) => post<Deployment>(at(name, '/promote'), options),
    rollback: (name: string, options: ChangeOptions & { to_revision?: number } = {}) => post<Deployment>(at(name, '/rollback'), options),
    pause: (name: string, options: ChangeOptions = {}) => post<Deployment>(at(name, '/pause'), options),
    resume: (name: string, options: ChangeOptions = {}) => post<Deployment>(at(name, '/resume'), options),
    /** Checks incoming records against an expectation suite (YAML/JSON text or object); null stops it. */
    setValidation: (name: string, suite: string | object | null, options: ChangeOptions = {}) =>
      suite === null ? transport().json<Deployment>('DELETE', at(name, '/validation')) : transport().json<Deployment>('PUT', at(name, '/validation'), { body: { suite, ...options } }),
    /** Stores explanations with `percent` of logged predictions (method tree, kernel or permutation); null stops it. */
    setExplanations: (name: string, settings: { percent: number; method?: string } | null, options: ChangeOptions = {}) =>
      settings === null ? transport().json<Deployment>('DELETE', at(name, '/explanations')) : transport().json<Deployment>('PUT', at(name, '/explanations'), { body: { ...settings, ...options } }),
    /** Reports a replica's traffic periods and logged predictions (used by `puente serve --deployment`). */
    telemetry: (name: string, telemetry: Telemetry) => post<{ periods: number; predictions: number }>(at(name, '/telemetry'), telemetry),
    feedback: (name: string, labels: { prediction_id: string; row?: number; label: unknown }[]) => post<FeedbackResponse>(at(name, '/feedback'), { labels }),
    /** Explains rows on the version the deployment's policy (or `target`) picks; params as /serve/{model}/{ref}/explain takes them. */
    explain: (name: string, records: Record<string, unknown>[], params: Record<string, unknown> = {}, options: { target?: string } = {}) => {
      const t = transport();
      return t.raw('POST', t.url(`/deployments/${encodeURIComponent(name)}/explain`), {
        headers: t.headers({ 'content-type': 'application/json', ...(options.target ? { 'x-puente-target': options.target } : {}) }),
        body: JSON.stringify({ dataframe_records: records, params }),
      }).then((res) => res.json() as Promise<Explanation>);
    },
    /** Calls the deployment with MLflow's scoring protocol; says which version answered and the prediction id. */
    invoke: async (name: string, records: Record<string, unknown>[], options: { key?: string; target?: string } = {}) => {
      const t = transport();
      const res = await t.raw('POST', t.url(`/deployments/${encodeURIComponent(name)}/invocations`), {
        headers: t.headers({
          'content-type': 'application/json',
          ...(options.key ? { 'x-puente-request-key': options.key } : {}),
          ...(options.target ? { 'x-puente-target': options.target } : {}),
        }),
        body: JSON.stringify({ dataframe_records: records }),
      });
      const body = (await res.json()) as { predictions: unknown[] };
      return {
        predictions: body.predictions,
        model: res.headers.get('x-puente-model') ?? '',
        version: Number(res.headers.get('x-puente-model-version')),
        role: res.headers.get('x-puente-deployment-role') ?? '',
        prediction_id: res.headers.get('x-puente-prediction-id') ?? '',
      };
    },
  };
}
