import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { runCli } from '../helpers/cli.js';


const puente = runCli;

describe('puente CLI', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await makeTestApp(DIALECTS[0]);
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => t.close());

  it('creates, logs and searches with --json output for scripts', async () => {
    const exp = JSON.parse((await puente(url, '--json', 'experiments', 'create', 'cli-exp')).stdout);
    expect(exp.name).toBe('cli-exp');
    const created = JSON.parse((await puente(url, '--json', 'runs', 'create', '-e', exp.experiment_id, '-n', 'cli-run')).stdout);
    const logged = await puente(url, '--json', 'runs', 'log', created.info.run_id, '-p', 'model=gbdt', '-m', 'auc=0.9@2', '--end');
    expect(JSON.parse(logged.stdout).data).toMatchObject({ params: [{ key: 'model', value: 'gbdt' }], metrics: [{ key: 'auc', value: 0.9, step: 2 }] });
    const table = await puente(url, 'runs', 'search', '-e', exp.experiment_id, '--filter', 'metrics.auc > 0.5');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/run_id\s+name\s+experiment\s+status/);
    expect(table.stdout).toContain('cli-run');
    expect(table.stdout).toContain('FINISHED');
  });

  it('prints the error code and exits 1 on an API error', async () => {
    const res = await puente(url, 'models', 'get', 'nothing-here');
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toMatch(/^RESOURCE_DOES_NOT_EXIST: /);
  });

  it('prints one line naming the URL when no server answers', async () => {
    const res = await puente('http://127.0.0.1:9', 'experiments', 'list');
    expect(res.code).toBe(1);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('http://127.0.0.1:9');
    expect(lines[0]).toContain('puente server');
  });
});
