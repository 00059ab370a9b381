import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { artifactKeyFromUri, normalizeArtifactPath } from '../../src/artifacts/index.js';
import { InvalidParameterError } from '../../src/errors/index.js';
import { ARTIFACT_BACKENDS } from '../helpers/backends.js';
import { runArtifactStoreContract } from '../contracts/artifact-store.contract.js';

for (const backend of ARTIFACT_BACKENDS) runArtifactStoreContract(backend.name, () => backend.open());

describe('normalizeArtifactPath', () => {
  it.each([
    ['a//b/./c', 'a/b/c'],
    ['model/MLmodel', 'model/MLmodel'],
    ['', ''],
    ['./x/', 'x'],
    ['with%20space.txt', 'with space.txt'],
  ])('%s → %s', (raw, expected) => {
    expect(normalizeArtifactPath(raw)).toBe(expected);
  });

  it.each(['../etc/passwd', 'a/../../b', '/abs/path', '%2e%2e/x', '%252e%252e/x', 'a%2F..%2F..%2Fb', 'a\\b', 'a\u0000b', 'C:/windows'])('refuses %j', (raw) => {
    expect(() => normalizeArtifactPath(raw)).toThrow(InvalidParameterError);
  });

  it('never returns a path that climbs or is absolute', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom('..', '.', '', '%2e%2e', '%2F', 'a', 'b.txt', '%25'), fc.string({ maxLength: 4 })), { maxLength: 6 }), (parts) => {
        try {
          const out = normalizeArtifactPath(parts.join('/'));
          expect(out.startsWith('/')).toBe(false);
          expect(out.split('/')).not.toContain('..');
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidParameterError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('artifactKeyFromUri', () => {
  it('maps proxied locations to store keys', () => {
    expect(artifactKeyFromUri('mlflow-artifacts:/1/abc/artifacts')).toBe('1/abc/artifacts');
    expect(artifactKeyFromUri('mlflow-artifacts://host:5000/1/abc/artifacts')).toBe('1/abc/artifacts');
  });

  it('refuses other schemes and traversal', () => {
    expect(() => artifactKeyFromUri('s3://bucket/x')).toThrow(InvalidParameterError);
    expect(() => artifactKeyFromUri('mlflow-artifacts:/1/../../x')).toThrow(InvalidParameterError);
  });
});
