import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { LocalArtifactStore } from '../../src/artifacts/index.js';
import { artifactBundleSource, directoryBundleSource, readBundle, readMlmodel } from '../../src/bundles/index.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('model bundles', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'puente-bundle-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function writeBundle(name: string, files: Record<string, string>, manifest: Record<string, unknown>): string {
    const dir = join(root, name);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    writeFileSync(join(dir, 'puente.json'), JSON.stringify(manifest));
    return dir;
  }

  const model = '{"learner": "fake model bytes"}';
  const manifest = (overrides: Record<string, unknown> = {}) => ({
    format_version: 1,
    format: 'xgboost',
    task: 'binary_classification',
    model_file: 'model.json',
    signature: { inputs: [{ name: 'age', type: 'double' }, { name: 'state', type: 'string', categories: ['CA', 'TX'] }], outputs: [{ name: 'probability', dtype: 'float32', shape: [null] }] },
    preprocessing: null,
    files: { 'model.json': sha(model), 'extra/notes.txt': sha('notes') },
    ...overrides,
  });

  it('reads a bundle whose every file matches its sha256', async () => {
    const dir = writeBundle('ok', { 'model.json': model, 'extra/notes.txt': 'notes' }, manifest());
    const bundle = await readBundle(directoryBundleSource(dir));
    expect(bundle.origin).toBe('puente');
    expect(bundle.modelBytes.toString()).toBe(model);
    expect(bundle.manifest.signature.inputs.map((c) => c.name)).toEqual(['age', 'state']);
    expect(await directoryBundleSource(dir).list()).toEqual(expect.arrayContaining(['model.json', 'extra/notes.txt', 'puente.json']));
  });

  it('refuses a tampered or incomplete bundle, naming the file', async () => {
    const tampered = writeBundle('tampered', { 'model.json': model, 'extra/notes.txt': 'notes!' }, manifest());
    await expect(readBundle(directoryBundleSource(tampered))).rejects.toThrow(/'extra\/notes.txt' has sha256 .* the manifest says/);
    const missing = writeBundle('missing', { 'model.json': model }, manifest());
    await expect(readBundle(directoryBundleSource(missing))).rejects.toThrow(/'extra\/notes.txt' is listed .* but missing/);
  });

  it.each([
    [{ format_version: 2 }, 'format_version'],
    [{ format: 'pickle' }, 'format'],
    [{ task: 'ranking' }, 'task'],
    [{ model_file: 'other.json' }, 'files'],
    [{ files: { 'model.json': 'abc' } }, 'files.model.json'],
    [{ signature: { inputs: [{ name: 'a', type: 'decimal' }], outputs: [] } }, "type 'decimal'"],
    [{ signature: { inputs: [{ name: 'a', type: 'double' }, { name: 'a', type: 'double' }], outputs: [] } }, 'twice'],
  ])('refuses a manifest with %o, naming %s', async (override, named) => {
    const dir = writeBundle(`bad-${Math.random()}`, { 'model.json': model, 'extra/notes.txt': 'notes' }, manifest(override));
    const err = await readBundle(directoryBundleSource(dir)).catch((e: Error & { code?: string }) => e);
    expect((err as { code?: string }).code).toBe('INVALID_PARAMETER_VALUE');
    expect((err as Error).message).toContain(named);
  });

  it('reads bundles from an artifact store prefix, recursively', async () => {
    const store = new LocalArtifactStore(join(root, 'store'));
    await store.put('1/run/artifacts/model/model.json', Buffer.from(model));
    await store.put('1/run/artifacts/model/extra/notes.txt', Buffer.from('notes'));
    await store.put('1/run/artifacts/model/puente.json', Buffer.from(JSON.stringify(manifest())));
    const bundle = await readBundle(artifactBundleSource(store, '1/run/artifacts/model'));
    expect(bundle.modelBytes.toString()).toBe(model);
  });

  it('answers 404 when there is no bundle', async () => {
    mkdirSync(join(root, 'empty'), { recursive: true });
    await expect(readBundle(directoryBundleSource(join(root, 'empty')))).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  });
});

describe('MLflow MLmodel directories', () => {
  const xgbMlmodel = `artifact_path: model
flavors:
  python_function:
    data: model.ubj
    loader_module: mlflow.xgboost
  xgboost:
    data: model.ubj
    model_class: xgboost.sklearn.XGBClassifier
    model_format: ubj
    xgb_version: 1.7.4
mlflow_version: 3.6.0
signature:
  inputs: '[{"type": "double", "name": "age", "required": true}, {"type": "string", "name": "state", "required": false}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]'
`;

  it('reads the xgboost flavor with its column signature', async () => {
    const info = readMlmodel(xgbMlmodel);
    expect(info).toMatchObject({ format: 'xgboost', model_file: 'model.ubj', model_class: 'xgboost.sklearn.XGBClassifier' });
    expect(info.signature?.inputs).toEqual([{ name: 'age', type: 'double' }, { name: 'state', type: 'string', nullable: true }]);

    const dir = mkdtempSync(join(tmpdir(), 'puente-mlmodel-'));
    writeFileSync(join(dir, 'MLmodel'), xgbMlmodel);
    writeFileSync(join(dir, 'model.ubj'), 'ubj bytes');
    const bundle = await readBundle(directoryBundleSource(dir));
    expect(bundle).toMatchObject({ origin: 'mlflow', manifest: { format: 'xgboost', model_file: 'model.ubj', task: 'binary_classification' } });
    expect(bundle.manifest.files['model.ubj']).toBe(sha('ubj bytes'));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the onnx flavor with a tensor signature as one matrix input', () => {
    const info = readMlmodel(`flavors:
  onnx:
    data: model.onnx
    onnx_version: 1.16.0
signature:
  inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}, "name": "input"}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}, "name": "probabilities"}]'
`);
    expect(info.format).toBe('onnx');
    expect(info.signature?.input_tensor).toEqual({ name: 'input', dtype: 'float32', shape: [null, 3] });
    expect(info.signature?.inputs.map((c) => c.name)).toEqual(['f0', 'f1', 'f2']);
  });

  it('refuses pickle flavors, naming the ONNX route, and the legacy XGBoost binary format', () => {
    expect(() => readMlmodel('flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n  sklearn:\n    pickled_model: model.pkl\n')).toThrow(/pickles.*mlflow\.onnx\.log_model/s);
    expect(() => readMlmodel('flavors:\n  xgboost:\n    data: model.xgb\n    model_format: xgb\n')).toThrow(/legacy binary format/);
    expect(() => readMlmodel('flavors: [')).toThrow(/not valid YAML/);
  });
});

describe('packaging', () => {
  it('builds a bundle that reads back verified', async () => {
    const { packageBundle, formatFromFileName } = await import('../../src/bundles/index.js');
    const packaged = packageBundle({
      modelBytes: Buffer.from('model bytes'),
      modelFile: 'model.onnx',
      format: formatFromFileName('model.onnx')!,
      task: 'regression',
      signature: { inputs: [{ name: 'sqft', type: 'double' }], outputs: [{ name: 'price', dtype: 'float32', shape: [null] }] },
      metrics: { r2: 0.9 },
      trainingDataset: { name: 'house', version: '3' },
      extraFiles: { 'docs/README.md': Buffer.from('# model') },
    });
    expect([...packaged.files.keys()].sort()).toEqual(['docs/README.md', 'model.onnx', 'puente.json']);
    const dir = mkdtempSync(join(tmpdir(), 'puente-pkg-'));
    for (const [path, bytes] of packaged.files) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), bytes);
    }
    const bundle = await readBundle(directoryBundleSource(dir));
    expect(bundle.manifest).toMatchObject({ format: 'onnx', task: 'regression', metrics: { r2: 0.9 }, training_dataset: { name: 'house', version: '3' } });
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses unusable file names', async () => {
    const { packageBundle } = await import('../../src/bundles/index.js');
    const base = { modelBytes: Buffer.from('x'), format: 'onnx' as const, task: 'regression' as const, signature: { inputs: [], outputs: [] } };
    expect(() => packageBundle({ ...base, modelFile: '../model.onnx' })).toThrow(/not a usable model file name/);
    expect(() => packageBundle({ ...base, modelFile: 'model.onnx', extraFiles: { '../x': Buffer.from('') } })).toThrow(/cannot be part of a bundle/);
  });
});
