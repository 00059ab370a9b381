import type {
  CreateExperimentInput,
  CreateRunInput,
  Experiment,
  LogBatchInput,
  LogInputsInput,
  Metric,
  Page,
  Run,
  SearchExperimentsInput,
  SearchRunsInput,
  Tag,
} from '../tracking/index.js';
import type { Lineage, ModelVersion, RegisteredModel, Stage } from '../registry/index.js';
import type { ApiToken, Grant, User } from '../auth/index.js';
import type { AuditQuery, AuditRecord, VerifyResult } from '../audit/index.js';
import type { Alert, AlertHistoryEvent, AlertRuleInput, AlertRuleWithStatus, AlertState } from '../monitoring/index.js';
import type { Explanation, ExplainParams, ImportanceParams, ImportanceResult } from '../explain/index.js';
import type {
  Dataset, DatasetDiff, DatasetFile, DatasetSchema, DatasetSketch, DatasetVersion, ExpectationSuite, LineageGraph, ValidationRecord, ValidationResult, VersionImport, VersionSummary,
} from '../datasets/index.js';
import type {
  DriftSettings, DriftWindow, MonitoringQuery, PerformanceQueryParams, PerformanceReport, QualityWindow, ReferenceSource, ReferenceSummary, SampleFormat, WindowReport, WindowsAnswer,
} from '../monitoring/index.js';
import type { FeedbackResult } from '../predictions/index.js';
import { Transport, type ClientOptions } from './transport.js';
import { deploymentsApi } from './deployments-api.js';

const SAMPLE_CONTENT_TYPES: Record<SampleFormat, string> = { csv: 'text/csv', jsonl: 'application/x-ndjson', parquet: 'application/vnd.apache.parquet' };

/** One entry of an artifact listing; `path` is relative to the run's artifact root. */
export interface ArtifactFile {
  readonly path: string;
  readonly is_dir: boolean;
  readonly file_size?: number;
}

/** Search options of registered models and versions. */
export interface RegistrySearch {
  readonly filter?: string;
  readonly order_by?: string[];
  readonly max_results?: number;
  readonly page_token?: string;
}

/** How the server should read an uploaded data file (absent: from its name, delimiter detected). */
export interface DatasetFileOptions {
  readonly format?: 'csv' | 'jsonl' | 'parquet' | 'none';
  readonly delimiter?: string;
  readonly quote?: string;
  readonly encoding?: string;
}

const MLFLOW_TYPE: Readonly<Record<string, string>> = { integer: 'long', float: 'double', boolean: 'boolean', string: 'string' };

const PROXY = '/api/2.0/mlflow-artifacts/artifacts';
const enc = encodeURIComponent;
const encPath = (path: string) => path.split('/').map(enc).join('/');

/** Pages through a search until the server gives no next token. */
async function* pages<T>(fetchPage: (token: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    yield* page.items;
    token = page.next_page_token;
  } while (token);
}

/**
 * Typed client of Puente's native API (/api/v1), used by the CLI, the web UI and tests.
 *
 * @example
 * const client = new PuenteClient({ baseUrl: 'http://127.0.0.1:5050' });
 * const exp = await client.experiments.create({ name: 'credit' });
 * const run = await client.runs.create({ experiment_id: exp.experiment_id });
 * await client.runs.logBatch(run.info.run_id, { metrics: [{ key: 'auc', value: 0.91, timestamp: Date.now() }] });
 */
export class PuenteClient {
  readonly transport: Transport;

  constructor(options: ClientOptions) {
    this.transport = new Transport(options);
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  /** Experiments: named groups of runs. */
  readonly experiments = {
    create: (input: CreateExperimentInput) => this.transport.json<Experiment>('POST', '/api/v1/experiments', { body: input }),
    get: (experimentId: string) => this.transport.json<Experiment>('GET', `/api/v1/experiments/${enc(experimentId)}`),
    getByName: (name: string) => this.transport.json<Experiment>('GET', `/api/v1/experiments/by-name/${enc(name)}`),
    list: async (input: SearchExperimentsInput = {}): Promise<Page<Experiment>> => {
      const res = await this.transport.json<{ experiments: Experiment[]; next_page_token?: string }>('GET', '/api/v1/experiments', { query: { ...input } });
      return { items: res.experiments, next_page_token: res.next_page_token };
    },
    /** Every experiment matching the search, page after page. */
    listAll: (input: Omit<SearchExperimentsInput, 'page_token'> = {}) => pages((page_token) => this.experiments.list({ ...input, page_token })),
    rename: (experimentId: string, name: string) => this.transport.json<Experiment>('PATCH', `/api/v1/experiments/${enc(experimentId)}`, { body: { name } }),
    delete: (experimentId: string) => this.transport.json<void>('DELETE', `/api/v1/experiments/${enc(experimentId)}`),
    restore: (experimentId: string) => this.transport.json<Experiment>('POST', `/api/v1/experiments/${enc(experimentId)}/restore`),
    setTag: (experimentId: string, key: string, value: string) =>
      this.transport.json<void>('PUT', `/api/v1/experiments/${enc(experimentId)}/tags/${enc(key)}`, { body: { value } }),
  };

  /** Runs: params, metrics, tags, inputs. */
  readonly runs = {
    create: (input: CreateRunInput = {}) => this.transport.json<Run>('POST', '/api/v1/runs', { body: input }),
    get: (runId: string) => this.transport.json<Run>('GET', `/api/v1/runs/${enc(runId)}`),
    update: (runId: string, fields: { status?: Run['info']['status']; end_time?: number; run_name?: string }) =>
      this.transport.json<Run>('PATCH', `/api/v1/runs/${enc(runId)}`, { body: fields }),
    /** Ends a run (status FINISHED unless given). */
    end: (runId: string, status: Run['info']['status'] = 'FINISHED') => this.runs.update(runId, { status, end_time: Date.now() }),
    delete: (runId: string) => this.transport.json<void>('DELETE', `/api/v1/runs/${enc(runId)}`),
    restore: (runId: string) => this.transport.json<Run>('POST', `/api/v1/runs/${enc(runId)}/restore`),
    search: async (input: SearchRunsInput): Promise<Page<Run>> => {
      const res = await this.transport.json<{ runs: Run[]; next_page_token?: string }>('POST', '/api/v1/runs/search', { body: input });
      return { items: res.runs, next_page_token: res.next_page_token };
    },
    /** Every run matching the search, page after page. */
    searchAll: (input: Omit<SearchRunsInput, 'page_token'>) => pages((page_token) => this.runs.search({ ...input, page_token })),
    logBatch: (runId: string, batch: LogBatchInput) => this.transport.json<void>('POST', `/api/v1/runs/${enc(runId)}/log-batch`, { body: batch }),
    logInputs: (runId: string, inputs: LogInputsInput) => this.transport.json<void>('POST', `/api/v1/runs/${enc(runId)}/inputs`, { body: inputs }),
    setTag: (runId: string, key: string, value: string) => this.transport.json<void>('PUT', `/api/v1/runs/${enc(runId)}/tags/${enc(key)}`, { body: { value } }),
    logParam: (runId: string, key: string, value: string) =>
      this.transport.json<void>('PUT', `/api/v1/runs/${enc(runId)}/params/${enc(key)}`, { body: { value } }),
    metricHistory: async (runId: string, key: string): Promise<Metric[]> => {
      const out: Metric[] = [];
      for await (const m of pages(async (page_token) => {
        const res = await this.transport.json<{ metrics: Metric[]; next_page_token?: string }>('GET', `/api/v1/runs/${enc(runId)}/metrics/${enc(key)}/history`, { query: { page_token } });
        return { items: res.metrics, next_page_token: res.next_page_token };
      })) {
        out.push(m);
      }
      return out;
    },
  };

  /** The model registry. */
  readonly models = {
    create: (name: string, options: { description?: string; tags?: Tag[] } = {}) =>
      this.transport.json<RegisteredModel>('POST', '/api/v1/models', { body: { name, ...options } }),
    get: (name: string) => this.transport.json<RegisteredModel>('GET', `/api/v1/models/${enc(name)}`),
    list: async (input: RegistrySearch = {}): Promise<Page<RegisteredModel>> => {
      const res = await this.transport.json<{ models: RegisteredModel[]; next_page_token?: string }>('GET', '/api/v1/models', { query: { ...input } });
      return { items: res.models, next_page_token: res.next_page_token };
    },
    listAll: (input: Omit<RegistrySearch, 'page_token'> = {}) => pages((page_token) => this.models.list({ ...input, page_token })),
    update: (name: string, fields: { description?: string; new_name?: string }) =>
      this.transport.json<RegisteredModel>('PATCH', `/api/v1/models/${enc(name)}`, { body: fields }),
    delete: (name: string) => this.transport.json<void>('DELETE', `/api/v1/models/${enc(name)}`),
    createVersion: (name: string, input: { source: string; run_id?: string; description?: string; tags?: Tag[] }) =>
      this.transport.json<ModelVersion>('POST', `/api/v1/models/${enc(name)}/versions`, { body: input }),
    versions: async (name: string): Promise<ModelVersion[]> => {
      const out: ModelVersion[] = [];
      for await (const v of pages(async (page_token) => {
        const res = await this.transport.json<{ versions: ModelVersion[]; next_page_token?: string }>('GET', `/api/v1/models/${enc(name)}/versions`, { query: { page_token } });
        return { items: res.versions, next_page_token: res.next_page_token };
      })) {
        out.push(v);
      }
      return out;
    },
    /** A version by number or `@alias`. */
    getVersion: (name: string, ref: string | number) => this.transport.json<ModelVersion>('GET', `/api/v1/models/${enc(name)}/versions/${enc(String(ref))}`),
    deleteVersion: (name: string, ref: string | number) => this.transport.json<void>('DELETE', `/api/v1/models/${enc(name)}/versions/${enc(String(ref))}`),
    setAlias: (name: string, alias: string, version: number) =>
      this.transport.json<ModelVersion>('PUT', `/api/v1/models/${enc(name)}/aliases/${enc(alias)}`, { body: { version } }),
    deleteAlias: (name: string, alias: string) => this.transport.json<void>('DELETE', `/api/v1/models/${enc(name)}/aliases/${enc(alias)}`),
    setStage: (name: string, ref: string | number, stage: Stage, archiveExisting = false) =>
      this.transport.json<ModelVersion>('POST', `/api/v1/models/${enc(name)}/versions/${enc(String(ref))}/stage`, {
        body: { stage, archive_existing_versions: archiveExisting },
      }),
    lineage: (name: string, ref: string | number) => this.transport.json<Lineage>('GET', `/api/v1/models/${enc(name)}/versions/${enc(String(ref))}/lineage`),
  };

  /** Run artifacts, through the server's artifact proxy (so any artifact store works). */
  readonly artifacts = {
    /** Immediate children of `path` (relative to the run's artifact root). */
    list: async (runId: string, path = ''): Promise<ArtifactFile[]> => {
      const root = await this.#artifactRoot(runId);
      const dir = path.replace(/^\/+|\/+$/g, '');
      const res = await this.transport.json<{ files?: { path: string; is_dir: boolean; file_size?: number }[] }>('GET', '/api/2.0/mlflow-artifacts/artifacts', {
        query: { path: [root, dir].filter(Boolean).join('/') },
      });
      return (res.files ?? []).map((f) => ({ ...f, path: [dir, f.path].filter(Boolean).join('/') }));
    },
    /** Uploads bytes or a stream to `path` under the run's artifact root. */
    upload: async (runId: string, path: string, body: NonNullable<RequestInit['body']>): Promise<void> => {
      const root = await this.#artifactRoot(runId);
      const streaming = typeof (body as ReadableStream).getReader === 'function';
      await this.transport.raw('PUT', `${this.baseUrl}${PROXY}/${encPath(`${root}/${path.replace(/^\/+/, '')}`)}`, {
        body,
        headers: { 'content-type': 'application/octet-stream' },
        ...(streaming ? { duplex: 'half' as const } : {}),
      });
    },
    /** Opens a download; the response body streams the file, content-length gives its size. */
    download: async (runId: string, path: string): Promise<Response> => {
      const root = await this.#artifactRoot(runId);
      return this.transport.raw('GET', `${this.baseUrl}${PROXY}/${encPath(`${root}/${path.replace(/^\/+/, '')}`)}`);
    },
  };

  /** Identity: who the caller is, the first admin, users, tokens and grants. */
  readonly auth = {
    whoami: () => this.transport.json<{ username: string; global_role: string | null; scope: string; auth_enforced: boolean; grants: { resource: string; role: string }[] }>('GET', '/api/v1/auth/whoami'),
    /** Creates the first admin of a server without users; the answer holds its token, shown once. */
    bootstrap: (input: { username?: string; password?: string } = {}) =>
      this.transport.json<{ username: string; token: string; token_info: ApiToken }>('POST', '/api/v1/admin/bootstrap', { body: input }),
    users: {
      create: (input: { username: string; password?: string; role?: string }) => this.transport.json<User>('POST', '/api/v1/users', { body: input }),
      list: async () => (await this.transport.json<{ users: User[] }>('GET', '/api/v1/users')).users,
      update: (username: string, changes: { password?: string | null; disabled?: boolean }) =>
        this.transport.json<User>('PATCH', `/api/v1/users/${enc(username)}`, { body: changes }),
      delete: (username: string) => this.transport.json<void>('DELETE', `/api/v1/users/${enc(username)}`),
    },
    tokens: {
      /** A new token (for yourself, or as an admin for `username`); the secret is in `token`, shown once. */
      create: (input: { name?: string; username?: string; scope?: string; expires_in_days?: number; rate_limit_per_minute?: number }) =>
        this.transport.json<{ token: string; token_info: ApiToken }>('POST', '/api/v1/tokens', { body: input }),
      list: async (query: { username?: string; all?: boolean } = {}) => (await this.transport.json<{ tokens: ApiToken[] }>('GET', '/api/v1/tokens', { query })).tokens,
      revoke: (tokenId: number) => this.transport.json<ApiToken>('DELETE', `/api/v1/tokens/${tokenId}`),
    },
    grants: {
      add: (input: { username: string; role: string; resource_type?: string; resource_id?: string }) => this.transport.json<Grant>('POST', '/api/v1/grants', { body: input }),
      list: async (query: { username?: string; resource_type?: string; resource_id?: string } = {}) =>
        (await this.transport.json<{ grants: Grant[] }>('GET', '/api/v1/grants', { query })).grants,
      revoke: (grantId: number) => this.transport.json<void>('DELETE', `/api/v1/grants/${grantId}`),
    },
  };

  /** Deployments: traffic policies over model versions, feedback labels. */
  readonly deployments = deploymentsApi(() => this.transport);

  /** Explanations of served model versions (Tree SHAP, Kernel SHAP, permutation) and permutation importance. */
  readonly explain = {
    /** Explains records for MODEL at a version number or alias: per row, every input column's contribution and the base value. */
    rows: (model: string, ref: string | number, records: Record<string, unknown>[], params: ExplainParams = {}) =>
      this.transport.json<Explanation & { ignored_columns?: string[] }>('POST', `/serve/${enc(model)}/${enc(String(ref))}/explain`, { body: { dataframe_records: records, params } }),
    /** Permutation importance on labelled records; `params.target` names the label column. */
    importance: (model: string, ref: string | number, records: Record<string, unknown>[], params: ImportanceParams) =>
      this.transport.json<ImportanceResult>('POST', `/serve/${enc(model)}/${enc(String(ref))}/importance`, { body: { dataframe_records: records, params } }),
  };

  /** Alert rules on the server's metrics, the alerts pending or firing, and their history. */
  readonly alerts = {
    rules: {
      create: (rule: AlertRuleInput & { name: string }) => this.transport.json<AlertRuleWithStatus>('POST', '/api/v1/alerts/rules', { body: rule }),
      list: async () => (await this.transport.json<{ rules: AlertRuleWithStatus[] }>('GET', '/api/v1/alerts/rules')).rules,
      get: (name: string) => this.transport.json<AlertRuleWithStatus>('GET', `/api/v1/alerts/rules/${enc(name)}`),
      /** Replaces the rule; its webhook secret stays unless `webhook_secret` is given (null removes it). */
      update: (name: string, rule: AlertRuleInput) => this.transport.json<AlertRuleWithStatus>('PUT', `/api/v1/alerts/rules/${enc(name)}`, { body: rule }),
      delete: (name: string) => this.transport.json<void>('DELETE', `/api/v1/alerts/rules/${enc(name)}`),
    },
    /** Alerts pending or firing now. */
    list: async (query: { rule?: string; state?: AlertState } = {}) => (await this.transport.json<{ alerts: Alert[] }>('GET', '/api/v1/alerts', { query })).alerts,
    /** State changes, newest first. */
    history: async (query: { rule?: string; since?: number; until?: number; limit?: number } = {}) =>
      (await this.transport.json<{ events: AlertHistoryEvent[] }>('GET', '/api/v1/alerts/history', { query })).events,
  };

  /** Versioned datasets: add versions (upload, then commit), read, validate, diff, exchange between servers. */
  readonly datasets = {
    create: (name: string, options: { description?: string } = {}) => this.transport.json<Dataset>('POST', '/api/v1/datasets', { body: { name, ...options } }),
    get: (name: string) => this.transport.json<Dataset>('GET', `/api/v1/datasets/${enc(name)}`),
    list: async (query: { prefix?: string; max_results?: number; page_token?: string } = {}): Promise<Page<Dataset>> => {
      const res = await this.transport.json<{ datasets: Dataset[]; next_page_token?: string }>('GET', '/api/v1/datasets', { query });
      return { items: res.datasets, next_page_token: res.next_page_token };
    },
    listAll: (query: { prefix?: string } = {}) => pages((page_token) => this.datasets.list({ ...query, page_token })),
    delete: (name: string) => this.transport.json<void>('DELETE', `/api/v1/datasets/${enc(name)}`),
    /** Opens an upload; `schema` declares column types the data must meet. */
    startUpload: (name: string, options: { schema?: DatasetSchema } = {}) =>
      this.transport.json<{ upload_id: string }>('POST', `/api/v1/datasets/${enc(name)}/uploads`, { body: options }),
    /** Sends one file (bytes or a stream); the server stores, hashes and profiles it as it arrives. */
    uploadFile: async (name: string, uploadId: string, path: string, body: NonNullable<RequestInit['body']>, options: DatasetFileOptions = {}): Promise<Omit<DatasetFile, 'row_count'> & { row_count: number | null }> => {
      const streaming = typeof (body as ReadableStream).getReader === 'function';
      const res = await this.transport.raw('PUT', this.transport.url(`/api/v1/datasets/${enc(name)}/uploads/${enc(uploadId)}/files/${encPath(path)}`, { ...options }), {
        body,
        headers: { 'content-type': 'application/octet-stream' },
        ...(streaming ? { duplex: 'half' as const } : {}),
      });
      return (await res.json()) as Omit<DatasetFile, 'row_count'> & { row_count: number | null };
    },
    /** Registers the uploaded files as the next version; `created` is false when nothing changed. */
    commit: (name: string, uploadId: string, options: { message?: string; parent?: number; source?: string } = {}) =>
      this.transport.json<DatasetVersion & { created: boolean }>('POST', `/api/v1/datasets/${enc(name)}/uploads/${enc(uploadId)}/commit`, { body: options }),
    abortUpload: (name: string, uploadId: string) => this.transport.json<void>('DELETE', `/api/v1/datasets/${enc(name)}/uploads/${enc(uploadId)}`),
    /** Every version, newest first (without schema and profile). */
    versions: async (name: string): Promise<VersionSummary[]> => {
      const out: VersionSummary[] = [];
      for await (const v of pages(async (page_token) => {
        const res = await this.transport.json<{ versions: VersionSummary[]; next_page_token?: string }>('GET', `/api/v1/datasets/${enc(name)}/versions`, { query: { page_token } });
        return { items: res.versions, next_page_token: res.next_page_token };
      })) {
        out.push(v);
      }
      return out;
    },
    /** A version by number, `latest` or `sha256:<prefix>`. */
    getVersion: (name: string, ref: string | number = 'latest') => this.transport.json<DatasetVersion>('GET', `/api/v1/datasets/${enc(name)}/versions/${enc(String(ref))}`),
    deleteVersion: (name: string, ref: string | number) => this.transport.json<void>('DELETE', `/api/v1/datasets/${enc(name)}/versions/${enc(String(ref))}`),
    sketch: (name: string, ref: string | number) => this.transport.json<DatasetSketch>('GET', `/api/v1/datasets/${enc(name)}/versions/${enc(String(ref))}/sketch`),
    suggestSuite: (name: string, ref: string | number) => this.transport.json<ExpectationSuite>('GET', `/api/v1/datasets/${enc(name)}/versions/${enc(String(ref))}/suggested-suite`),
    /** Validates a version against a suite; the result is stored with the version. */
    validate: (name: string, ref: string | number, suite: ExpectationSuite, options: { failing_rows?: number } = {}) =>
      this.transport.json<ValidationResult & { validation_id: number }>('POST', `/api/v1/datasets/${enc(name)}/versions/${enc(String(ref))}/validations`, { body: { suite, ...options } }),
    validations: async (name: string, ref: string | number) =>
      (await this.transport.json<{ validations: ValidationRecord[] }>('GET', `/api/v1/datasets/${enc(name)}/versions/${enc(String(ref))}/validations`)).validations,
    getValidation: (name: string, id: number) => this.transport.json<ValidationRecord & { result: ValidationResult }>('GET', `/api/v1/datasets/${enc(name)}/validations/${id}`),
    /** From `NAME@VERSION` to `NAME@VERSION`; with `key`, rows added, removed and changed. */
    diff: (from: string, to: string, key?: string) => this.transport.json<DatasetDiff>('GET', '/api/v1/dataset-diff', { query: { from, to, key } }),
    /** Opens a download of one file; x-content-sha256 carries its digest. */
    downloadFile: (name: string, ref: string | number, path: string) =>
      this.transport.raw('GET', this.transport.url(`/api/v1/datasets/${enc(name)}/versions/${enc(String(ref))}/files/${encPath(path)}`)),
    /** Opens a download of the version's table as one Parquet file. */
    exportParquet: (name: string, ref: string | number) =>
      this.transport.raw('GET', this.transport.url(`/api/v1/datasets/${enc(name)}/versions/${enc(String(ref))}/export`, { format: 'parquet' })),
    blobStatus: (name: string, digest: string) =>
      this.transport.json<{ digest: string; present: boolean; received: number; size?: number }>('GET', `/api/v1/datasets/${enc(name)}/blobs/${enc(digest)}`),
    /** Sends bytes of a content from `offset`; the server hashes it once `total` bytes are in. */
    putBlob: async (name: string, digest: string, offset: number, total: number, body: NonNullable<RequestInit['body']>) => {
      const streaming = typeof (body as ReadableStream).getReader === 'function';
      const res = await this.transport.raw('PUT', this.transport.url(`/api/v1/datasets/${enc(name)}/blobs/${enc(digest)}`, { offset, total }), {
        body,
        headers: { 'content-type': 'application/octet-stream' },
        ...(streaming ? { duplex: 'half' as const } : {}),
      });
      return (await res.json()) as { digest: string; received: number; complete: boolean };
    },
    blobContent: (name: string, digest: string) => this.transport.raw('GET', this.transport.url(`/api/v1/datasets/${enc(name)}/blobs/${enc(digest)}/content`)),
    importVersion: (name: string, version: VersionImport) =>
      this.transport.json<DatasetVersion & { created: boolean }>('POST', `/api/v1/datasets/${enc(name)}/versions/import`, { body: version }),
    /** Records a version as an input of a run (what MLflow's log_input records), so lineage finds it. */
    logToRun: (runId: string, version: DatasetVersion, context = 'training') =>
      this.runs.logInputs(runId, {
        datasets: [{
          tags: [{ key: 'mlflow.data.context', value: context }],
          dataset: {
            // MLflow caps dataset digests at 36 characters: the first 32 hex digits of the sha256 (matched by prefix).
            name: version.name, digest: version.digest.slice(0, 32), source_type: 'puente', source: `datasets:/${version.name}/${version.version}`,
            schema: JSON.stringify({ mlflow_colspec: version.schema.columns.map((c) => ({ name: c.name, type: MLFLOW_TYPE[c.type] })) }),
            profile: JSON.stringify({ num_rows: version.row_count }),
          },
        }],
      }),
  };

  /** Lineage: dataset versions → run → model version → deployments. */
  readonly lineage = {
    ofModel: (name: string, ref: string | number) => this.transport.json<LineageGraph>('GET', `/api/v1/lineage/models/${enc(name)}/${enc(String(ref))}`),
  };

  /** Live monitoring of deployments: drift, data quality and performance per window; references of model versions; drift settings. */
  readonly monitoring = {
    /** Drift per input and for predictions, and the dataset drift share, per window (open windows first, then stored ones, newest first). */
    drift: (deployment: string, query: MonitoringQuery = {}) =>
      this.transport.json<WindowsAnswer<DriftWindow>>('GET', `/api/v1/deployments/${enc(deployment)}/monitoring/drift`, { query: { ...query } }),
    /** Data quality per input and window. */
    quality: (deployment: string, query: MonitoringQuery = {}) =>
      this.transport.json<WindowsAnswer<QualityWindow>>('GET', `/api/v1/deployments/${enc(deployment)}/monitoring/quality`, { query: { ...query } }),
    /** Whole window reports, with the reference and window bin counts. */
    windows: (deployment: string, query: MonitoringQuery = {}) =>
      this.transport.json<WindowsAnswer<WindowReport>>('GET', `/api/v1/deployments/${enc(deployment)}/monitoring/windows`, { query: { ...query } }),
    /** Live performance from feedback labels per version and window (`window` like 1h), with concept drift. */
    performance: (deployment: string, query: PerformanceQueryParams = {}) =>
      this.transport.json<PerformanceReport>('GET', `/api/v1/deployments/${enc(deployment)}/monitoring/performance`, { query: { ...query } }),
    settings: (deployment: string) => this.transport.json<DriftSettings>('GET', `/api/v1/deployments/${enc(deployment)}/monitoring/settings`),
    setSettings: (deployment: string, settings: DriftSettings) =>
      this.transport.json<DriftSettings>('PUT', `/api/v1/deployments/${enc(deployment)}/monitoring/settings`, { body: settings }),
    reference: (model: string, version: string | number) => this.transport.json<ReferenceSummary>('GET', `/api/v1/models/${enc(model)}/versions/${enc(String(version))}/reference`),
    /** Sets a version's reference from a dataset version (`{dataset: 'credit@1'}`) or a sample file (CSV, JSON Lines or Parquet bytes). */
    setReference: async (model: string, version: string | number, source: ReferenceSource): Promise<ReferenceSummary> => {
      const path = `/api/v1/models/${enc(model)}/versions/${enc(String(version))}/reference`;
      if ('dataset' in source) return this.transport.json<ReferenceSummary>('PUT', path, { body: { dataset: source.dataset, ...(source.target ? { target: source.target } : {}) } });
      const res = await this.transport.raw('PUT', this.transport.url(path, { format: source.format, target: source.target, name: source.name }), {
        body: source.file as NonNullable<RequestInit['body']>, headers: { 'content-type': SAMPLE_CONTENT_TYPES[source.format] },
      });
      return (await res.json()) as ReferenceSummary;
    },
    deleteReference: (model: string, version: string | number) => this.transport.json<void>('DELETE', `/api/v1/models/${enc(model)}/versions/${enc(String(version))}/reference`),
  };

  /** The prediction log: export (CSV or Parquet) and labels for predictions made on the model routes. */
  readonly predictions = {
    /** Opens an export of a deployment's (or a model's) logged predictions; the response body streams the file. */
    export: (of: { deployment: string } | { model: string; version?: number }, query: { format?: 'csv' | 'parquet'; since?: string; until?: string } = {}) => {
      const path = 'deployment' in of ? `/api/v1/deployments/${enc(of.deployment)}/predictions/export` : `/api/v1/models/${enc(of.model)}/predictions/export`;
      return this.transport.raw('GET', this.transport.url(path, { ...query, ...('version' in of && of.version !== undefined ? { version: of.version } : {}) }));
    },
    /** Ground-truth labels for predictions of the model's own routes (deployments: `deployments.feedback`). */
    feedback: (model: string, labels: { prediction_id: string; row?: number; label: string | number | boolean }[]) =>
      this.transport.json<{ results: FeedbackResult[]; recorded: number; not_found: number }>('POST', `/api/v1/models/${enc(model)}/feedback`, { body: { labels } }),
  };

  /** The audit log (admins). */
  readonly audit = {
    list: async (query: AuditQuery = {}) => (await this.transport.json<{ records: AuditRecord[] }>('GET', '/api/v1/audit', { query: { ...query } })).records,
    verify: () => this.transport.json<VerifyResult>('GET', '/api/v1/audit/verify'),
  };

  async #artifactRoot(runId: string): Promise<string> {
    const run = await this.runs.get(runId);
    const uri = run.info.artifact_uri;
    if (!uri.startsWith('mlflow-artifacts:')) throw new Error(`Run ${runId} keeps artifacts at ${uri}, which this server does not proxy.`);
    return uri.slice('mlflow-artifacts:'.length).replace(/^\/+/, '');
  }
}
