import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/test-app.js';
import { PUBLIC_ROUTES, policyFor } from '../../src/http/access/index.js';
import { makeSecuredApp, type SecuredApp } from './secured-app.js';

/*
 * Walks every route the app registers and calls it as nobody, as a global viewer, and as a user
 * whose grants are all on other resources. A route registered without a policy fails here.
 */
describe.each(DIALECTS)('route access ($name)', (dialect) => {
  let t: SecuredApp;
  let viewer: string;
  let elsewhere: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await makeSecuredApp(dialect);
    const admin = t.adminToken;
    ids.expA = (await t.call('POST', '/api/2.0/mlflow/experiments/create', admin, { name: 'exp-a' })).json.experiment_id;
    ids.expB = (await t.call('POST', '/api/2.0/mlflow/experiments/create', admin, { name: 'exp-b' })).json.experiment_id;
    ids.runA = (await t.call('POST', '/api/2.0/mlflow/runs/create', admin, { experiment_id: ids.expA })).json.run.info.run_id;
    ids.loggedA = (await t.call('POST', '/api/2.0/mlflow/logged-models', admin, { experiment_id: ids.expA, name: 'lm' })).json.model.info.model_id;
    await t.call('POST', '/api/2.0/mlflow/registered-models/create', admin, { name: 'model-a' });
    await t.call('POST', '/api/2.0/mlflow/registered-models/create', admin, { name: 'model-b' });
    await t.call('POST', '/api/2.0/mlflow/model-versions/create', admin, { name: 'model-a', source: `mlflow-artifacts:/${ids.expA}/x`, run_id: ids.runA });
    viewer = await t.user('viewer-user', 'viewer');
    elsewhere = await t.user('elsewhere-user');
    await t.grant('elsewhere-user', 'admin', 'experiment', ids.expB);
    await t.grant('elsewhere-user', 'admin', 'registered_model', 'model-b');
  });
  afterAll(async () => t.close());

  /** A request that names resources of experiment A and model-a everywhere a route may look. */
  function requestFor(method: string, url: string): { url: string; body?: unknown } {
    const path = url
      .replace(':experiment_id', ids.expA).replace(':run_id', ids.runA).replace(':model_id', ids.loggedA)
      .replace(':name', 'model-a').replace(':version', '1').replace(':alias', 'champion').replace(':key', 'k')
      .replace(':tag_key', 'k').replace(':username', 'viewer-user').replace(':token_id', '1').replace(':grant_id', '1')
      .replace('*', `${ids.expA}/${ids.runA}/artifacts/f.txt`);
    const fields = {
      experiment_id: ids.expA, experiment_ids: [ids.expA], run_id: ids.runA, run_ids: [ids.runA], name: 'model-a', model_id: ids.loggedA,
      experiment_name: 'exp-a', version: '1', alias: 'champion', key: 'k', value: 'v', path: `${ids.expA}`,
      resource_type: 'experiment', resource_id: ids.expA, username: 'viewer-user', role: 'viewer', metric_key: 'm',
    };
    if (method === 'GET' || method === 'DELETE') {
      const query = new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, Array.isArray(v) ? v[0]! : v])).toString();
      return { url: `${path}?${query}`, ...(method === 'DELETE' ? { body: fields } : {}) };
    }
    return { url: path, body: fields };
  }

  it('gives every route a policy, and only the declared ones are public', () => {
    const routes = t.app.routeTable;
    expect(routes.length).toBeGreaterThan(150);
    const missing = routes.filter((r) => policyFor(r.method, r.url) === undefined).map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
    const publicOnes = routes.filter((r) => r.public).map((r) => `${r.method} ${r.url}`);
    expect(publicOnes.every((r) => PUBLIC_ROUTES.includes(r))).toBe(true);
  });

  it('answers 401 to every non-public route called without credentials', async () => {
    const wrong: string[] = [];
    for (const r of t.app.routeTable) {
      if (r.public) continue;
      const req = requestFor(r.method, r.url);
      const res = await t.call(r.method, req.url, undefined, req.body);
      if (res.status !== 401 || res.json.error_code !== 'UNAUTHENTICATED') wrong.push(`${r.method} ${r.url} → ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers 401 to a wrong token on every non-public route', async () => {
    const wrong: string[] = [];
    for (const r of t.app.routeTable.filter((x) => !x.public)) {
      const req = requestFor(r.method, r.url);
      const res = await t.call(r.method, req.url, `pnt_${'A'.repeat(43)}`, req.body);
      if (res.status !== 401) wrong.push(`${r.method} ${r.url} → ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers 403 to a global viewer on every route that changes something', async () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const r of t.app.routeTable) {
      const policy = policyFor(r.method, r.url)!;
      if (policy.kind !== 'role' || policy.role === 'viewer') continue;
      checked++;
      const req = requestFor(r.method, r.url);
      const res = await t.call(r.method, req.url, viewer, req.body);
      if (res.status !== 403 || res.json.error_code !== 'PERMISSION_DENIED') wrong.push(`${r.method} ${r.url} → ${res.status} ${JSON.stringify(res.json)}`);
    }
    expect(checked).toBeGreaterThan(80);
    expect(wrong).toEqual([]);
  });

  it('answers 403 on every resource route to a user whose grants are on other resources', async () => {
    const wrong: string[] = [];
    for (const r of t.app.routeTable) {
      const policy = policyFor(r.method, r.url)!;
      if (policy.kind !== 'role' || policy.search) continue;
      const req = requestFor(r.method, r.url);
      const res = await t.call(r.method, req.url, elsewhere, req.body);
      if (res.status !== 403) wrong.push(`${r.method} ${r.url} → ${res.status} ${JSON.stringify(res.json)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('lets the admin through every route (no 401 or 403), so the checks above are not vacuous', async () => {
    const wrong: string[] = [];
    for (const r of t.app.routeTable) {
      if (r.method === 'DELETE' || r.url.includes('bootstrap')) continue;
      const req = requestFor(r.method, r.url);
      const res = await t.call(r.method, req.url, t.adminToken, req.body);
      if (res.status === 401 || res.status === 403) wrong.push(`${r.method} ${r.url} → ${res.status} ${JSON.stringify(res.json)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('filters search results to what the caller may see', async () => {
    const seen = await t.call('POST', '/api/2.0/mlflow/experiments/search', elsewhere, { max_results: 100 });
    expect(seen.status).toBe(200);
    expect(seen.json.experiments.map((e: { name: string }) => e.name)).toEqual(['exp-b']);
    const runs = await t.call('POST', '/api/2.0/mlflow/runs/search', elsewhere, { experiment_ids: [ids.expA, ids.expB] });
    expect(runs.json.runs ?? []).toEqual([]);
    const models = await t.call('GET', '/api/2.0/mlflow/registered-models/search', elsewhere);
    expect(models.json.registered_models.map((m: { name: string }) => m.name)).toEqual(['model-b']);
    const versions = await t.call('GET', '/api/2.0/mlflow/model-versions/search', elsewhere);
    expect(versions.json.model_versions ?? []).toEqual([]);
    const native = await t.call('GET', '/api/v1/experiments', elsewhere);
    expect(native.json.experiments.map((e: { name: string }) => e.name)).toEqual(['exp-b']);
    const all = await t.call('GET', '/api/v1/experiments', viewer);
    expect(all.json.experiments.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(['Default', 'exp-a', 'exp-b']));
  });
});
