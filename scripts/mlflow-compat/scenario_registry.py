"""Scenario (b): the model registry through MlflowClient.

create_registered_model, create_model_version from a runs:/ source, aliases (set, move, get,
delete), registered-model and model-version tags, stage transitions, get_latest_versions,
search_registered_models, search_model_versions, updates, download URI and models:/name@alias download, rename, delete.

    MLFLOW_TRACKING_URI=http://127.0.0.1:PORT python scenario_registry.py
"""

import os
import tempfile

import mlflow
from mlflow import MlflowClient

from scenario_common import check, check_eq, expect_error, finish, step

NAME = "conformance-model"
RENAMED = "conformance-model-renamed"


def main():
    client = MlflowClient()

    step("a run with a model directory")
    mlflow.set_experiment("conformance-registry")
    with mlflow.start_run(run_name="trainer") as run:
        run_id = run.info.run_id
        mlflow.log_text("weights v1\n", "model/weights.txt")
        mlflow.log_metric("auc", 0.91, step=0, timestamp=1_700_000_000_000)

    step("create_registered_model")
    rm = client.create_registered_model(NAME, tags={"team": "ml"}, description="conformance model")
    check_eq(rm.name, NAME, "registered model name")
    check_eq(rm.tags, {"team": "ml"}, "registered model tags")
    check_eq(rm.description, "conformance model", "registered model description")

    step("create_model_version x2")
    v1 = client.create_model_version(NAME, f"runs:/{run_id}/model", run_id=run_id, tags={"kind": "baseline"}, description="first")
    check_eq(v1.version, "1", "first version")
    check_eq(v1.status, "READY", "version status")
    check_eq(v1.current_stage, "None", "initial stage")
    check_eq(v1.tags, {"kind": "baseline"}, "version tags")
    v2 = client.create_model_version(NAME, f"runs:/{run_id}/model", run_id=run_id)
    check_eq(v2.version, "2", "second version")
    mv = client.get_model_version(NAME, "1")
    check_eq((mv.run_id, mv.source, mv.description), (run_id, f"runs:/{run_id}/model", "first"), "get_model_version")

    step("aliases")
    client.set_registered_model_alias(NAME, "champion", "1")
    client.set_registered_model_alias(NAME, "challenger", "2")
    check_eq(client.get_model_version_by_alias(NAME, "champion").version, "1", "alias champion")
    client.set_registered_model_alias(NAME, "champion", "2")
    by_alias = client.get_model_version_by_alias(NAME, "champion")
    check_eq(by_alias.version, "2", "alias champion moved")
    check_eq(sorted(by_alias.aliases), ["challenger", "champion"], "aliases on version 2")
    check_eq(client.get_registered_model(NAME).aliases, {"champion": "2", "challenger": "2"}, "aliases on model")
    client.delete_registered_model_alias(NAME, "challenger")
    check_eq(client.get_registered_model(NAME).aliases, {"champion": "2"}, "aliases after delete")

    step("tags")
    client.set_registered_model_tag(NAME, "owner", "conformance")
    client.delete_registered_model_tag(NAME, "team")
    check_eq(client.get_registered_model(NAME).tags, {"owner": "conformance"}, "model tags after set/delete")
    client.set_model_version_tag(NAME, "2", "validated", "yes")
    client.delete_model_version_tag(NAME, "1", "kind")
    check_eq(client.get_model_version(NAME, "1").tags, {}, "version 1 tags after delete")
    check_eq(client.get_model_version(NAME, "2").tags, {"validated": "yes"}, "version 2 tags")

    step("stages")
    mv = client.transition_model_version_stage(NAME, "1", "Staging")
    check_eq(mv.current_stage, "Staging", "v1 to Staging")
    mv = client.transition_model_version_stage(NAME, "2", "Production", archive_existing_versions=True)
    check_eq(mv.current_stage, "Production", "v2 to Production")
    latest = client.get_latest_versions(NAME, stages=["Staging", "Production"])
    check_eq(sorted((m.version, m.current_stage) for m in latest), [("1", "Staging"), ("2", "Production")], "latest per stage")
    latest = client.get_latest_versions(NAME)
    check_eq(sorted((m.version, m.current_stage) for m in latest), [("1", "Staging"), ("2", "Production")], "latest, all stages")
    mv = client.transition_model_version_stage(NAME, "1", "Production", archive_existing_versions=True)
    check_eq(mv.current_stage, "Production", "v1 to Production")
    check_eq(client.get_model_version(NAME, "2").current_stage, "Archived", "v2 archived by the transition")

    step("updates and download uri")
    client.update_registered_model(NAME, description="updated")
    check_eq(client.get_registered_model(NAME).description, "updated", "model description")
    client.update_model_version(NAME, "2", description="second")
    check_eq(client.get_model_version(NAME, "2").description, "second", "version description")
    uri = client.get_model_version_download_uri(NAME, "1")
    # The reference server hands back a runs:/ source as is; a resolved proxy URI works as well.
    check(uri == f"runs:/{run_id}/model" or (uri.startswith("mlflow-artifacts:/") and uri.endswith("/model")), f"download uri {uri!r}")
    local = mlflow.artifacts.download_artifacts(artifact_uri=f"models:/{NAME}@champion", dst_path=tempfile.mkdtemp())
    with open(os.path.join(local, "weights.txt")) as f:
        check_eq(f.read(), "weights v1\n", "download models:/name@alias")

    step("search")
    client.create_registered_model("other-model")
    found = client.search_registered_models(filter_string="name LIKE 'conformance-%'")
    check_eq([m.name for m in found], [NAME], "search_registered_models LIKE")
    found = client.search_registered_models(order_by=["name DESC"])
    check_eq([m.name for m in found], ["other-model", NAME], "search_registered_models all, by name DESC")
    found = client.search_model_versions(f"name = '{NAME}'")
    check_eq([m.version for m in found], ["2", "1"], "search_model_versions by name")
    found = client.search_model_versions(f"run_id = '{run_id}'")
    check_eq(sorted(m.version for m in found), ["1", "2"], "search_model_versions by run_id")

    step("version from the run's artifact location")
    mv = client.create_model_version(NAME, f"{run.info.artifact_uri}/model", run_id=run_id)
    check_eq(mv.version, "3", "third version")
    check_eq(mv.source, f"{run.info.artifact_uri}/model", "source stored verbatim")

    step("rename")
    client.rename_registered_model(NAME, RENAMED)
    check_eq(client.get_registered_model(RENAMED).name, RENAMED, "renamed")
    expect_error(lambda: client.get_registered_model(NAME), "RESOURCE_DOES_NOT_EXIST", "old name after rename")
    check_eq(client.get_model_version(RENAMED, "1").name, RENAMED, "versions follow the rename")
    check_eq(client.get_model_version_by_alias(RENAMED, "champion").version, "2", "alias follows the rename")

    step("delete")
    client.delete_model_version(RENAMED, "3")
    found = client.search_model_versions(f"name = '{RENAMED}'")
    check_eq([m.version for m in found], ["2", "1"], "versions after delete")
    client.delete_registered_model(RENAMED)
    found = client.search_registered_models()
    check_eq([m.name for m in found], ["other-model"], "models after delete")

    finish("registry")


if __name__ == "__main__":
    main()
