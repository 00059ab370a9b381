import { describe, expect, it } from 'vitest';
import { allowedMethods, singleBundleCatalog, type ExportInfo } from '../../src/export/index.js';

const info: ExportInfo = { name: 'credit', version: 3, aliases: ['champion'], format: 'xgboost', puente_version: '0.1.0', exported_at: '2025-01-01T00:00:00.000Z' };

describe('the served surface of an export', () => {
  it('knows which methods each path of puente serve accepts', () => {
    expect(allowedMethods('/invocations')).toEqual(['POST']);
    expect(allowedMethods('/invocations/')).toEqual(['POST']);
    expect(allowedMethods('/ping?x=1')).toEqual(['GET']);
    expect(allowedMethods('/v2/models/credit/infer')).toEqual(['POST']);
    expect(allowedMethods('/v2/models/credit/versions/3/infer')).toEqual(['POST']);
    expect(allowedMethods('/v2/models/credit')).toEqual(['GET']);
    expect(allowedMethods('/v2/models/credit/versions/3/ready')).toEqual(['GET']);
    expect(allowedMethods('/serve/credit/3/invocations')).toEqual([]);
    expect(allowedMethods('/')).toEqual([]);
  });

  it('resolves its one version by number, recorded alias or nothing, and nothing else', async () => {
    const catalog = singleBundleCatalog(info, '/nonexistent');
    expect(await catalog.resolve('credit', undefined)).toBe(3);
    expect(await catalog.resolve('credit', '3')).toBe(3);
    expect(await catalog.resolve('credit', 'champion')).toBe(3);
    await expect(catalog.resolve('credit', '2')).rejects.toThrow(/version 3 of 'credit' only, not '2'/);
    await expect(catalog.resolve('credit', 'staging')).rejects.toThrow(/not 'staging'/);
    await expect(catalog.resolve('other', undefined)).rejects.toThrow(/model 'credit' only/);
    await expect(catalog.openBundle('credit', 2)).rejects.toThrow(/version 3 only/);
  });
});
