import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/test-app.js';
import { makeSecuredApp, type SecuredApp } from '../security/secured-app.js';

/** Adds one small CSV version to a dataset as the holder of `token`; returns the commit's status. */
async function addVersion(t: SecuredApp, token: string, name: string, csv: string): Promise<number> {
  const opened = await t.call('POST', `/api/v1/datasets/${name}/uploads`, token, {});
  if (opened.status !== 201) return opened.status;
  const put = await t.app.inject({
    method: 'PUT',
    url: `/api/v1/datasets/${name}/uploads/${opened.json.upload_id}/files/data.csv`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    payload: csv,
  });
  if (put.statusCode !== 200) return put.statusCode;
  return (await t.call('POST', `/api/v1/datasets/${name}/uploads/${opened.json.upload_id}/commit`, token, { message: 'm' })).status;
}

describe.each(DIALECTS)('dataset access ($name)', (dialect) => {
  let t: SecuredApp;
  let viewer: string;
  let editor: string;
  let granted: string;

  beforeAll(async () => {
    t = await makeSecuredApp(dialect);
    viewer = await t.user('viewer', 'viewer');
    editor = await t.user('editor', 'editor');
    granted = await t.user('granted');
  });
  afterAll(async () => t.close());

  it('lets editors create datasets (becoming their admins) and add versions; viewers only read', async () => {
    expect((await t.call('POST', '/api/v1/datasets', editor, { name: 'mine' })).status).toBe(201);
    expect(await addVersion(t, editor, 'mine', 'a,b\n1,2\n')).toBe(201);
    expect((await t.call('POST', '/api/v1/datasets', viewer, { name: 'theirs' })).status).toBe(403);
    expect(await addVersion(t, viewer, 'mine', 'a,b\n3,4\n')).toBe(403);
    expect((await t.call('GET', '/api/v1/datasets/mine/versions/1', viewer)).status).toBe(200);
    const grants = await t.call('GET', '/api/v1/grants?username=editor', t.adminToken);
    expect(grants.json.grants.filter((g: { resource_type: string }) => g.resource_type === 'dataset')).toEqual([expect.objectContaining({ role: 'admin', resource_id: 'mine' })]);
    // Deleting needs admin: the creator has it on this dataset, a viewer does not.
    expect((await t.call('DELETE', '/api/v1/datasets/mine/versions/1', viewer)).status).toBe(403);
    expect((await t.call('DELETE', '/api/v1/datasets/mine/versions/1', editor)).status).toBe(204);
  });

  it('follows per-dataset grants: listing, reading, adding and deleting', async () => {
    for (const name of ['shared', 'private']) {
      expect((await t.call('POST', '/api/v1/datasets', t.adminToken, { name })).status).toBe(201);
      expect(await addVersion(t, t.adminToken, name, `x,y\n1,${name}\n`)).toBe(201);
    }
    await t.grant('granted', 'editor', 'dataset', 'shared');
    const listed = await t.call('GET', '/api/v1/datasets', granted);
    expect(listed.json.datasets.map((d: { name: string }) => d.name)).toEqual(['shared']);
    expect((await t.call('GET', '/api/v1/datasets/private/versions/1', granted)).status).toBe(403);
    expect(await addVersion(t, granted, 'shared', 'x,y\n2,z\n')).toBe(201);
    expect(await addVersion(t, granted, 'private', 'x,y\n2,z\n')).toBe(403);
    expect((await t.call('POST', '/api/v1/datasets', granted, { name: 'new-one' })).status).toBe(403);
    expect((await t.call('DELETE', '/api/v1/datasets/shared', granted)).status).toBe(403);
    // A diff reads both sides.
    expect((await t.call('GET', '/api/v1/dataset-diff?from=shared@1&to=shared@2', granted)).status).toBe(200);
    expect((await t.call('GET', '/api/v1/dataset-diff?from=shared@1&to=private@1', granted)).status).toBe(403);
    expect((await t.call('GET', '/api/v1/datasets/shared/versions/1', undefined)).status).toBe(401);
  });
});
