import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/*
 * Replays an HTTP conversation recorded between the real MLflow client and a reference MLflow
 * server (scripts/mlflow-compat/record_proxy.py) against Puente, and lists every way Puente's
 * answers differ from the recorded ones.
 *
 * Ids the server chooses (experiment ids, run ids, logged-model ids, page tokens) and the
 * artifact locations it hands out are learned from the answers as they come: the first time a recorded id appears
 * where Puente answers with its own, the pair is remembered, and from then on every later
 * request is rewritten with Puente's id and every later answer must use it consistently.
 *
 * Comparison rules (what "the same" means):
 * - status: identical. Error answers: the same `error_code`; `message` only has to be a string
 *   (wording is the server's own).
 * - JSON objects: every key of the recorded answer must be present, with a value of the same
 *   JSON type. Keys Puente adds are accepted only when empty ([], {}, "", null: the MLflow client
 *   reads those exactly as an absent field) or listed in EXTRA_KEYS_ALLOWED with a reason.
 * - Values: equal after id mapping, except
 *   - IGNORED_VALUES (server clock readings): type only;
 *   - artifact locations (`artifact_uri`, `artifact_location`, `root_uri`): the first one seen
 *     for a run, experiment or logged model may be any proxied location (`mlflow-artifacts:` URI,
 *     any host, or an http(s) URL of the artifact proxy), because the layout is the server's
 *     choice; it is then bound like an id;
 *   - a version's download URI recorded as `runs:/<run>/<path>` may also be answered with the
 *     resolved proxied location of that run's artifacts plus `<path>` (the client accepts both).
 * - Arrays: search results and metric history keep their order; every other list (tags,
 *   params, latest metrics, aliases, latest_versions, dataset inputs, artifact listings) is
 *   compared as a set, because the client turns it into a dict or a set.
 * - Non-JSON bodies (artifact downloads): same size and sha256.
 */

/** A body that is not JSON: its size and hash, and the bytes when small. */
export interface RecordedBody {
  readonly size: number;
  readonly sha256: string;
  readonly base64?: string;
}

/** One recorded request as the client sent it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly content_type?: string;
  readonly json?: unknown;
  readonly body?: RecordedBody;
}

/** The reference server's answer. */
export interface RecordedResponse {
  readonly status: number;
  readonly content_type?: string;
  readonly json?: unknown;
  readonly body?: RecordedBody;
}

/** A request and its answer, with the scenario step it belongs to. */
export interface Exchange {
  readonly seq: number;
  readonly step: string;
  readonly request: RecordedRequest;
  readonly response: RecordedResponse;
}

/** One difference between Puente's answer and the recorded one. */
export interface Mismatch {
  readonly seq: number;
  readonly step: string;
  readonly call: string;
  /** Where in the answer: `status`, `body`, or a JSON path such as `run.info.status`. */
  readonly at: string;
  readonly problem: string;
}

/** Server clock readings: only their type is compared. */
export const IGNORED_VALUES: ReadonlySet<string> = new Set([
  'creation_time',
  'last_update_time',
  'creation_timestamp',
  'last_updated_timestamp',
  'creation_timestamp_ms',
  'last_updated_timestamp_ms',
]);

/**
 * Keys Puente may add although the reference server left them out, each with the reason the
 * MLflow client is unaffected. Matched against the last segment of the JSON path.
 */
export const EXTRA_KEYS_ALLOWED: ReadonlyMap<string, string> = new Map([
  // ModelVersion.model_id is a field of MLflow's proto; the reference server (3.6) does not fill it
  // on reads, newer servers do, and the client copies it into ModelVersion.model_id.
  ['model_id', 'field of the ModelVersion message, filled by newer MLflow servers'],
  // LoggedModelInfo.registrations (field 13 of MLflow's proto) is left empty by the reference server;
  // the Python client's LoggedModel does not read it.
  ['registrations', 'field of the LoggedModelInfo message, not read by the client'],
]);

/** Search results keep their order; so does a metric history (top-level `metrics`). */
const ORDERED_LISTS: ReadonlySet<string> = new Set(['runs', 'experiments', 'registered_models', 'model_versions', 'models']);

const ID_KEYS: ReadonlySet<string> = new Set(['run_id', 'run_uuid', 'source_run_id', 'model_id']);
const ARTIFACT_LOCATION_KEYS: ReadonlySet<string> = new Set(['artifact_uri', 'artifact_location', 'root_uri']);
const ARTIFACTS_API = '/api/2.0/mlflow-artifacts/artifacts';

/** Reads a recording; `{"step": …}` lines name the step of the exchanges that follow. */
export function loadRecording(file: string): Exchange[] {
  const exchanges: Exchange[] = [];
  let step = '(start)';
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as { seq: number; step?: string; request?: RecordedRequest; response?: RecordedResponse };
    if (entry.step !== undefined) step = entry.step;
    else if (entry.request && entry.response) exchanges.push({ seq: entry.seq, step, request: entry.request, response: entry.response });
  }
  return exchanges;
}

/**
 * The scenarios' large upload: byte i is (i * 7 + floor(i / 4096)) mod 251, as written by
 * scripts/mlflow-compat/scenario_common.py `big_file_bytes`.
 */
export function deterministicBytes(size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = (i * 7 + Math.floor(i / 4096)) % 251;
  return out;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The bytes of a recorded upload: inline, or regenerated and checked against the recorded hash. */
function uploadBytes(body: RecordedBody): Buffer {
  const bytes = body.base64 !== undefined ? Buffer.from(body.base64, 'base64') : deterministicBytes(body.size);
  if (bytes.length !== body.size || sha256(bytes) !== body.sha256) {
    throw new Error(`recorded upload of ${body.size} bytes (sha256 ${body.sha256}) cannot be reproduced`);
  }
  return bytes;
}

/** The path inside the artifact proxy that a proxied location points at, or undefined. */
export function proxiedPath(location: string): string | undefined {
  if (location.startsWith('mlflow-artifacts:')) {
    let rest = location.slice('mlflow-artifacts:'.length);
    if (rest.startsWith('//')) rest = rest.slice(2).replace(/^[^/]*/, '');
    return rest.replace(/^\/+/, '');
  }
  const http = /^https?:\/\/[^/]+(\/.*)?$/.exec(location);
  if (http) {
    const path = http[1] ?? '';
    const at = path.indexOf(`${ARTIFACTS_API}/`);
    if (at >= 0) return path.slice(at + ARTIFACTS_API.length + 1);
  }
  return undefined;
}

/** Recorded ↔ Puente correspondences learned during a replay. */
class Correspondence {
  /** Run and logged-model ids (unique hex strings, safe to replace anywhere in a string). */
  readonly ids = new Map<string, string>();
  /** Experiment ids (small integers: replaced only in experiment-id fields). */
  readonly experiments = new Map<string, string>();
  /** Artifact proxy paths: recorded root → Puente root. */
  readonly artifactRoots = new Map<string, string>();
  /** Recorded run id → recorded artifact root path, to resolve `runs:/` URIs. */
  readonly runRoots = new Map<string, string>();
  /** Page tokens: opaque to the client, which only hands back what the server gave. */
  readonly pageTokens = new Map<string, string>();

  /** Binds recorded → actual, or reports why the pair contradicts an earlier one. */
  bind(map: Map<string, string>, recorded: string, actual: string): string | undefined {
    const known = map.get(recorded);
    if (known !== undefined) return known === actual ? undefined : `expected ${JSON.stringify(known)} (as before), got ${JSON.stringify(actual)}`;
    for (const [r, a] of map) if (a === actual && r !== recorded) return `${JSON.stringify(actual)} was already given for another object`;
    map.set(recorded, actual);
    return undefined;
  }

  ids_in(text: string): string {
    let out = text;
    for (const [recorded, actual] of this.ids) out = out.split(recorded).join(actual);
    return out;
  }

  experiment(id: string): string {
    return this.experiments.get(id) ?? id;
  }

  artifactPath(path: string): string {
    let best: string | undefined;
    for (const root of this.artifactRoots.keys()) {
      if ((path === root || path.startsWith(`${root}/`)) && (best === undefined || root.length > best.length)) best = root;
    }
    return best === undefined ? this.ids_in(path) : this.artifactRoots.get(best)! + path.slice(best.length);
  }

  /** A recorded string as Puente should send it: ids replaced, proxied locations re-rooted. */
  text(value: string): string {
    const path = value.startsWith('mlflow-artifacts:') ? proxiedPath(value) : undefined;
    return path === undefined ? this.ids_in(value) : `mlflow-artifacts:/${this.artifactPath(path)}`;
  }
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value as object).length === 0;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'undefined' : text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/** The identity an element of an unordered list is matched by. */
function identity(element: unknown, ids: Correspondence): string {
  if (typeof element !== 'object' || element === null) return ids.text(String(element));
  const e = element as Record<string, unknown>;
  const dataset = e.dataset as Record<string, unknown> | undefined;
  const key = e.key ?? e.alias ?? e.path ?? e.version ?? e.model_id ?? (dataset ? `${dataset.name}@${dataset.digest}` : undefined);
  return key === undefined ? JSON.stringify(element) : ids.text(String(key));
}

/** Compares one recorded JSON answer with Puente's, appending every difference to `out`. */
class AnswerComparison {
  constructor(
    private readonly ids: Correspondence,
    private readonly report: (at: string, problem: string) => void,
  ) {}

  compare(expected: unknown, actual: unknown, at: string, key: string): void {
    const et = jsonType(expected);
    const at_ = jsonType(actual);
    if (et !== at_) {
      this.report(at, `expected ${et} ${show(expected)}, got ${at_} ${show(actual)}`);
      return;
    }
    if (et === 'object') return this.object(expected as Record<string, unknown>, actual as Record<string, unknown>, at);
    if (et === 'array') return this.array(expected as unknown[], actual as unknown[], at, key);
    if (IGNORED_VALUES.has(key)) return;
    if (et === 'string') return this.string(expected as string, actual as string, at, key);
    if (expected !== actual) this.report(at, `expected ${show(expected)}, got ${show(actual)}`);
  }

  private object(expected: Record<string, unknown>, actual: Record<string, unknown>, at: string): void {
    // A RunInfo: remember where the recorded run keeps its artifacts, to resolve runs:/ URIs.
    if (typeof expected.run_id === 'string' && typeof expected.artifact_uri === 'string') {
      const root = proxiedPath(expected.artifact_uri);
      if (root !== undefined) this.ids.runRoots.set(expected.run_id, root);
    }
    for (const [k, v] of Object.entries(expected)) {
      const path = at === '' ? k : `${at}.${k}`;
      if (!(k in actual)) this.report(path, `missing (recorded ${show(v)})`);
      else this.compare(v, actual[k], path, k);
    }
    for (const [k, v] of Object.entries(actual)) {
      if (k in expected || isEmpty(v) || EXTRA_KEYS_ALLOWED.has(k)) continue;
      this.report(at === '' ? k : `${at}.${k}`, `not in the recorded answer, got ${show(v)}`);
    }
  }

  private array(expected: unknown[], actual: unknown[], at: string, key: string): void {
    const ordered = ORDERED_LISTS.has(key) || at === 'metrics';
    let exp = expected;
    let act = actual;
    if (!ordered) {
      const byIdentity = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
      exp = expected.map((e) => [identity(e, this.ids), e] as [string, unknown]).sort(byIdentity).map((p) => p[1]);
      act = actual.map((e) => [identity(e, this.ids), e] as [string, unknown]).sort(byIdentity).map((p) => p[1]);
    }
    if (exp.length !== act.length) {
      const want = exp.map((e) => identity(e, this.ids));
      const got = act.map((e) => identity(e, this.ids));
      const missing = want.filter((n) => !got.includes(n));
      const unexpected = got.filter((n) => !want.includes(n));
      const detail = missing.length + unexpected.length > 0 ? `; missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}]` : '';
      this.report(at, `expected ${exp.length} item(s), got ${act.length}${detail}`);
      return;
    }
    exp.forEach((e, i) => this.compare(e, act[i], `${at}[${i}]`, key));
  }

  private string(expected: string, actual: string, at: string, key: string): void {
    if (key === 'next_page_token') {
      const problem = this.ids.bind(this.ids.pageTokens, expected, actual);
      if (problem) this.report(at, problem);
      return;
    }
    if (key === 'experiment_id') {
      const problem = this.ids.bind(this.ids.experiments, expected, actual);
      if (problem) this.report(at, problem);
      return;
    }
    if (ID_KEYS.has(key) && !this.ids.ids.has(expected)) {
      const problem = this.ids.bind(this.ids.ids, expected, actual);
      if (problem) this.report(at, problem);
      return;
    }
    if (ARTIFACT_LOCATION_KEYS.has(key)) return this.location(expected, actual, at);
    const want = this.ids.text(expected);
    if (want !== actual) this.report(at, `expected ${show(want)}, got ${show(actual)}`);
  }

  private location(expected: string, actual: string, at: string): void {
    const recordedPath = proxiedPath(expected);
    const actualPath = proxiedPath(actual);
    if (recordedPath === undefined) {
      // A location the reference server did not resolve, such as a version's runs:/ source.
      const want = this.ids.text(expected);
      if (want === actual) return;
      const runs = /^runs:\/([0-9a-f]{32})\/?(.*)$/.exec(expected);
      const root = runs ? this.ids.runRoots.get(runs[1]) : undefined;
      if (root !== undefined && actualPath !== undefined) {
        const resolved = this.ids.artifactPath(runs![2] ? `${root}/${runs![2]}` : root);
        if (actualPath === resolved) return;
      }
      this.report(at, `expected ${show(want)} or the run's proxied artifact location, got ${show(actual)}`);
      return;
    }
    if (actualPath === undefined) {
      this.report(at, `expected a proxied artifact location (mlflow-artifacts:/… like ${show(expected)}), got ${show(actual)}`);
      return;
    }
    const mapped = this.ids.artifactPath(recordedPath);
    if (mapped === actualPath) return;
    if ([...this.ids.artifactRoots.keys()].some((root) => recordedPath === root || recordedPath.startsWith(`${root}/`))) {
      this.report(at, `expected the location ${show(`mlflow-artifacts:/${mapped}`)}, got ${show(actual)}`);
      return;
    }
    const problem = this.ids.bind(this.ids.artifactRoots, recordedPath, actualPath);
    if (problem) this.report(at, problem);
  }
}

/** Rewrites a recorded JSON request body with Puente's ids. */
function rewriteJson(value: unknown, ids: Correspondence, key = ''): unknown {
  if (typeof value === 'string') {
    if (key === 'experiment_id' || key === 'experiment_ids') return ids.experiment(value);
    if (key === 'page_token') return ids.pageTokens.get(value) ?? value;
    return ids.text(value);
  }
  if (Array.isArray(value)) return value.map((v) => rewriteJson(v, ids, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteJson(v, ids, k)]));
  }
  return value;
}

function rewriteUrl(request: RecordedRequest, ids: Correspondence): string {
  let path = request.path;
  if (path.startsWith(`${ARTIFACTS_API}/`)) {
    const inner = decodeURIComponent(path.slice(ARTIFACTS_API.length + 1));
    path = `${ARTIFACTS_API}/${ids.artifactPath(inner).split('/').map(encodeURIComponent).join('/')}`;
  } else {
    path = ids.ids_in(path);
  }
  const query = new URLSearchParams();
  for (const [k, v] of request.query) {
    if (k === 'experiment_id' || k === 'experiment_ids') query.append(k, ids.experiment(v));
    else if (k === 'page_token') query.append(k, ids.pageTokens.get(v) ?? v);
    else if (k === 'path' && request.path === ARTIFACTS_API) query.append(k, ids.artifactPath(v));
    else query.append(k, ids.text(v));
  }
  const qs = query.toString();
  return qs === '' ? path : `${path}?${qs}`;
}

/** The outcome of one replay. */
export interface ReplayResult {
  readonly exchanges: number;
  readonly mismatches: Mismatch[];
  /** Status and error code of every answer Puente gave, in order (for per-recording checks). */
  readonly answers: Array<{ readonly call: string; readonly status: number; readonly errorCode?: string }>;
}

/** Sends every recorded request to `app` in order and compares each answer with the recorded one. */
export async function replayRecording(
  app: FastifyInstance,
  exchanges: readonly Exchange[],
  options: { readonly authorization?: string } = {},
): Promise<ReplayResult> {
  const ids = new Correspondence();
  const mismatches: Mismatch[] = [];
  const answers: ReplayResult['answers'] = [];

  for (const { seq, step, request, response } of exchanges) {
    const call = `${request.method} ${request.path.replace(/^\/api\/2\.0\//, '')}`;
    const report = (at: string, problem: string) => mismatches.push({ seq, step, call, at, problem });
    const url = rewriteUrl(request, ids);
    const headers: Record<string, string> = {};
    if (request.content_type) headers['content-type'] = request.content_type;
    if (options.authorization) headers.authorization = options.authorization;
    let payload: string | Buffer | undefined;
    if (request.json !== undefined) payload = JSON.stringify(rewriteJson(request.json, ids));
    else if (request.body) payload = uploadBytes(request.body);

    const res = await app.inject({ method: request.method as 'GET', url, headers, payload });
    const raw = res.rawPayload;
    let parsed: unknown;
    try {
      parsed = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const errorCode = typeof (parsed as { error_code?: unknown })?.error_code === 'string' ? (parsed as { error_code: string }).error_code : undefined;
    answers.push({ call, status: res.statusCode, errorCode });

    if (res.statusCode !== response.status) {
      report('status', `expected ${response.status}, got ${res.statusCode} ${raw.toString('utf8').slice(0, 300)}`);
      continue;
    }
    if (response.body) {
      if (raw.length !== response.body.size || sha256(raw) !== response.body.sha256) {
        report('body', `expected ${response.body.size} bytes (sha256 ${response.body.sha256.slice(0, 12)}…), got ${raw.length} bytes (sha256 ${sha256(raw).slice(0, 12)}…)`);
      }
      continue;
    }
    if (response.json === undefined) {
      if (!(raw.length === 0 || isEmpty(parsed))) report('body', `expected an empty answer, got ${show(raw.toString('utf8'))}`);
      continue;
    }
    if (!(res.headers['content-type'] ?? '').toString().includes('application/json')) {
      report('content-type', `expected application/json, got ${show(res.headers['content-type'])}`);
    }
    if (parsed === undefined || typeof parsed !== 'object') {
      report('body', `expected a JSON object, got ${show(raw.toString('utf8'))}`);
      continue;
    }
    if (response.status !== 200) {
      const expected = response.json as { error_code?: string };
      if (errorCode !== expected.error_code) report('error_code', `expected ${show(expected.error_code)}, got ${show(errorCode)}`);
      if (typeof (parsed as { message?: unknown }).message !== 'string') report('message', 'expected a string message');
      continue;
    }
    new AnswerComparison(ids, report).compare(response.json, parsed, '', '');
  }
  return { exchanges: exchanges.length, mismatches, answers };
}

/** One line per mismatch, for readable test failures. */
export function formatMismatch(m: Mismatch): string {
  return `#${m.seq} [${m.step}] ${m.call} — ${m.at}: ${m.problem}`;
}
