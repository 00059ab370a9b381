import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { registerSyntheticModel, syntheticRows } from './models.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(DIALECTS)('deployments on $name', (dialect) => {
  let t: TestApp;
  let good: number;
  let candidate: number;
  let inverted: number;
  let wide: number;
  let skewed: number;
  const { rows, labels } = syntheticRows(400, 99);

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    good = await registerSyntheticModel(t.services, 'synth', { seed: 7 });
    candidate = await registerSyntheticModel(t.services, 'synth', { seed: 8 });
    inverted = await registerSyntheticModel(t.services, 'synth', { seed: 7, inverted: true });
    wide = await registerSyntheticModel(t.services, 'synth', { seed: 7, renameLast: 'x9' });
    skewed = await registerSyntheticModel(t.services, 'synth', { seed: 7, skewed: true });
  });
  afterAll(async () => t?.close());

  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    t.app.inject({ method, url: `/api/v1${url}`, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const invoke = (name: string, i: number, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: `/deployments/${name}/invocations`, headers, payload: { dataframe_records: [rows[i % rows.length]] } });
  const create = async (name: string, version = good) => {
    const res = await api('POST', '/deployments', { name, model: 'synth', version });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  /** Sends n requests (with distinct request keys) and returns the versions that answered. */
  const traffic = async (name: string, n: number, offset = 0) => {
    const versions: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await invoke(name, offset + i);
      expect(res.statusCode, res.body).toBe(200);
      versions.push(Number(res.headers['x-puente-model-version']));
    }
    return versions;
  };

  it('serves one version through /invocations and the Open Inference paths, saying which version answered', async () => {
    const created = await create('single');
    expect(created).toMatchObject({ name: 'single', revision: 1, spec: { policy: 'single', versions: [{ model: 'synth', version: good, weight: 100, role: 'stable' }] } });
    const res = await invoke('single', 0);
    expect(res.statusCode).toBe(200);
    expect(res.json().predictions).toHaveLength(1);
    expect(res.headers['x-puente-model-version']).toBe(String(good));
    expect(res.headers['x-puente-deployment-role']).toBe('stable');
    expect(res.headers['x-puente-prediction-id']).toMatch(/^[0-9a-f-]{36}$/);

    const infer = await t.app.inject({
      method: 'POST', url: '/deployments/single/v2/models/single/infer',
      payload: { inputs: ['x0', 'x1', 'x2', 'x3'].map((name) => ({ name, datatype: 'FP64', shape: [1], data: [rows[0]![name]] })) },
    });
    expect(infer.statusCode, infer.body).toBe(200);
    expect(infer.json()).toMatchObject({ model_name: 'single', model_version: String(good), parameters: { deployment: 'single', role: 'stable' } });
    expect(infer.json().outputs[0].data[0]).toBeCloseTo(res.json().predictions[0], 6);
    const unknownOutput = await t.app.inject({
      method: 'POST', url: '/deployments/single/v2/models/single/infer',
      payload: { inputs: ['x0', 'x1', 'x2', 'x3'].map((name) => ({ name, datatype: 'FP64', shape: [1], data: [rows[0]![name]] })), outputs: [{ name: 'nope' }] },
    });
    expect(unknownOutput.statusCode).toBe(400);
    expect(unknownOutput.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', error: expect.stringMatching(/Unknown output\(s\) nope; this model has predictions/) });
    const meta = await t.app.inject({ method: 'GET', url: '/deployments/single/v2/models/single' });
    expect(meta.statusCode).toBe(200);
    expect(meta.json().inputs.map((i: { name: string }) => i.name)).toEqual(['x0', 'x1', 'x2', 'x3']);
    expect((await t.app.inject({ method: 'GET', url: '/deployments/single/v2/health/ready' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/deployments/single/v2/models/other' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: '/deployments/missing/invocations', payload: { dataframe_records: [rows[0]] } })).statusCode).toBe(404);
  });

  it('stages a green version reachable by header, promotes it atomically under load with no failed request, and rolls back in one step', async () => {
    await create('bg');
    const staged = await api('POST', '/deployments/bg/blue-green', { model: 'synth', version: candidate });
    expect(staged.statusCode, staged.body).toBe(200);
    expect(new Set(await traffic('bg', 20))).toEqual(new Set([good]));
    const toGreen = await invoke('bg', 0, { 'x-puente-target': 'green' });
    expect(toGreen.headers['x-puente-model-version']).toBe(String(candidate));

    // Continuous load while the switch happens: every request must succeed.
    let stop = false;
    const statuses: number[] = [];
    const seen = new Set<number>();
    const load = (async () => {
      let i = 0;
      while (!stop) {
        const batch = await Promise.all(Array.from({ length: 8 }, () => invoke('bg', i++)));
        for (const r of batch) {
          statuses.push(r.statusCode);
          seen.add(Number(r.headers['x-puente-model-version']));
        }
      }
    })();
    await sleep(50);
    const promoted = await api('POST', '/deployments/bg/promote', { reason: 'green looked fine' });
    expect(promoted.statusCode, promoted.body).toBe(200);
    await sleep(80);
    stop = true;
    await load;
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(seen).toEqual(new Set([good, candidate]));
    expect(new Set(await traffic('bg', 10))).toEqual(new Set([candidate]));

    const back = await api('POST', '/deployments/bg/rollback', {});
    expect(back.statusCode, back.body).toBe(200);
    expect(new Set(await traffic('bg', 10))).toEqual(new Set([good]));
    const history = (await api('GET', '/deployments/bg/history')).json().revisions;
    expect(history.map((r: { revision: number }) => r.revision)).toEqual([4, 3, 2, 1]);
    expect(history[1]).toMatchObject({ reason: 'green looked fine', created_by: 'anonymous' });
  });

  it('keeps a request key on one version, the same after a restart, and splits keys by weight', async () => {
    await create('sticky');
    expect((await api('POST', '/deployments/sticky/ab', { model: 'synth', version: candidate, weight: 30 })).statusCode).toBe(200);
    const pick = async (app: TestApp['app'], key: string) =>
      Number((await app.inject({ method: 'POST', url: '/deployments/sticky/invocations', headers: { 'x-puente-request-key': key }, payload: { dataframe_records: [rows[0]] } })).headers['x-puente-model-version']);
    const first: number[] = [];
    for (let k = 0; k < 200; k++) first.push(await pick(t.app, `user-${k}`));
    for (let k = 0; k < 20; k++) expect(await pick(t.app, `user-${k}`)).toBe(first[k]);
    const share = first.filter((v) => v === candidate).length / first.length;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.4);
    // A second app on the same store (a restart, or another replica) routes every key the same way.
    const { composeServices } = await import('../../src/main.js');
    const { buildApp } = await import('../../src/http/index.js');
    const other = await buildApp(composeServices(t.services.db, t.services.artifacts, { audit: false }), { bodyLimitBytes: 1 << 20, logger: false });
    try {
      for (let k = 0; k < 50; k++) expect(await pick(other, `user-${k}`)).toBe(first[k]);
    } finally {
      await other.close().catch(() => undefined);
    }
  });

  it('promotes a good canary step by step', async () => {
    await create('good-canary');
    const started = await api('POST', '/deployments/good-canary/canary', {
      model: 'synth', version: candidate, steps: [20, 60, 100], interval_seconds: 0.2, max_error_rate: 0.05, max_p99_ms: 2000, max_prediction_shift: 0.3, min_requests: 5,
    });
    expect(started.statusCode, started.body).toBe(200);
    expect(started.json().spec.versions).toEqual([
      { model: 'synth', version: good, weight: 80, role: 'stable' },
      { model: 'synth', version: candidate, weight: 20, role: 'canary' },
    ]);
    // Requests are split at random, so a step may see too few canary predictions and hold (no_data): drive until decided.
    let status = (await api('GET', '/deployments/good-canary/status')).json();
    for (let round = 0; round < 8 && status.canary.state === 'progressing'; round++) {
      await traffic('good-canary', 300, round * 300);
      await sleep(250);
      await t.services.canaryController.tick();
      status = (await api('GET', '/deployments/good-canary/status')).json();
    }
    expect(status.canary.state, JSON.stringify(status.canary)).toBe('promoted');
    expect(status.canary.analyses.map((a: { outcome: string; weight: number }) => [a.weight, a.outcome])).toEqual([[20, 'passed'], [60, 'passed']]);
    expect(status.versions).toEqual([{ model: 'synth', version: candidate, weight: 100, role: 'stable' }]);
    expect(new Set(await traffic('good-canary', 10))).toEqual(new Set([candidate]));
  });

  it('rolls back a canary whose predictions differ from the stable version, recording the reason', async () => {
    await create('wrong-canary');
    await api('POST', '/deployments/wrong-canary/canary', {
      model: 'synth', version: skewed, steps: [50, 100], interval_seconds: 0.2, max_prediction_shift: 0.3, min_requests: 5,
    });
    // Too little traffic to compare distributions: the step holds rather than passing.
    await traffic('wrong-canary', 20);
    await sleep(250);
    await t.services.canaryController.tick();
    const held = (await api('GET', '/deployments/wrong-canary/status')).json();
    expect(held.canary).toMatchObject({ state: 'progressing', step_index: 0 });
    expect(held.canary.analyses.map((a: { outcome: string }) => a.outcome)).toEqual(['no_data']);
    await traffic('wrong-canary', 200);
    await sleep(250);
    await t.services.canaryController.tick();
    const status = (await api('GET', '/deployments/wrong-canary/status')).json();
    expect(status.canary.state, JSON.stringify(status.canary)).toBe('rolled_back');
    expect(status.canary.reason).toMatch(/max_prediction_shift/);
    const shift = status.canary.analyses[0].checks.find((c: { guardrail: string }) => c.guardrail === 'max_prediction_shift');
    expect(shift.value).toBeGreaterThan(0.3);
    expect(status.versions).toEqual([{ model: 'synth', version: good, weight: 100, role: 'stable' }]);
    const events = (await api('GET', '/deployments/wrong-canary/history')).json().revisions;
    expect(events[0]).toMatchObject({ created_by: 'canary-controller' });
  });

  it('rolls back a canary that fails requests or answers slowly', async () => {
    await create('flaky-canary');
    await api('POST', '/deployments/flaky-canary/canary', {
      model: 'synth', version: candidate, faults: { error_percent: 60 }, steps: [50, 100], interval_seconds: 0.2, max_error_rate: 0.05, min_requests: 5,
    });
    let failed = 0;
    for (let i = 0; i < 60; i++) if ((await invoke('flaky-canary', i)).statusCode !== 200) failed++;
    expect(failed).toBeGreaterThan(0);
    await sleep(250);
    await t.services.canaryController.tick();
    let status = (await api('GET', '/deployments/flaky-canary/status')).json();
    expect(status.canary.state).toBe('rolled_back');
    expect(status.canary.reason).toMatch(/max_error_rate/);

    await create('slow-canary');
    await api('POST', '/deployments/slow-canary/canary', {
      model: 'synth', version: candidate, faults: { delay_ms: 40 }, steps: [50, 100], interval_seconds: 0.2, max_p99_ms: 25, failure_limit: 1, min_requests: 3,
    });
    // failure_limit 1: the first failed analysis is tolerated, the second rolls back.
    for (let round = 0; round < 2; round++) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => invoke('slow-canary', i)));
      await sleep(250);
      await t.services.canaryController.tick();
      status = (await api('GET', '/deployments/slow-canary/status')).json();
      expect(status.canary.state).toBe(round === 0 ? 'progressing' : 'rolled_back');
    }
    expect(status.canary.failures).toBe(1);
    expect(status.canary.reason).toMatch(/max_p99_ms/);
  });

  it('rolls back a canary whose live accuracy falls behind once labels arrive', async () => {
    await create('acc-canary');
    await api('POST', '/deployments/acc-canary/canary', {
      model: 'synth', version: inverted, steps: [50, 100], interval_seconds: 0.2, min_accuracy_delta: -0.05, min_requests: 5,
    });
    const feedback: { prediction_id: string; label: number }[] = [];
    for (let i = 0; i < 160; i++) {
      const res = await invoke('acc-canary', i);
      feedback.push({ prediction_id: String(res.headers['x-puente-prediction-id']), label: labels[i % labels.length]! });
    }
    const sent = await api('POST', '/deployments/acc-canary/feedback', { labels: [...feedback, { prediction_id: 'no-such-id', label: 1 }] });
    expect(sent.statusCode, sent.body).toBe(200);
    expect(sent.json()).toMatchObject({ recorded: 160, not_found: 1 });
    expect(sent.json().results.at(-1)).toEqual({ prediction_id: 'no-such-id', row: 0, status: 'not_found' });
    await sleep(250);
    await t.services.canaryController.tick();
    const status = (await api('GET', '/deployments/acc-canary/status')).json();
    expect(status.canary.state).toBe('rolled_back');
    const acc = status.canary.analyses[0].checks.find((c: { guardrail: string }) => c.guardrail === 'min_accuracy_delta');
    expect(acc.value).toBeLessThan(-0.5);
    expect((await api('POST', '/deployments/acc-canary/feedback', { labels: [{ prediction_id: feedback[0]!.prediction_id, label: { nested: 1 } }] })).statusCode).toBe(400);
  });

  it('runs an A/B test on feedback labels: per-arm outcomes, fixed and sequential tests, and a verdict', async () => {
    await create('ab');
    const started = await api('POST', '/deployments/ab/ab', { model: 'synth', version: inverted, weight: 50, metric: 'accuracy', minimum_effect: 0.05 });
    expect(started.statusCode, started.body).toBe(200);
    const correct = new Map<number, [number, number]>();
    const feedback: { prediction_id: string; label: number }[] = [];
    for (let i = 0; i < 240; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/deployments/ab/invocations', headers: { 'x-puente-request-key': `visitor-${i}` }, payload: { dataframe_records: [rows[i % rows.length]] } });
      const version = Number(res.headers['x-puente-model-version']);
      const label = labels[i % labels.length]!;
      const right = (res.json().predictions[0] >= 0.5 ? 1 : 0) === label;
      const [n, k] = correct.get(version) ?? [0, 0];
      correct.set(version, [n + 1, k + (right ? 1 : 0)]);
      feedback.push({ prediction_id: String(res.headers['x-puente-prediction-id']), label });
    }
    expect((await api('POST', '/deployments/ab/feedback', { labels: feedback })).json().recorded).toBe(240);
    const report = (await api('GET', '/deployments/ab/status')).json().ab;
    // Arms count exactly what the caller saw.
    for (const arm of report.arms) {
      const [n, k] = correct.get(arm.version)!;
      expect([arm.n, arm.successes]).toEqual([n, k]);
    }
    expect(report.fixed.test).toBe('two_proportion_z');
    expect(report.fixed.p_value).toBeLessThan(1e-6);
    expect(report.sequential.test).toBe('msprt');
    expect(report.sequential.p_value).toBeLessThan(0.05);
    expect(report.sequential.confidence_interval[1]).toBeLessThan(0);
    expect(report.verdict).toMatchObject({ verdict: 'winner', winner: 'A', winner_version: { model: 'synth', version: good } });
    expect(report.planned_per_arm).toBeGreaterThan(0);
  });

  it('says "insufficient data" for an A/B test without enough labels', async () => {
    await create('ab-early');
    await api('POST', '/deployments/ab-early/ab', { model: 'synth', version: candidate, weight: 50 });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(String((await invoke('ab-early', i)).headers['x-puente-prediction-id']));
    await api('POST', '/deployments/ab-early/feedback', { labels: ids.map((prediction_id, i) => ({ prediction_id, label: labels[i]! })) });
    const report = (await api('GET', '/deployments/ab-early/status')).json().ab;
    expect(report.verdict.verdict).toBe('insufficient_data');
  });

  it('pauses, resumes and aborts a canary by hand', async () => {
    await create('manual');
    await api('POST', '/deployments/manual/canary', { model: 'synth', version: candidate, steps: [10, 100], interval_seconds: 60 });
    expect((await api('POST', '/deployments/manual/pause', {})).json().spec.canary.state).toBe('paused');
    expect((await api('POST', '/deployments/manual/pause', {})).statusCode).toBe(409);
    expect((await api('POST', '/deployments/manual/resume', {})).json().spec.canary.state).toBe('progressing');
    const aborted = await api('POST', '/deployments/manual/rollback', { reason: 'saw odd logs' });
    expect(aborted.json().spec.canary).toMatchObject({ state: 'rolled_back', reason: 'saw odd logs' });
    expect(aborted.json().spec.versions).toEqual([{ model: 'synth', version: good, weight: 100, role: 'stable' }]);
  });

  it('mirrors traffic to a shadow whose failures never reach the caller, and measures agreement', async () => {
    await create('shadowed');
    expect((await api('POST', '/deployments/shadowed/shadow', { model: 'synth', version: inverted, percent: 100, faults: { error_percent: 50 } })).statusCode).toBe(200);
    const versions = await traffic('shadowed', 60);
    expect(new Set(versions)).toEqual(new Set([good]));
    await sleep(100);
    const status = (await api('GET', '/deployments/shadowed/status')).json();
    expect(status.shadow.requests).toBe(60);
    expect(status.shadow.errors).toBeGreaterThan(5);
    expect(status.shadow.errors).toBeLessThan(55);
    // The shadow was trained on flipped labels: it disagrees with the primary on most rows it answered.
    expect(status.shadow.compared_rows).toBe(60 - status.shadow.errors);
    expect(status.shadow.agreement_rate).toBeLessThan(0.3);
  });

  it('refuses bad changes with the reason and leaves the deployment as it was', async () => {
    await create('guarded');
    const before = (await api('GET', '/deployments/guarded')).json();
    const cases: [string, unknown, number, RegExp][] = [
      ['/canary', { model: 'synth', version: candidate, steps: [10, 50], interval_seconds: 1 }, 400, /last step must be 100/],
      ['/canary', { model: 'synth', version: candidate, steps: [50, 20, 100], interval_seconds: 1 }, 400, /increasing/],
      ['/canary', { model: 'synth', version: candidate, steps: [10, 100], interval_seconds: 0 }, 400, /interval/],
      ['/canary', { model: 'synth', version: candidate, steps: [10, 100], interval_seconds: -5 }, 400, /interval/],
      ['/canary', { model: 'synth', version: 99, steps: [10, 100], interval_seconds: 1 }, 404, /99/],
      ['/canary', { model: 'synth', version: wide, steps: [10, 100], interval_seconds: 1 }, 400, /x9/],
      ['/ab', { model: 'synth', version: candidate, weight: 100 }, 400, /weight/],
      ['/traffic', { weights: [{ model: 'synth', version: good, weight: 90 }] }, 400, /sum to 100/],
      ['/traffic', { weights: [{ model: 'synth', version: candidate, weight: 100 }] }, 400, /not part of this deployment/],
      ['/blue-green', { model: 'synth', version: good }, 400, /already the stable/],
      ['/promote', {}, 409, /Nothing to promote/],
      ['/shadow', { model: 'synth', version: candidate, percent: 0 }, 400, /percent/],
    ];
    for (const [path, body, status, message] of cases) {
      const res = await api('POST', `/deployments/guarded${path}`, body);
      expect(res.statusCode, `${path} ${JSON.stringify(body)}: ${res.body}`).toBe(status);
      expect(res.json().message).toMatch(message);
    }
    expect((await api('GET', '/deployments/guarded')).json()).toEqual(before);

    // Optimistic concurrency: a change prepared against an old revision is refused.
    const staged = (await api('POST', '/deployments/guarded/ab', { model: 'synth', version: candidate, weight: 10, expected_revision: 1 })).json();
    expect(staged.revision).toBe(2);
    const stale = await api('POST', '/deployments/guarded/traffic', { expected_revision: 1, weights: [{ model: 'synth', version: good, weight: 50 }, { model: 'synth', version: candidate, weight: 50 }] });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().message).toMatch(/revision 2, not 1/);
    // Overlapping changes: while a canary runs, no other change of the traffic applies.
    await create('busy');
    await api('POST', '/deployments/busy/canary', { model: 'synth', version: candidate, steps: [10, 100], interval_seconds: 60 });
    const overlap = await api('POST', '/deployments/busy/blue-green', { model: 'synth', version: inverted });
    expect(overlap.statusCode).toBe(409);
    expect((await api('POST', '/deployments', { name: 'busy', model: 'synth', version: good })).statusCode).toBe(400);
    expect((await api('POST', '/deployments', { name: 'bad name!', model: 'synth' })).statusCode).toBe(400);
    expect((await api('GET', '/deployments/nope')).statusCode).toBe(404);
  });

  it('checks incoming records against an expectation suite, counting violations without refusing requests', async () => {
    await create('checked');
    const suite = 'name: inputs\nexpectations:\n  - expect: between\n    column: x0\n    min: -1\n    max: 1\n  - expect: not_null\n    column: x1\n';
    const set = await api('PUT', '/deployments/checked/validation', { suite });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().spec.validation.suite.name).toBe('inputs');
    const inRange = rows.filter((r) => r.x0! >= -1 && r.x0! <= 1).length;
    for (let i = 0; i < rows.length; i++) expect((await invoke('checked', i)).statusCode).toBe(200);
    // A later traffic change keeps the suite and its counts.
    await api('POST', '/deployments/checked/blue-green', { model: 'synth', version: candidate });
    const status = (await api('GET', '/deployments/checked/status')).json();
    expect(status.validation).toMatchObject({ suite: 'inputs', checked_rows: rows.length, violating_rows: rows.length - inRange });
    expect(status.validation.failures).toHaveLength(1);
    expect(status.validation.failures[0].rows).toBe(rows.length - inRange);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(new RegExp(`puente_deployment_validated_rows_total\\{deployment="checked",result="violating"\\} ${rows.length - inRange}`));
    expect((await api('PUT', '/deployments/checked/validation', { suite: 'expectations: [{expect: between, column: x0}]' })).statusCode).toBe(400);
    expect((await api('DELETE', '/deployments/checked/validation')).json().spec.validation).toBeUndefined();
  });

  it('explains rows on the version its policy picks', async () => {
    await create('explained');
    await api('POST', '/deployments/explained/blue-green', { model: 'synth', version: candidate });
    const explain = (headers: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: '/deployments/explained/explain', headers, payload: { dataframe_records: rows.slice(0, 3), params: { method: 'tree' } } });
    const blue = await explain({});
    expect(blue.statusCode, blue.body).toBe(200);
    expect(blue.headers['x-puente-model-version']).toBe(String(good));
    const green = await explain({ 'x-puente-target': 'green' });
    expect(green.headers['x-puente-model-version']).toBe(String(candidate));
    for (const res of [blue, green]) {
      const body = res.json();
      expect(body.rows).toHaveLength(3);
      // Tree SHAP is additive: contributions sum to the explained value minus the base value.
      for (const r of body.rows) {
        const sum = Object.values(r.contributions as Record<string, number>).reduce((a, b) => a + b, 0);
        expect(sum + r.base_value).toBeCloseTo(r.value, 4);
      }
    }
    expect(blue.json().rows[0].contributions).not.toEqual(green.json().rows[0].contributions);
  });

  it('stores explanations with a share of logged predictions, computed after the answer', async () => {
    await create('explaining');
    const set = await api('PUT', '/deployments/explaining/explanations', { percent: 100, method: 'tree' });
    expect(set.statusCode, set.body).toBe(200);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(String((await invoke('explaining', i)).headers['x-puente-prediction-id']));
      await sleep(20); // one explanation at a time: give each a moment before the next request
    }
    await sleep(100);
    const logged: { prediction_id: string; output: unknown; explanation: { method: string; output: string; base_value: number; contributions: Record<string, number> } | null }[] = [];
    for await (const r of t.services.predictions.rows({ deployment: 'explaining' })) logged.push(r as never);
    const explained = logged.filter((r) => r.explanation !== null);
    expect(explained.length).toBeGreaterThanOrEqual(3);
    for (const r of explained) {
      expect(ids).toContain(r.prediction_id);
      expect(Object.keys(r.explanation!.contributions).sort()).toEqual(['x0', 'x1', 'x2', 'x3']);
      // Tree SHAP explains the margin: base + contributions = logit of the logged probability.
      const margin = r.explanation!.base_value + Object.values(r.explanation!.contributions).reduce((a, b) => a + b, 0);
      const p = r.output as number;
      expect(margin).toBeCloseTo(Math.log(p / (1 - p)), 3);
    }
    expect((await api('PUT', '/deployments/explaining/explanations', { percent: 0 })).statusCode).toBe(400);
    expect((await api('PUT', '/deployments/explaining/explanations', { percent: 10, method: 'magic' })).statusCode).toBe(400);
    expect((await api('DELETE', '/deployments/explaining/explanations')).json().spec.explanations).toBeUndefined();
  });

  it('appears in the lineage of the versions it serves', async () => {
    await create('lineaged');
    await api('POST', '/deployments/lineaged/shadow', { model: 'synth', version: candidate, percent: 10 });
    for (const [version, expected] of [[good, true], [candidate, true], [inverted, false]] as const) {
      const graph = (await api('GET', `/lineage/models/synth/${version}`)).json();
      const served = graph.edges.some((e: { from: string; to: string; relation: string }) => e.from === `model:synth@${version}` && e.to === 'deployment:lineaged' && e.relation === 'serves');
      expect(served, `version ${version}`).toBe(expected);
    }
  });

  it('exports per-deployment, per-version metrics for Prometheus', async () => {
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(new RegExp(`puente_deployment_requests_total\\{deployment="single",model="synth",version="${good}",role="stable",status="ok"\\} \\d+`));
    expect(text).toMatch(/puente_deployment_traffic_weight\{deployment="bg",model="synth",version="\d+",role="stable"\} 100/);
    expect(text).toMatch(/puente_deployment_shadow_rows_total\{deployment="shadowed",model="synth",version="\d+",result="disagree"\}/);
  });
});
