import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { deterministicBytes, loadRecording, proxiedPath, replayRecording, type Exchange } from './replay-recording.js';

/*
 * The replay engine is checked against a stand-in server that answers every request with the
 * recorded answer (with the run and model ids swapped for other ones, as a different server
 * would choose), after checking that the request it got is the recorded one with the same
 * swap. An unchanged conversation must give no mismatch; each deliberate change must give one.
 */

const DIR = fileURLToPath(new URL('../fixtures/mlflow-recordings/', import.meta.url));

/**
 * What a different server would hand out: each run and model id of the recording reversed
 * (another valid id), each page token prefixed with `pt-`.
 */
function idSwap(exchanges: readonly Exchange[]): (text: string) => string {
  const ids = new Set<string>();
  const tokens = new Set<string>();
  for (const e of exchanges) {
    const json = JSON.stringify(e.response.json ?? {});
    for (const m of json.matchAll(/"(?:run_id|model_id)":"(?:m-)?([0-9a-f]{32})"/g)) ids.add(m[1]);
    for (const m of json.matchAll(/"next_page_token":"([^"]+)"/g)) tokens.add(m[1]);
  }
  return (text) => {
    let out = text.replace(/[0-9a-f]{32}/g, (id) => (ids.has(id) ? [...id].reverse().join('') : id));
    for (const t of tokens) out = out.split(`"${t}"`).join(`"pt-${t}"`);
    return tokens.has(out) ? `pt-${out}` : out;
  };
}

type Mutation = (json: any, exchange: Exchange) => any;

/** A server that plays the reference's part of the recording, optionally altering answers. */
async function standIn(exchanges: readonly Exchange[], mutate?: Map<number, Mutation>): Promise<FastifyInstance> {
  const swap = idSwap(exchanges);
  const swapJson = (value: unknown) => JSON.parse(swap(JSON.stringify(value)));
  const app = Fastify({ bodyLimit: 16 * 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  let next = 0;
  app.all('/*', async (req, reply) => {
    const e = exchanges[next++];
    const url = new URL(req.url, 'http://stand-in');
    const body = req.body as Buffer | undefined;
    const sameRequest =
      req.method === e.request.method &&
      decodeURIComponent(url.pathname) === swap(e.request.path) &&
      isDeepStrictEqual([...url.searchParams], e.request.query.map(([k, v]) => [k, swap(v)])) &&
      (e.request.json !== undefined
        ? isDeepStrictEqual(JSON.parse(body!.toString('utf8')), swapJson(e.request.json))
        : e.request.body === undefined || createHash('sha256').update(body!).digest('hex') === e.request.body.sha256);
    if (!sameRequest) return reply.code(418).send({ error_code: 'UNEXPECTED_REQUEST', message: `${req.method} ${req.url}` });
    reply.code(e.response.status);
    if (e.response.body) {
      const b = e.response.body;
      return reply.type('application/octet-stream').send(b.base64 !== undefined ? Buffer.from(b.base64, 'base64') : deterministicBytes(b.size));
    }
    let json = swapJson(e.response.json ?? {});
    const change = mutate?.get(e.seq);
    if (change) json = change(json, e);
    return reply.type('application/json').send(json);
  });
  await app.ready();
  return app;
}

/** The seq of the nth exchange whose call matches. */
function seqOf(exchanges: readonly Exchange[], method: string, pathEnd: string, nth = 0): number {
  const found = exchanges.filter((e) => e.request.method === method && e.request.path.endsWith(pathEnd));
  if (!found[nth]) throw new Error(`no ${method} ${pathEnd} #${nth} in the recording`);
  return found[nth].seq;
}

async function replayWith(name: string, mutations: (ex: Exchange[]) => Map<number, Mutation> = () => new Map()) {
  const exchanges = loadRecording(`${DIR}${name}.jsonl`);
  const app = await standIn(exchanges, mutations(exchanges));
  try {
    return await replayRecording(app, exchanges);
  } finally {
    await app.close();
  }
}

describe('replaying a recording', () => {
  it('finds no difference when every answer is the recorded one under other ids', async () => {
    for (const name of ['tracking', 'registry', 'pyfunc', 'errors', 'paging', 'limits']) {
      const result = await replayWith(name);
      expect(result.mismatches, name).toEqual([]);
      expect(result.exchanges).toBeGreaterThan(5);
    }
  });

  it('ignores clock readings and the order of tags, but not the order of search results', async () => {
    const result = await replayWith('tracking', (ex) =>
      new Map<number, Mutation>([
        [seqOf(ex, 'GET', 'experiments/get'), (j) => ({ experiment: { ...j.experiment, creation_time: 1 } })],
        [seqOf(ex, 'GET', 'runs/get'), (j) => ((j.run.data.tags = j.run.data.tags.reverse()), j)],
        [seqOf(ex, 'POST', 'runs/search', 3), (j) => ({ runs: j.runs.reverse() })],
      ]),
    );
    expect(result.mismatches.map((m) => m.call)).toEqual(Array(result.mismatches.length).fill('POST mlflow/runs/search'));
    expect(result.mismatches.length).toBeGreaterThan(0);
  });

  it('reports a changed value, a changed type, a missing key and an unexpected key where they are', async () => {
    const result = await replayWith('tracking', (ex) =>
      new Map<number, Mutation>([
        [seqOf(ex, 'GET', 'runs/get', 0), (j) => ((j.run.data.params.find((p: any) => p.key === 'alpha').value = '0.6'), j)],
        [seqOf(ex, 'GET', 'metrics/get-history'), (j) => ((j.metrics[0].step = '0'), j)],
        [seqOf(ex, 'POST', 'runs/update', 0), (j) => (delete j.run_info.status, j)],
        [seqOf(ex, 'GET', 'experiments/get'), (j) => ({ ...j, extra: 'x', empty: [] })],
      ]),
    );
    expect(result.mismatches.map((m) => `${m.call} ${m.at}`)).toEqual([
      'GET mlflow/experiments/get extra',
      'GET mlflow/runs/get run.data.params[0].value',
      'POST mlflow/runs/update run_info.status',
      'GET mlflow/metrics/get-history metrics[0].step',
    ]);
  });

  it('reports a run id that changes between answers', async () => {
    const result = await replayWith('errors', (ex) =>
      new Map<number, Mutation>([[seqOf(ex, 'GET', 'runs/get', 1), (j) => ((j.run.info.run_id = 'f'.repeat(32)), j)]]),
    );
    expect(result.mismatches.map((m) => m.at)).toEqual(['run.info.run_id']);
  });

  it('reports a wrong error code and a wrong status', async () => {
    const result = await replayWith('errors', (ex) =>
      new Map<number, Mutation>([
        [seqOf(ex, 'POST', 'experiments/create', 1), () => ({ error_code: 'INVALID_PARAMETER_VALUE', message: 'dup' })],
      ]),
    );
    expect(result.mismatches.map((m) => `${m.call} ${m.at}`)).toEqual(['POST mlflow/experiments/create error_code']);
  });

  it('reports a download whose bytes differ', async () => {
    const exchanges = loadRecording(`${DIR}tracking.jsonl`);
    const big = exchanges.find((e) => e.request.method === 'GET' && e.request.path.endsWith('big/big.bin'))!;
    const tampered = exchanges.map((e) =>
      e === big ? { ...e, response: { ...e.response, body: { ...e.response.body!, size: e.response.body!.size - 1 } } } : e,
    );
    const app = await standIn(tampered);
    try {
      const result = await replayRecording(app, exchanges);
      expect(result.mismatches.map((m) => `${m.call} ${m.at}`)).toEqual([`GET ${big.request.path.replace('/api/2.0/', '')} body`]);
    } finally {
      await app.close();
    }
  });

  it('regenerates the 3 MiB upload byte for byte', () => {
    const exchanges = loadRecording(`${DIR}tracking.jsonl`);
    const upload = exchanges.find((e) => e.request.method === 'PUT' && e.request.path.endsWith('big/big.bin'))!.request.body!;
    expect(upload.base64).toBeUndefined();
    expect(createHash('sha256').update(deterministicBytes(upload.size)).digest('hex')).toBe(upload.sha256);
  });

  it('reads proxied artifact locations in their three spellings', () => {
    expect(proxiedPath('mlflow-artifacts:/1/abc/artifacts')).toBe('1/abc/artifacts');
    expect(proxiedPath('mlflow-artifacts://host:5000/1/abc')).toBe('1/abc');
    expect(proxiedPath('http://h:1/base/api/2.0/mlflow-artifacts/artifacts/1/abc')).toBe('1/abc');
    expect(proxiedPath('runs:/abc/model')).toBeUndefined();
    expect(proxiedPath('file:///srv/artifacts/x')).toBeUndefined();
  });
});
