import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { registerSyntheticModel, syntheticRows } from './models.js';
import { runCli } from '../helpers/cli.js';


const puente = runCli;

describe('puente deploy', () => {
  let t: TestApp;
  let url: string;
  const { rows } = syntheticRows(50, 3);
  beforeAll(async () => {
    t = await makeTestApp(DIALECTS[0]);
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    await registerSyntheticModel(t.services, 'cli-model', { seed: 7 });
    await registerSyntheticModel(t.services, 'cli-model', { seed: 8 });
    await t.services.registry.setAlias('cli-model', 'champion', 1);
  });
  afterAll(async () => t?.close());

  it('creates, stages blue-green, promotes, rolls back and shows status and history as JSON', async () => {
    expect((await puente(url, 'deploy', 'create', 'web', '--model', 'cli-model@champion')).code).toBe(0);
    const bg = await puente(url, '--json', 'deploy', 'blue-green', 'web', '--green', 'cli-model@2', '--reason', 'try v2');
    expect(bg.code, bg.stderr).toBe(0);
    expect(JSON.parse(bg.stdout).spec.policy).toBe('blue-green');
    const green = await t.services.gateway.route('web', undefined, 'green');
    expect(green.slot.version).toBe(2);
    expect((await puente(url, 'deploy', 'promote', 'web')).code).toBe(0);
    const status = JSON.parse((await puente(url, '--json', 'deploy', 'status', 'web')).stdout);
    expect(status).toMatchObject({ policy: 'single', revision: 3, versions: [{ model: 'cli-model', version: 2, weight: 100, role: 'stable' }] });
    expect((await puente(url, 'deploy', 'rollback', 'web')).code).toBe(0);
    const history = JSON.parse((await puente(url, '--json', 'deploy', 'history', 'web')).stdout);
    expect(history.map((r: { revision: number; reason: string }) => [r.revision, r.reason])).toEqual([
      [4, 'rolled back by hand'], [3, 'promoted by hand'], [2, 'try v2'], [1, 'created with cli-model@1'],
    ]);
    const table = await puente(url, 'deploy', 'status', 'web');
    expect(table.stdout).toMatch(/policy\s+blue-green/);
  });

  it('starts a canary with guardrail flags and reports its state, analyses and weights', async () => {
    await puente(url, 'deploy', 'create', 'can', '--model', 'cli-model@1');
    const started = await puente(url, '--json', 'deploy', 'canary', 'can', '--model', 'cli-model@2', '--steps', '10,50,100', '--interval', '30s',
      '--max-error-rate', '0.02', '--max-p99-ms', '250', '--max-prediction-shift', '0.2', '--min-accuracy-delta', '-0.02', '--failure-limit', '2');
    expect(started.code, started.stderr).toBe(0);
    const status = JSON.parse((await puente(url, '--json', 'deploy', 'status', 'can')).stdout);
    expect(status.policy).toBe('canary');
    expect(status.versions).toEqual([
      { model: 'cli-model', version: 1, weight: 90, role: 'stable' },
      { model: 'cli-model', version: 2, weight: 10, role: 'canary' },
    ]);
    expect(status.canary).toMatchObject({
      state: 'progressing', reason: null, analyses: [], steps: [10, 50, 100], interval_ms: 30_000, failure_limit: 2,
      guardrails: { max_error_rate: 0.02, max_p99_ms: 250, max_prediction_shift: 0.2, min_accuracy_delta: -0.02 },
    });
    expect(JSON.parse((await puente(url, '--json', 'deploy', 'pause', 'can')).stdout).spec.canary.state).toBe('paused');
    expect(JSON.parse((await puente(url, '--json', 'deploy', 'resume', 'can')).stdout).spec.canary.state).toBe('progressing');
    const overlap = await puente(url, 'deploy', 'set-traffic', 'can', 'cli-model@1=50', 'cli-model@2=50');
    expect(overlap.code).toBe(1);
    expect(overlap.stderr).toMatch(/^RESOURCE_CONFLICT: .*pause it first/);
    const rolled = JSON.parse((await puente(url, '--json', 'deploy', 'rollback', 'can', '--reason', 'not today')).stdout);
    expect(rolled.spec.canary).toMatchObject({ state: 'rolled_back', reason: 'not today' });
  });

  it('sets shadow and A/B policies and weights by hand', async () => {
    await puente(url, 'deploy', 'create', 'mix', '--model', 'cli-model@1');
    expect(JSON.parse((await puente(url, '--json', 'deploy', 'shadow', 'mix', '--model', 'cli-model@2', '--percent', '25')).stdout).spec).toMatchObject({ policy: 'shadow', shadow_percent: 25 });
    await puente(url, 'deploy', 'rollback', 'mix');
    const ab = JSON.parse((await puente(url, '--json', 'deploy', 'ab', 'mix', '--model', 'cli-model@2', '--weight', '20', '--metric', 'accuracy')).stdout);
    expect(ab.spec).toMatchObject({ policy: 'ab', ab: { metric: 'accuracy', alpha: 0.05 } });
    const set = await puente(url, '--json', 'deploy', 'set-traffic', 'mix', 'cli-model@1=60', 'cli-model@2=40');
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout).spec.versions.map((v: { weight: number }) => v.weight)).toEqual([60, 40]);
    const invoked = await t.services.gateway.route('mix', 'someone');
    expect([1, 2]).toContain(invoked.slot.version);
  });

  it('refuses bad input with a clear message and exit code 1', async () => {
    const cases: [string[], RegExp][] = [
      [['deploy', 'canary', 'web', '--model', 'cli-model@2', '--interval', '0s'], /interval must be positive/],
      [['deploy', 'canary', 'web', '--model', 'cli-model@2', '--interval', 'soon'], /interval must look like/],
      [['deploy', 'canary', 'web', '--model', 'cli-model@2', '--steps', '10,50'], /INVALID_PARAMETER_VALUE: The last step must be 100/],
      [['deploy', 'set-traffic', 'web', 'cli-model@1=70'], /sum to 100/],
      [['deploy', 'create', 'x', '--model', 'cli-model@'], /MODEL@VERSION or MODEL@ALIAS/],
      [['deploy', 'create', 'x', '--model', 'cli-model@9'], /RESOURCE_DOES_NOT_EXIST/],
      [['deploy', 'status', 'nope'], /RESOURCE_DOES_NOT_EXIST: Deployment 'nope' does not exist/],
    ];
    for (const [args, message] of cases) {
      const res = await puente(url, ...args);
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr).toMatch(message);
    }
  });

  it('computes an A/B sample size offline', async () => {
    // Fleiss's formula for 0.10 → 0.12, alpha 0.05 two-sided, power 0.8: 3,841 per arm (without continuity correction).
    const res = JSON.parse((await puente('http://127.0.0.1:9', '--json', 'deploy', 'sample-size', '--baseline', '0.10', '--mde', '0.02')).stdout);
    expect(res.per_arm_a).toBe(3841);
    expect(rows.length).toBe(50);
  });
});
