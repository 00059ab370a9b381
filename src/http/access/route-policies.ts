import type { Role } from '../../auth/index.js';
import {
  artifactPath, datasetField, datasetRefFields, deploymentField, experimentByName, experimentField, grantTarget, loggedModelField, modelField, runField, runList,
  type AccessPolicy, type ResourceResolver, type RolePolicy,
} from './policy.js';

/**
 * The one list of routes reachable without credentials. Anything not here needs a token or a
 * password once the server has users.
 */
export const PUBLIC_ROUTES: readonly string[] = [
  'GET /health', 'GET /health/live', 'GET /health/ready', 'GET /version', 'GET /metrics',
  'GET /openapi.json', 'GET /docs', 'GET /docs/json', 'GET /docs/yaml', 'GET /docs/static/*',
  'GET /docs/static/index.html', 'GET /docs/static/swagger-initializer.js',
  // Creates the first admin; refused as soon as any user exists.
  'POST /api/v1/admin/bootstrap',
  // Open Inference server metadata and health, as probes expect them.
  'GET /v2', 'GET /v2/health/live', 'GET /v2/health/ready',
];

const role = (needed: Role) => (resource?: ResourceResolver, extra: Partial<RolePolicy> = {}): AccessPolicy =>
  ({ kind: 'role', role: needed, resource, ...extra });
const viewer = role('viewer');
const editor = role('editor');
const deployer = role('deployer');
const admin = role('admin');
const search: AccessPolicy = { kind: 'role', role: 'viewer', search: true };
const authenticated: AccessPolicy = { kind: 'authenticated' };

const exp = experimentField('experiment_id');
const run = runField('run_id', 'run_uuid');
const loggedModel = loggedModelField('model_id');
const model = modelField('name');
const deployment = deploymentField('name');
const expSnap = { snapshot: 'experiment' } as const;
const modelSnap = { snapshot: 'registered_model' } as const;

/**
 * MLflow's REST API, as served under /api/2.0/mlflow and /ajax-api/2.0/mlflow. Deleting needs
 * admin on the resource (MLflow's MANAGE); moving production aliases and stages needs deployer.
 */
const MLFLOW: Record<string, AccessPolicy> = {
  'GET /experiments/get-by-name': viewer(experimentByName()),
  'GET /experiments/get': viewer(exp),
  'POST /experiments/create': editor(undefined, { creates: 'experiment' }),
  'POST /experiments/search': search,
  'GET /experiments/search': search,
  'POST /experiments/update': editor(exp, expSnap),
  'POST /experiments/delete': admin(exp, expSnap),
  'POST /experiments/restore': admin(exp, expSnap),
  'POST /experiments/set-experiment-tag': editor(exp),
  'POST /experiments/delete-experiment-tag': editor(exp),
  'POST /runs/create': editor(exp),
  'GET /runs/get': viewer(run),
  'POST /runs/update': editor(run),
  'POST /runs/delete': admin(run),
  'POST /runs/restore': admin(run),
  'POST /runs/log-metric': editor(run),
  'POST /runs/log-parameter': editor(run),
  'POST /runs/set-tag': editor(run),
  'POST /runs/delete-tag': editor(run),
  'POST /runs/log-batch': editor(run),
  'POST /runs/log-inputs': editor(run),
  'POST /runs/outputs': editor(run),
  'POST /runs/log-model': editor(run),
  'POST /runs/search': search,
  'GET /metrics/get-history': viewer(run),
  'GET /metrics/get-history-bulk-interval': viewer(runList('run_ids')),
  'POST /logged-models': editor(exp),
  'POST /logged-models/search': search,
  'GET /logged-models/:model_id': viewer(loggedModel),
  'PATCH /logged-models/:model_id': editor(loggedModel),
  'DELETE /logged-models/:model_id': admin(loggedModel),
  'PATCH /logged-models/:model_id/tags': editor(loggedModel),
  'DELETE /logged-models/:model_id/tags/:tag_key': editor(loggedModel),
  'POST /logged-models/:model_id/params': editor(loggedModel),
  'GET /logged-models/:model_id/artifacts/directories': viewer(loggedModel),
  'POST /registered-models/create': editor(undefined, { creates: 'registered_model' }),
  'GET /registered-models/get': viewer(model),
  'POST /registered-models/rename': admin(model, { ...modelSnap, renames: 'new_name' }),
  'PATCH /registered-models/update': editor(model, modelSnap),
  'DELETE /registered-models/delete': admin(model, { ...modelSnap, deletes: true }),
  'GET /registered-models/search': search,
  'POST /registered-models/get-latest-versions': viewer(model),
  'GET /registered-models/get-latest-versions': viewer(model),
  'POST /registered-models/set-tag': editor(model),
  'DELETE /registered-models/delete-tag': editor(model),
  'POST /registered-models/alias': deployer(model, modelSnap),
  'DELETE /registered-models/alias': deployer(model, modelSnap),
  'GET /registered-models/alias': viewer(model),
  'POST /model-versions/create': editor(model),
  'GET /model-versions/get': viewer(model),
  'PATCH /model-versions/update': editor(model),
  'POST /model-versions/transition-stage': deployer(model, modelSnap),
  'DELETE /model-versions/delete': admin(model, modelSnap),
  'GET /model-versions/search': search,
  'GET /model-versions/get-download-uri': viewer(model),
  'POST /model-versions/set-tag': editor(model),
  'DELETE /model-versions/delete-tag': editor(model),
  'GET /artifacts/list': viewer(run),
  // MLflow's basic-auth API: users (admins, or users themselves) and permissions (MANAGE = admin on the resource).
  'POST /users/create': admin(),
  'GET /users/get': authenticated,
  'PATCH /users/update-password': authenticated,
  'PATCH /users/update-admin': admin(),
  'DELETE /users/delete': admin(),
  'POST /experiments/permissions/create': admin(exp),
  'GET /experiments/permissions/get': admin(exp),
  'PATCH /experiments/permissions/update': admin(exp),
  'DELETE /experiments/permissions/delete': admin(exp),
  'POST /registered-models/permissions/create': admin(model),
  'GET /registered-models/permissions/get': admin(model),
  'PATCH /registered-models/permissions/update': admin(model),
  'DELETE /registered-models/permissions/delete': admin(model),
};

const dataset = datasetField('name');

const NATIVE: Record<string, AccessPolicy> = {
  // Datasets: viewers read, editors add versions and validate, admins delete.
  'POST /datasets': editor(undefined, { creates: 'dataset' }),
  'GET /datasets': search,
  'GET /datasets/:name': viewer(dataset),
  'DELETE /datasets/:name': admin(dataset, { deletes: true }),
  'POST /datasets/:name/uploads': editor(dataset),
  'PUT /datasets/:name/uploads/:upload_id/files/*': editor(dataset),
  'POST /datasets/:name/uploads/:upload_id/commit': editor(dataset),
  'DELETE /datasets/:name/uploads/:upload_id': editor(dataset),
  'GET /datasets/:name/versions': viewer(dataset),
  'GET /datasets/:name/versions/:version': viewer(dataset),
  'DELETE /datasets/:name/versions/:version': admin(dataset),
  'GET /datasets/:name/versions/:version/sketch': viewer(dataset),
  'GET /datasets/:name/versions/:version/suggested-suite': viewer(dataset),
  'POST /datasets/:name/versions/:version/validations': editor(dataset),
  'GET /datasets/:name/versions/:version/validations': viewer(dataset),
  'GET /datasets/:name/validations/:validation_id': viewer(dataset),
  'GET /datasets/:name/validations/:validation_id/report.html': viewer(dataset),
  'GET /datasets/:name/versions/:version/files/*': viewer(dataset),
  'GET /datasets/:name/versions/:version/export': viewer(dataset),
  'GET /dataset-diff': viewer(datasetRefFields('from', 'to')),
  // Exchange between servers: the receiving side needs editor on the dataset.
  'GET /datasets/:name/blobs/:digest': viewer(dataset),
  'PUT /datasets/:name/blobs/:digest': editor(dataset),
  'GET /datasets/:name/blobs/:digest/content': viewer(dataset),
  'POST /datasets/:name/versions/import': editor(dataset),
  'GET /lineage/models/:name/:ref': viewer(modelField('name')),
  'POST /experiments': editor(undefined, { creates: 'experiment' }),
  'GET /experiments': search,
  'GET /experiments/by-name/:name': viewer(experimentByName('name')),
  'GET /experiments/:experiment_id': viewer(exp),
  'PATCH /experiments/:experiment_id': editor(exp, expSnap),
  'DELETE /experiments/:experiment_id': admin(exp, expSnap),
  'POST /experiments/:experiment_id/restore': admin(exp, expSnap),
  'PUT /experiments/:experiment_id/tags/:key': editor(exp),
  'DELETE /experiments/:experiment_id/tags/:key': editor(exp),
  'POST /runs': editor(exp),
  'POST /runs/search': search,
  'GET /runs/:run_id': viewer(run),
  'PATCH /runs/:run_id': editor(run),
  'DELETE /runs/:run_id': admin(run),
  'POST /runs/:run_id/restore': admin(run),
  'POST /runs/:run_id/log-batch': editor(run),
  'GET /runs/:run_id/metrics/:key/history': viewer(run),
  'POST /runs/:run_id/inputs': editor(run),
  'PUT /runs/:run_id/tags/:key': editor(run),
  'DELETE /runs/:run_id/tags/:key': editor(run),
  'PUT /runs/:run_id/params/:key': editor(run),
  'GET /runs/:run_id/artifacts': viewer(run),
  'PUT /runs/:run_id/artifacts/*': editor(run),
  'GET /runs/:run_id/artifacts/*': viewer(run),
  'DELETE /runs/:run_id/artifacts/*': editor(run),
  'POST /models': editor(undefined, { creates: 'registered_model' }),
  'GET /models': search,
  'GET /models/:name': viewer(model),
  'PATCH /models/:name': admin(model, { ...modelSnap, renames: 'new_name' }),
  'DELETE /models/:name': admin(model, { ...modelSnap, deletes: true }),
  'PUT /models/:name/tags/:key': editor(model),
  'DELETE /models/:name/tags/:key': editor(model),
  'POST /models/:name/versions': editor(model),
  'GET /models/:name/versions': viewer(model),
  'GET /models/:name/versions/:version': viewer(model),
  'PATCH /models/:name/versions/:version': editor(model),
  'DELETE /models/:name/versions/:version': admin(model, modelSnap),
  'PUT /models/:name/versions/:version/tags/:key': editor(model),
  'DELETE /models/:name/versions/:version/tags/:key': editor(model),
  'POST /models/:name/versions/:version/stage': deployer(model, modelSnap),
  'GET /models/:name/versions/:version/lineage': viewer(model),
  'GET /models/:name/aliases/:alias': viewer(model),
  'PUT /models/:name/aliases/:alias': deployer(model, modelSnap),
  'DELETE /models/:name/aliases/:alias': deployer(model, modelSnap),
  // Identity and administration.
  'GET /auth/whoami': authenticated,
  'POST /users': admin(),
  'GET /users': admin(),
  'GET /users/:username': admin(),
  'PATCH /users/:username': admin(),
  'DELETE /users/:username': admin(),
  'POST /tokens': authenticated,
  'GET /tokens': authenticated,
  'DELETE /tokens/:token_id': authenticated,
  'POST /grants': admin(grantTarget()),
  'GET /grants': admin(grantTarget()),
  'DELETE /grants/:grant_id': authenticated,
  'GET /audit': admin(),
  'GET /audit/verify': admin(),
  // Deployments: reading needs viewer, moving traffic needs deployer, deleting admin.
  'POST /deployments': deployer(undefined, { creates: 'deployment' }),
  'GET /deployments': search,
  'GET /deployments/:name': viewer(deployment),
  'DELETE /deployments/:name': admin(deployment, { deletes: true }),
  'GET /deployments/:name/history': viewer(deployment),
  'GET /deployments/:name/status': viewer(deployment),
  'POST /deployments/:name/blue-green': deployer(deployment),
  'POST /deployments/:name/canary': deployer(deployment),
  'POST /deployments/:name/shadow': deployer(deployment),
  'POST /deployments/:name/ab': deployer(deployment),
  'POST /deployments/:name/traffic': deployer(deployment),
  'POST /deployments/:name/promote': deployer(deployment),
  'POST /deployments/:name/rollback': deployer(deployment),
  'POST /deployments/:name/pause': deployer(deployment),
  'POST /deployments/:name/resume': deployer(deployment),
  // Applications send labels with the token they predict with.
  'POST /deployments/:name/feedback': editor(deployment, { inference: true }),
  // Monitoring: reading needs viewer; drift settings, like traffic, need deployer.
  'GET /deployments/:name/monitoring/drift': viewer(deployment),
  'GET /deployments/:name/monitoring/quality': viewer(deployment),
  'GET /deployments/:name/monitoring/windows': viewer(deployment),
  'GET /deployments/:name/monitoring/performance': viewer(deployment),
  'GET /deployments/:name/monitoring/settings': viewer(deployment),
  'PUT /deployments/:name/monitoring/settings': deployer(deployment),
  'GET /deployments/:name/predictions/export': viewer(deployment),
  'GET /models/:name/predictions/export': viewer(model),
  'POST /models/:name/feedback': editor(model, { inference: true }),
  'GET /models/:name/versions/:version/reference': viewer(model),
  'PUT /models/:name/versions/:version/reference': editor(model),
  'DELETE /models/:name/versions/:version/reference': editor(model),
  // Replicas report the traffic and predictions they served.
  'POST /deployments/:name/telemetry': editor(deployment),
  'PUT /deployments/:name/validation': deployer(deployment),
  'PUT /deployments/:name/explanations': deployer(deployment),
  'DELETE /deployments/:name/explanations': deployer(deployment),
  'DELETE /deployments/:name/validation': deployer(deployment),
  // Alerts: rules read any metric and reach webhooks, so changing them needs deployer globally.
  'POST /alerts/rules': deployer(),
  'GET /alerts/rules': viewer(),
  'GET /alerts/rules/:name': viewer(),
  'PUT /alerts/rules/:name': deployer(),
  'DELETE /alerts/rules/:name': deployer(),
  'GET /alerts': viewer(),
  'GET /alerts/history': viewer(),
};

const ARTIFACT_PROXY: Record<string, AccessPolicy> = {
  'PUT /artifacts/*': editor(artifactPath()),
  'GET /artifacts/*': viewer(artifactPath()),
  'GET /artifacts': viewer(artifactPath()),
  'DELETE /artifacts/*': editor(artifactPath()),
  'POST /mpu/create/*': editor(artifactPath()),
  'POST /mpu/complete/*': editor(artifactPath()),
  'POST /mpu/abort/*': editor(artifactPath()),
};

/** Calling models: a viewer of the model may call it, and so may a token scoped to inference. */
const servedModel = modelField('model');
const INFERENCE: Record<string, AccessPolicy> = Object.fromEntries(
  ['/v2/models/:model', '/v2/models/:model/versions/:version'].flatMap((p) => [
    [`GET ${p}`, viewer(servedModel, { inference: true })],
    [`GET ${p}/ready`, viewer(servedModel, { inference: true })],
    [`POST ${p}/infer`, viewer(servedModel, { inference: true })],
    [`POST ${p}/explain`, viewer(servedModel, { inference: true })],
  ]).concat(
    ['invocations', 'explain', 'importance'].map((verb) => [`POST /serve/:model/:ref/${verb}`, viewer(servedModel, { inference: true })]),
  ),
);

/** Calling deployments: a viewer of the deployment, or an inference-scoped token with that role. */
const servedDeployment = deploymentField('deployment');
const DEPLOYMENT_INFERENCE: Record<string, AccessPolicy> = Object.fromEntries(
  ['', '/v2/models/:model', '/v2/models/:model/versions/:version']
    .flatMap((p) => (p === ''
      ? [['POST /invocations'], ['POST /explain'], ['GET /v2'], ['GET /v2/health/live'], ['GET /v2/health/ready']]
      : [[`GET ${p}`], [`GET ${p}/ready`], [`POST ${p}/infer`]]))
    .map(([route]) => {
      const [method, path] = route!.split(' ');
      return [`${method} /deployments/:deployment${path}`, viewer(servedDeployment, { inference: true })];
    }),
);

const PREFIXED: [prefix: string, table: Record<string, AccessPolicy>][] = [
  ['/api/2.0/mlflow-artifacts', ARTIFACT_PROXY],
  ['/api/2.0/mlflow', MLFLOW],
  ['/ajax-api/2.0/mlflow', MLFLOW],
  ['/api/v1', NATIVE],
];

/** The policy of a route, or undefined when it has none (which the access hooks treat as a denial). */
export function policyFor(method: string, url: string): AccessPolicy | undefined {
  if (PUBLIC_ROUTES.includes(`${method} ${url}`)) return { kind: 'public' };
  const inference = INFERENCE[`${method} ${url}`] ?? DEPLOYMENT_INFERENCE[`${method} ${url}`];
  if (inference) return inference;
  for (const [prefix, table] of PREFIXED) {
    if (url.startsWith(`${prefix}/`)) return table[`${method} ${url.slice(prefix.length)}`];
  }
  return undefined;
}
