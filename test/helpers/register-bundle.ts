import type { PackagedBundle } from '../../src/bundles/index.js';
import type { AppServices } from '../../src/http/index.js';

/**
 * Logs a packaged bundle as a new run's `model/` artifacts and registers it as the next version
 * of `name` (creating the model if needed), as `puente models package --log-to --register` does.
 */
export async function registerBundle(services: AppServices, name: string, packaged: PackagedBundle): Promise<number> {
  const run = await services.tracking.createRun({});
  const root = run.info.artifact_uri.replace('mlflow-artifacts:/', '');
  for (const [path, bytes] of packaged.files) await services.artifacts.put(`${root}/model/${path}`, Buffer.from(bytes));
  await services.registry.createRegisteredModel(name).catch(() => undefined);
  return (await services.registry.createModelVersion(name, { source: `runs:/${run.info.run_id}/model`, run_id: run.info.run_id })).version;
}
