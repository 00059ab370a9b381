import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/test-app.js';
import { makeSecuredApp, type SecuredApp } from '../security/secured-app.js';
import { creditInputs, creditRows, registerCredit } from './bundles.js';

describe('who may explain a served model', () => {
  let t: SecuredApp;
  let app: string;
  let other: string;
  const body = { dataframe_records: creditInputs.slice(0, 2) };

  beforeAll(async () => {
    t = await makeSecuredApp(DIALECTS[0]!);
    await registerCredit(t.services, 'credit');
    await registerCredit(t.services, 'other-model');
    // An application's token: inference only, viewer of the credit model alone.
    app = await t.user('scoring-app', undefined, { scope: 'inference' });
    await t.grant('scoring-app', 'viewer', 'registered_model', 'credit');
    other = await t.user('other-team');
    await t.grant('other-team', 'viewer', 'registered_model', 'other-model');
  });
  afterAll(async () => t.close());

  it('an inference-scoped token that may call the model may explain it, on every explain route', async () => {
    expect((await t.call('POST', '/serve/credit/1/explain', app, body)).status).toBe(200);
    expect((await t.call('POST', '/serve/credit/1/importance', app, { dataframe_records: creditRows.slice(0, 200), params: { target: 'default', extra_columns: 'drop', repeats: 1 } })).status).toBe(200);
    const inputs = Object.keys(creditInputs[0]).map((c) => ({ name: c, shape: [1], datatype: typeof creditInputs[0][c] === 'string' ? 'BYTES' : 'FP64', data: [creditInputs[0][c]] }));
    expect((await t.call('POST', '/v2/models/credit/versions/1/explain', app, { inputs })).status).toBe(200);
  });

  it('others get 403, and no credentials 401', async () => {
    expect((await t.call('POST', '/serve/credit/1/explain', other, body)).status).toBe(403);
    expect((await t.call('POST', '/serve/other-model/1/explain', app, body)).status).toBe(403);
    expect((await t.call('POST', '/serve/credit/1/explain', undefined, body)).status).toBe(401);
  });
});
