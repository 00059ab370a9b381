import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { DIALECTS } from '../helpers/test-app.js';
import { composeServices } from '../../src/main.js';
import { buildApp } from '../../src/http/index.js';
import { LocalArtifactStore, normalizeArtifactPath } from '../../src/artifacts/index.js';
import { isPuenteError } from '../../src/errors/index.js';
import type { AppServices } from '../../src/http/index.js';
import type { PuenteDb } from '../../src/db/index.js';

/** Characters that break out of SQL strings, identifiers and comments, plus ordinary ones. */
const HOSTILE = fc.constantFrom("'", '"', '`', ';', '--', '/*', '*/', '\\', '%', '_', '(', ')', ' OR 1=1', ' DROP TABLE runs', '\n', 'é', '0', 'a', ' ');
const hostileText = fc.array(HOSTILE, { minLength: 1, maxLength: 12 }).map((parts) => parts.join(''));
/** A value the SQL text must never contain: a marker, then hostile characters. */
const markedValue = fc.tuple(fc.integer({ min: 0, max: 1e9 }), hostileText).map(([n, rest]) => `ZQX${n}${rest}`);
const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
const backtick = (v: string) => `\`${v.replace(/\\/g, '\\\\').replace(/`/g, '``')}\``;

describe.each(DIALECTS)('injection: search filters ($name)', (dialect) => {
  let services: AppServices;
  let db: PuenteDb;
  let cleanup: () => Promise<void>;
  const statements: string[] = [];
  const parameters: unknown[] = [];
  let experimentId: string;

  beforeAll(async () => {
    ({ db, cleanup } = await dialect.open({ onQuery: (text, params) => void (statements.push(text), parameters.push(...params)) }));
    services = composeServices(db, new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'puente-inj-'))));
    experimentId = (await services.tracking.createExperiment({ name: 'inj' })).experiment_id;
    const run = await services.tracking.createRun({ experiment_id: experimentId });
    await services.tracking.logBatch(run.info.run_id, { params: [{ key: 'p', value: 'v' }], metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }] });
    await services.registry.createRegisteredModel('inj-model');
  });
  afterAll(async () => cleanup());

  /** Runs a search; a refusal (our typed error) is fine, anything else is a failure. */
  async function attempt(search: () => Promise<unknown>): Promise<void> {
    try {
      await search();
    } catch (err) {
      if (!isPuenteError(err)) throw err;
    }
  }

  it('binds every value and key of a filter or ordering as a parameter, never as SQL text', async () => {
    await fc.assert(
      fc.asyncProperty(markedValue, markedValue, fc.constantFrom('params', 'tags', 'metrics', 'attributes'), async (value, key, entity) => {
        statements.length = 0;
        parameters.length = 0;
        const op = entity === 'metrics' ? '>' : entity === 'attributes' ? 'LIKE' : '=';
        const field = entity === 'attributes' ? 'run_name' : backtick(key);
        const literal = entity === 'metrics' ? '0.5' : quote(value);
        await attempt(() => services.tracking.searchRuns({ experiment_ids: [experimentId], filter: `${entity}.${field} ${op} ${literal}`, order_by: [`metrics.${backtick(key)} DESC`] }));
        await attempt(() => services.tracking.searchExperiments({ filter: `name LIKE ${quote(value)} AND tags.${backtick(key)} = ${quote(value)}` }));
        await attempt(() => services.registry.searchRegisteredModels({ filter: `name ILIKE ${quote(value)}` }));
        await attempt(() => services.registry.searchModelVersions({ filter: `name = ${quote(value)} AND tags.${backtick(key)} = ${quote(value)}` }));
        // The hostile values did reach the database, as bound parameters only.
        expect(parameters.some((p) => typeof p === 'string' && p.includes('ZQX'))).toBe(true);
        for (const text of statements) expect(text).not.toContain('ZQX');
      }),
      { numRuns: 60 },
    );
  });

  it('refuses or answers any filter text without a database error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 60 }), hostileText.map((h) => `params.p = ${h}`), hostileText.map((h) => `metrics.m > 1 ${h}`)), async (filter) => {
        await attempt(() => services.tracking.searchRuns({ experiment_ids: [experimentId], filter }));
        await attempt(() => services.tracking.searchExperiments({ filter }));
        await attempt(() => services.registry.searchRegisteredModels({ filter }));
      }),
      { numRuns: 150 },
    );
    // The store is intact.
    expect((await services.tracking.searchRuns({ experiment_ids: [experimentId] })).items).toHaveLength(1);
  });
});

describe('injection: artifact paths', () => {
  let root: string;
  let outside: string;
  beforeAll(() => {
    outside = mkdtempSync(join(tmpdir(), 'puente-paths-'));
    root = join(outside, 'root');
  });
  afterAll(() => rmSync(outside, { recursive: true, force: true }));

  const segment = fc.constantFrom('..', '.', '', 'a', 'b c', '%2e%2e', '%252e%252e', '..%2f', '%2f', '\\', '..\\..', '\0', '~', 'C:', 'é', '%00', '%5c');
  const hostilePath = fc.oneof(fc.array(segment, { maxLength: 8 }).map((parts) => parts.join('/')), fc.string({ maxLength: 30 }));

  it('never yields a key that resolves outside the store root', () => {
    fc.assert(
      fc.property(hostilePath, (raw) => {
        let key: string;
        try {
          key = normalizeArtifactPath(raw);
        } catch (err) {
          expect(isPuenteError(err)).toBe(true);
          return;
        }
        const full = resolve(root, key);
        expect(full === root || full.startsWith(root + sep)).toBe(true);
        expect(key.split('/')).not.toContain('..');
      }),
      { numRuns: 2000 },
    );
  });

  it('writes nothing outside the root through the artifact proxy', async () => {
    const { db, cleanup } = await DIALECTS[0]!.open();
    const services = composeServices(db, new LocalArtifactStore(root));
    const app = await buildApp(services, { bodyLimitBytes: 1e6, logger: false });
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 6 }), async (parts) => {
          const url = `/api/2.0/mlflow-artifacts/artifacts/${parts.map((p) => p.replace(/\0/g, '%00')).join('/')}`;
          const res = await app.inject({ method: 'PUT', url, payload: 'x', headers: { 'content-type': 'application/octet-stream' } });
          expect(res.statusCode).toBeLessThan(500);
        }),
        { numRuns: 300 },
      );
      const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
      const escaped = walk(outside).filter((f) => !f.startsWith(root + sep) && !f.endsWith('puente.db'));
      expect(escaped).toEqual([]);
    } finally {
      await app.close();
      await cleanup();
    }
  });
});
