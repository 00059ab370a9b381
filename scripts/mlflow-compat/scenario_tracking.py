"""Scenario (a): a normal tracking session through MLflow's public client API.

set_experiment, start_run/end_run with a nested run, log_param(s), log_metric(s) with steps,
set_tag(s), delete_tag, experiment tags, a NaN metric, log_dict/log_text/log_artifact(s) (one file of 3 MiB), log_input of a pandas
dataset, search_experiments, search_runs with filter strings, metric history, list and download artifacts.

    MLFLOW_TRACKING_URI=http://127.0.0.1:PORT python scenario_tracking.py
"""

import math
import os
import tempfile

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient

from scenario_common import big_file_bytes, check, check_eq, finish, sha256, step

EXPERIMENT = "conformance-tracking"


def main():
    client = MlflowClient()
    work = tempfile.mkdtemp(prefix="mlflow-scenario-")

    step("set_experiment")
    exp = mlflow.set_experiment(EXPERIMENT)
    check_eq(exp.name, EXPERIMENT, "experiment name")
    check_eq(exp.lifecycle_stage, "active", "experiment lifecycle_stage")
    check(exp.artifact_location.startswith("mlflow-artifacts:/"), f"artifact_location {exp.artifact_location!r} is proxied")

    step("start parent run")
    with mlflow.start_run(run_name="parent") as parent:
        run_id = parent.info.run_id
        check_eq(parent.info.status, "RUNNING", "new run status")
        check(parent.info.artifact_uri.startswith("mlflow-artifacts:/"), f"artifact_uri {parent.info.artifact_uri!r} is proxied")

        step("log params")
        mlflow.log_param("alpha", 0.5)
        mlflow.log_params({"optimizer": "adam", "layers": 3, "dropout": "0.1"})

        step("log metrics with steps")
        for i, loss in enumerate([0.9, 0.5, 0.25]):
            mlflow.log_metric("loss", loss, step=i, timestamp=1_700_000_000_000 + i)
        mlflow.log_metrics({"acc": 0.75, "f1": 0.5}, step=2, timestamp=1_700_000_000_100)
        mlflow.log_metric("acc", 0.875, step=3, timestamp=1_700_000_000_200)
        mlflow.log_metric("unstable", float("nan"), step=0, timestamp=1_700_000_000_300)

        step("set tags")
        mlflow.set_tag("stage", "conformance")
        mlflow.set_tags({"team": "ml", "priority": 1, "temporary": "yes"})
        client.delete_tag(run_id, "temporary")
        mlflow.set_experiment_tag("purpose", "conformance")

        step("log_dict and log_text")
        mlflow.log_dict({"lr": 0.01, "layers": [64, 32]}, "config/params.json")
        mlflow.log_text("hello from the scenario\n", "notes/readme.txt")

        step("log_artifact and log_artifacts")
        small = os.path.join(work, "small.csv")
        with open(small, "w") as f:
            f.write("x,y\n1,2\n3,4\n")
        mlflow.log_artifact(small, artifact_path="data")
        tree = os.path.join(work, "tree")
        os.makedirs(os.path.join(tree, "sub"))
        with open(os.path.join(tree, "a.txt"), "w") as f:
            f.write("a\n")
        with open(os.path.join(tree, "sub", "b.txt"), "w") as f:
            f.write("b\n")
        mlflow.log_artifacts(tree, artifact_path="tree")
        big = os.path.join(work, "big.bin")
        with open(big, "wb") as f:
            f.write(big_file_bytes())
        mlflow.log_artifact(big, artifact_path="big")

        step("log_input pandas dataset")
        df = pd.DataFrame({"x1": [1.0, 2.0, 3.0], "x2": [0, 1, 0], "y": [0, 1, 1]})
        dataset = mlflow.data.from_pandas(df, targets="y", name="mini-frame")
        mlflow.log_input(dataset, context="training", tags={"split": "train"})

        step("nested run")
        with mlflow.start_run(run_name="child", nested=True) as child:
            child_id = child.info.run_id
            mlflow.log_param("alpha", 0.7)
            mlflow.log_metric("loss", 0.4, step=0, timestamp=1_700_000_001_000)
            evalset = mlflow.data.from_numpy(np.array([[1.0, 2.0], [3.0, 4.0]]), name="mini-array")
            mlflow.log_input(evalset, context="eval")

    step("get_run after end_run")
    run = client.get_run(run_id)
    check_eq(run.info.status, "FINISHED", "parent status")
    check_eq(run.info.run_name, "parent", "parent run_name")
    check_eq(run.data.params, {"alpha": "0.5", "optimizer": "adam", "layers": "3", "dropout": "0.1"}, "parent params")
    metrics = dict(run.data.metrics)
    check(math.isnan(metrics.pop("unstable", 0.0)), "NaN metric read back as NaN")
    check_eq(metrics, {"loss": 0.25, "acc": 0.875, "f1": 0.5}, "parent latest metrics")
    check("temporary" not in run.data.tags, "deleted tag is gone")
    check_eq(run.data.tags.get("stage"), "conformance", "tag stage")
    check_eq(run.data.tags.get("priority"), "1", "tag priority")
    inputs = run.inputs.dataset_inputs
    check_eq([i.dataset.name for i in inputs], ["mini-frame"], "parent dataset inputs")
    child_run = client.get_run(child_id)
    check_eq(child_run.data.tags.get("mlflow.parentRunId"), run_id, "child parentRunId tag")

    step("metric history")
    history = client.get_metric_history(run_id, "loss")
    check_eq([(m.step, m.value) for m in history], [(0, 0.9), (1, 0.5), (2, 0.25)], "loss history")

    step("search_experiments")
    found = mlflow.search_experiments(filter_string="name LIKE 'conformance-%'")
    check_eq([e.name for e in found], [EXPERIMENT], "search_experiments by name")
    check_eq(found[0].tags.get("purpose"), "conformance", "experiment tag")

    step("search_runs")
    found = mlflow.search_runs(experiment_names=[EXPERIMENT], filter_string="params.optimizer = 'adam' and metrics.loss < 0.3")
    check_eq(list(found["run_id"]), [run_id], "search by param and metric")
    found = client.search_runs([exp.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{run_id}'")
    check_eq([r.info.run_id for r in found], [child_id], "search by parent tag")
    found = client.search_runs([exp.experiment_id], filter_string="attributes.run_name = 'child'")
    check_eq([r.info.run_id for r in found], [child_id], "search by run_name")
    found = client.search_runs([exp.experiment_id], order_by=["metrics.loss ASC"])
    check_eq([r.info.run_id for r in found], [run_id, child_id], "order by metrics.loss")
    found = client.search_runs([exp.experiment_id], filter_string="params.alpha LIKE '0.%'", order_by=["params.alpha DESC"])
    check_eq([r.info.run_id for r in found], [child_id, run_id], "LIKE on params, order by param")

    step("list artifacts")
    listed = sorted((f.path, f.is_dir) for f in client.list_artifacts(run_id))
    check_eq(listed, [("big", True), ("config", True), ("data", True), ("notes", True), ("tree", True)], "artifact root listing")
    listed = sorted((f.path, f.is_dir, f.file_size) for f in client.list_artifacts(run_id, "tree"))
    check_eq(listed, [("tree/a.txt", False, 2), ("tree/sub", True, None)], "tree listing")

    step("download artifacts")
    dst = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="big/big.bin", dst_path=os.path.join(work, "dl1"))
    with open(dst, "rb") as f:
        check_eq(sha256(f.read()), sha256(big_file_bytes()), "3 MiB file round trip")
    dst = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="tree", dst_path=os.path.join(work, "dl2"))
    with open(os.path.join(dst, "sub", "b.txt")) as f:
        check_eq(f.read(), "b\n", "directory download")
    loaded = mlflow.artifacts.load_dict(f"runs:/{run_id}/config/params.json")
    check_eq(loaded, {"lr": 0.01, "layers": [64, 32]}, "load_dict")
    check_eq(mlflow.artifacts.load_text(f"runs:/{run_id}/notes/readme.txt"), "hello from the scenario\n", "load_text")

    finish("tracking")


if __name__ == "__main__":
    main()
