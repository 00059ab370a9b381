import type { ArtifactStore } from '../artifacts/index.js';
import { artifactKeyFromUri, joinKeys } from '../artifacts/index.js';
import type { Lineage, ModelVersion } from '../registry/index.js';
import type { DatasetInput } from '../tracking/index.js';
import type { DatasetService } from './dataset-service.js';

/** One node of a lineage graph. */
export interface LineageNode {
  /** `dataset:credit@3`, `external-dataset:<name>:<digest>`, `run:<id>`, `model:credit-model@2`, `deployment:<name>`. */
  readonly id: string;
  readonly type: 'dataset_version' | 'external_dataset' | 'run' | 'model_version' | 'deployment';
  readonly label: string;
  readonly attributes: Record<string, string | number | boolean | null>;
}

/** An edge: `from` fed or produced `to`. */
export interface LineageEdge {
  readonly from: string;
  readonly to: string;
  /** input (dataset → run), trained (dataset → model version, from its bundle), produced (run → model version), serves (model version → deployment). */
  readonly relation: 'input' | 'trained' | 'produced' | 'serves';
}

/** Dataset → run → model version → deployments, as nodes and edges. */
export interface LineageGraph {
  readonly root: string;
  readonly nodes: LineageNode[];
  readonly edges: LineageEdge[];
}

/** What lineage reads. The registry and tracking services satisfy the first two. */
export interface LineageDeps {
  readonly registry: { getLineage(name: string, ref: string): Promise<Lineage> };
  readonly datasets: DatasetService;
  /** To read a bundle's `puente.json` (its training dataset). */
  readonly artifacts?: ArtifactStore;
  /** Deployments serving a model version; absent until deployments are wired. */
  readonly deploymentsOf?: (model: string, version: number) => Promise<{ name: string }[]>;
}

/** `datasets:/credit/3`: how runs name a Puente dataset version as an input source. */
export const DATASET_SOURCE = /^datasets:\/\/?([^/@]+)[/@](\d+)$/;

/** The dataset-input fields that name a version of ours in a run (MLflow's log_input maps here). */
export function datasetInputFor(version: { name: string; version: number; digest: string; row_count: number; schema: { columns: { name: string; type: string }[] } }, context = 'training') {
  return {
    tags: [{ key: 'mlflow.data.context', value: context }],
    dataset: {
      name: version.name,
      // MLflow caps dataset digests at 36 characters; lineage matches the prefix.
      digest: version.digest.slice(0, 32),
      source_type: 'puente',
      source: `datasets:/${version.name}/${version.version}`,
      schema: JSON.stringify({ mlflow_colspec: version.schema.columns.map((c) => ({ name: c.name, type: MLFLOW_TYPES[c.type] ?? 'string' })) }),
      profile: JSON.stringify({ num_rows: version.row_count }),
    },
  };
}

const MLFLOW_TYPES: Readonly<Record<string, string>> = { integer: 'long', float: 'double', boolean: 'boolean', string: 'string' };

/**
 * Lineage across modules: a model version's run, the run's dataset inputs matched to dataset
 * versions (by a `datasets:/name/version` source, else by content digest, full or an MLflow-style
 * prefix), the training dataset its bundle names, and the deployments serving it.
 */
export class LineageService {
  constructor(private readonly deps: LineageDeps) {}

  async ofModelVersion(model: string, ref: string): Promise<LineageGraph> {
    const lineage = await this.deps.registry.getLineage(model, ref);
    const mv = lineage.model_version;
    const nodes = new Map<string, LineageNode>();
    const edges: LineageEdge[] = [];
    const add = (n: LineageNode) => {
      if (!nodes.has(n.id)) nodes.set(n.id, n);
      return n.id;
    };
    const modelId = add(modelNode(mv));
    if (lineage.run) {
      const run = lineage.run;
      const runId = add({
        id: `run:${run.info.run_id}`,
        type: 'run',
        label: `run ${run.info.run_name || run.info.run_id}`,
        attributes: { run_id: run.info.run_id, run_name: run.info.run_name, experiment_id: run.info.experiment_id, status: run.info.status, start_time: run.info.start_time },
      });
      edges.push({ from: runId, to: modelId, relation: 'produced' });
      for (const input of lineage.datasets) {
        const datasetId = add(await this.#datasetNode(input));
        edges.push({ from: datasetId, to: runId, relation: 'input' });
      }
    }
    const trained = await this.#bundleDataset(mv);
    if (trained) {
      const id = add(trained);
      if (!edges.some((e) => e.from === id)) edges.push({ from: id, to: modelId, relation: 'trained' });
    }
    for (const d of (await this.deps.deploymentsOf?.(mv.name, mv.version)) ?? []) {
      const id = add({ id: `deployment:${d.name}`, type: 'deployment', label: `deployment ${d.name}`, attributes: { name: d.name } });
      edges.push({ from: modelId, to: id, relation: 'serves' });
    }
    return { root: modelId, nodes: [...nodes.values()], edges };
  }

  /** A run input as one of our dataset versions when it names one, else as an outside dataset. */
  async #datasetNode(input: DatasetInput): Promise<LineageNode> {
    const d = input.dataset;
    const context = input.tags.find((t) => t.key === 'mlflow.data.context')?.value ?? null;
    const bySource = DATASET_SOURCE.exec(d.source);
    if (bySource) {
      const node = await this.#versionNode(bySource[1]!, bySource[2]!, context);
      if (node) return node;
    }
    if (/^[0-9a-f]{8,64}$/i.test(d.digest)) {
      const sameName = await this.deps.datasets.versionsWithDigest(d.digest, d.name);
      const any = sameName.length > 0 ? sameName : await this.deps.datasets.versionsWithDigest(d.digest);
      if (any.length > 0) {
        const node = await this.#versionNode(any[0]!.name, String(any[0]!.version), context);
        if (node) return node;
      }
    }
    return {
      id: `external-dataset:${d.name}:${d.digest}`,
      type: 'external_dataset',
      label: `dataset ${d.name} (not versioned here)`,
      attributes: { name: d.name, digest: d.digest, source_type: d.source_type, source: d.source, context },
    };
  }

  async #versionNode(name: string, ref: string, context: string | null): Promise<LineageNode | null> {
    const v = await this.deps.datasets.getVersion(name, ref).catch(() => null);
    if (!v) return null;
    return {
      id: `dataset:${v.name}@${v.version}`,
      type: 'dataset_version',
      label: `dataset ${v.name}@${v.version}`,
      attributes: { name: v.name, version: v.version, digest: v.digest, row_count: v.row_count, message: v.message, context },
    };
  }

  /** The training dataset named in the version's bundle manifest, when it has one we know. */
  async #bundleDataset(mv: ModelVersion): Promise<LineageNode | null> {
    const store = this.deps.artifacts;
    if (!store || !mv.storage_location.startsWith('mlflow-artifacts:')) return null;
    try {
      const key = joinKeys(artifactKeyFromUri(mv.storage_location), 'puente.json');
      if ((await store.stat(key)) === null) return null;
      const chunks: Buffer[] = [];
      for await (const c of (await store.get(key)).stream) chunks.push(c as Buffer);
      const manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { training_dataset?: { name?: string; version?: string } | null };
      const ref = manifest.training_dataset;
      if (!ref?.name) return null;
      return await this.#versionNode(ref.name, String(ref.version ?? 'latest'), 'training');
    } catch {
      return null;
    }
  }
}

function modelNode(mv: ModelVersion): LineageNode {
  return {
    id: `model:${mv.name}@${mv.version}`,
    type: 'model_version',
    label: `model ${mv.name} version ${mv.version}${mv.aliases.length > 0 ? ` (${mv.aliases.map((a) => `@${a}`).join(', ')})` : ''}`,
    attributes: { name: mv.name, version: mv.version, aliases: mv.aliases.join(','), run_id: mv.run_id, source: mv.source },
  };
}

/** The graph as indented text, from datasets down to deployments. */
export function renderLineage(graph: LineageGraph): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const children = (id: string) => graph.edges.filter((e) => e.from === id).map((e) => e.to);
  const hasParent = new Set(graph.edges.map((e) => e.to));
  const roots = graph.nodes.filter((n) => !hasParent.has(n.id)).map((n) => n.id);
  const lines: string[] = [];
  const describe = (n: LineageNode) => {
    const a = n.attributes;
    if (n.type === 'dataset_version') return `${n.label}  sha256:${String(a.digest).slice(0, 12)}  ${a.row_count} rows${a.context ? `  (${a.context})` : ''}`;
    if (n.type === 'external_dataset') return `${n.label}  digest ${a.digest}  source ${a.source}`;
    if (n.type === 'run') return `${n.label}  experiment ${a.experiment_id}  ${a.status}`;
    return n.label;
  };
  const walk = (id: string, depth: number, seen: Set<string>) => {
    const n = byId.get(id);
    if (!n || seen.has(id)) return;
    lines.push(`${depth === 0 ? '' : `${'   '.repeat(depth - 1)}└─ `}${describe(n)}`);
    const next = new Set(seen).add(id);
    for (const c of children(id)) walk(c, depth + 1, next);
  };
  for (const r of roots) walk(r, 0, new Set());
  return lines.join('\n');
}
