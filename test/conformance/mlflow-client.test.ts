import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ARTIFACT_BACKENDS, DIALECTS, makeTestApp } from '../helpers/test-app.js';
import { formatMismatch, loadRecording, replayRecording, type Exchange } from './replay-recording.js';
import { makeSecuredApp } from '../security/secured-app.js';

/*
 * MLflow client conformance: conversations between the unmodified MLflow 3.6 Python client and a
 * reference MLflow server, recorded by scripts/mlflow-compat (see its README), are replayed
 * against Puente request by request. Puente must answer each one as the reference did: same
 * status, same error code, same keys with the same JSON types, and the same values wherever they
 * do not depend on the server's own choices. What is not compared, and why, is listed at the top
 * of replay-recording.ts: server clock readings (type only), ids the server assigns (learned and
 * then held consistent), artifact locations (any proxied mlflow-artifacts location, then held
 * consistent), error message wording, and the order of lists the client reads as sets.
 */

const RECORDINGS_DIR = fileURLToPath(new URL('../fixtures/mlflow-recordings/', import.meta.url));

type ErrorAnswer = readonly [call: string, status: number, errorCode: string];

/**
 * Per recording: what it exercises, and every error answer it contains, in order. The error list
 * is written out here from MLflow's documented behaviour (research/mlflow-rest.md §1), so that
 * both the recording and Puente are held to it.
 */
const RECORDINGS: Record<string, { covers: string; errors: ErrorAnswer[] }> = {
  tracking: {
    covers: 'set_experiment, nested runs, params, metrics with steps, tags, log_dict/log_text/log_artifact(s) incl. 3 MiB, log_input, search_runs, history, list/download',
    errors: [['GET mlflow/experiments/get-by-name', 404, 'RESOURCE_DOES_NOT_EXIST']],
  },
  registry: {
    covers: 'registered models, versions from runs:/ and proxied sources, aliases, tags, stages, latest versions, searches, download via models:/name@alias, rename, delete',
    errors: [
      ['GET mlflow/experiments/get-by-name', 404, 'RESOURCE_DOES_NOT_EXIST'],
      ['GET mlflow/registered-models/get', 404, 'RESOURCE_DOES_NOT_EXIST'],
    ],
  },
  pyfunc: {
    covers: 'MLflow 3 pyfunc.log_model with registered_model_name (logged models, run outputs, model files), load_model by alias and by model id, search_logged_models',
    errors: [['GET mlflow/experiments/get-by-name', 404, 'RESOURCE_DOES_NOT_EXIST']],
  },
  errors: {
    covers: 'error paths the client depends on',
    errors: [
      ['GET mlflow/experiments/get-by-name', 404, 'RESOURCE_DOES_NOT_EXIST'],
      ['POST mlflow/experiments/create', 400, 'RESOURCE_ALREADY_EXISTS'],
      ['GET mlflow/experiments/get', 404, 'RESOURCE_DOES_NOT_EXIST'],
      ['GET mlflow/runs/get', 404, 'RESOURCE_DOES_NOT_EXIST'],
      ['POST mlflow/runs/log-parameter', 400, 'INVALID_PARAMETER_VALUE'],
      ['POST mlflow/runs/search', 400, 'INVALID_PARAMETER_VALUE'],
      ['POST mlflow/runs/search', 400, 'INVALID_PARAMETER_VALUE'],
      ['POST mlflow/registered-models/create', 400, 'RESOURCE_ALREADY_EXISTS'],
      ['GET mlflow/registered-models/get', 404, 'RESOURCE_DOES_NOT_EXIST'],
      ['GET mlflow/model-versions/get', 404, 'RESOURCE_DOES_NOT_EXIST'],
      ['GET mlflow/registered-models/alias', 400, 'INVALID_PARAMETER_VALUE'],
      ['POST mlflow/registered-models/alias', 404, 'RESOURCE_DOES_NOT_EXIST'],
      ['POST mlflow/runs/log-metric', 400, 'INVALID_PARAMETER_VALUE'],
    ],
  },
  paging: {
    covers: 'experiment rename/delete/restore and view types, page tokens for experiments, runs and models, KILLED and deleted runs, log_batch split by the client, infinite metric, over-long values cut',
    errors: [],
  },
};

async function replayOn(name: string, dialect: (typeof DIALECTS)[number], artifacts?: (typeof ARTIFACT_BACKENDS)[number]) {
  const exchanges = loadRecording(`${RECORDINGS_DIR}${name}.jsonl`);
  const store = artifacts ? await artifacts.open() : undefined;
  const t = await makeTestApp(dialect, store?.store);
  try {
    const result = await replayRecording(t.app, exchanges);
    expect(result.mismatches.map(formatMismatch)).toEqual([]);
    const puenteErrors = result.answers.filter((a) => a.status !== 200).map((a) => [a.call, a.status, a.errorCode]);
    expect(puenteErrors).toEqual(RECORDINGS[name].errors);
  } finally {
    await t.close();
    await store?.cleanup();
  }
}

function recordedErrors(exchanges: readonly Exchange[]): ErrorAnswer[] {
  return exchanges
    .filter((e) => e.response.status !== 200)
    .map((e) => [
      `${e.request.method} ${e.request.path.replace(/^\/api\/2\.0\//, '')}`,
      e.response.status,
      (e.response.json as { error_code: string }).error_code,
    ]);
}

describe('MLflow recordings', () => {
  for (const [name, { errors }] of Object.entries(RECORDINGS)) {
    it(`${name}: holds the error answers MLflow documents`, () => {
      expect(recordedErrors(loadRecording(`${RECORDINGS_DIR}${name}.jsonl`))).toEqual(errors);
    });
  }
});

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: the MLflow client's conversations, replayed`, () => {
    for (const [name, { covers }] of Object.entries(RECORDINGS)) {
      it(`${name} (${covers})`, () => replayOn(name, dialect));
    }
  });
}

// The conversations that move artifacts, once more with artifacts in the S3-protocol store.
describe(`${DIALECTS[0].name} + s3 artifacts: the MLflow client's conversations, replayed`, () => {
  const s3 = ARTIFACT_BACKENDS.find((b) => b.name === 's3')!;
  for (const name of ['tracking', 'registry', 'pyfunc']) {
    it(name, () => replayOn(name, DIALECTS[0], s3));
  }
});

// With authentication on: the same conversations pass with a token (as MLFLOW_TRACKING_TOKEN sends
// it) or a username and password (MLFLOW_TRACKING_USERNAME/PASSWORD), and every call fails with 401 without.
describe(`${DIALECTS[0].name} + auth: the MLflow client's conversations, replayed with and without credentials`, () => {
  for (const name of ['tracking', 'registry', 'pyfunc']) {
    it(`${name} with a bearer token, with Basic credentials, and without any`, async () => {
      const exchanges = loadRecording(`${RECORDINGS_DIR}${name}.jsonl`);
      for (const scheme of ['bearer', 'basic'] as const) {
        const t = await makeSecuredApp(DIALECTS[0]);
        try {
          await t.user('mlflow-user', 'editor');
          const authorization =
            scheme === 'bearer' ? `Bearer ${t.adminToken}` : `Basic ${Buffer.from('mlflow-user:mlflow-user-password').toString('base64')}`;
          const result = await replayRecording(t.app, exchanges, { authorization });
          expect(result.mismatches.map(formatMismatch)).toEqual([]);
          const without = await replayRecording(t.app, exchanges.slice(0, 10));
          expect(without.answers.map((a) => a.status)).toEqual(Array(Math.min(10, exchanges.length)).fill(401));
        } finally {
          await t.close();
        }
      }
    });
  }
});
