"""Scenario (d): error paths the MLflow client depends on.

A missing experiment name gives None (404 RESOURCE_DOES_NOT_EXIST under the hood), duplicates
give RESOURCE_ALREADY_EXISTS, an unknown alias INVALID_PARAMETER_VALUE, a changed param value
INVALID_PARAMETER_VALUE, unknown runs and versions RESOURCE_DOES_NOT_EXIST, a bad filter
INVALID_PARAMETER_VALUE, writes to a deleted run INVALID_PARAMETER_VALUE.

    MLFLOW_TRACKING_URI=http://127.0.0.1:PORT python scenario_errors.py
"""

import mlflow
from mlflow import MlflowClient

from scenario_common import check, check_eq, expect_error, finish, step


def main():
    client = MlflowClient()

    step("get_experiment_by_name of a missing name")
    check(mlflow.get_experiment_by_name("no-such-experiment") is None, "missing experiment gives None")

    step("duplicate experiment")
    exp_id = client.create_experiment("conformance-errors")
    expect_error(lambda: client.create_experiment("conformance-errors"), "RESOURCE_ALREADY_EXISTS", "duplicate experiment")

    step("unknown experiment and run")
    expect_error(lambda: client.get_experiment("987654"), "RESOURCE_DOES_NOT_EXIST", "unknown experiment id")
    expect_error(lambda: client.get_run("0123456789abcdef0123456789abcdef"), "RESOURCE_DOES_NOT_EXIST", "unknown run")

    step("param overwrite")
    run = client.create_run(exp_id, run_name="errors-run")
    run_id = run.info.run_id
    client.log_param(run_id, "p", "1")
    client.log_param(run_id, "p", "1")  # same value again is fine
    expect_error(lambda: client.log_param(run_id, "p", "2"), "INVALID_PARAMETER_VALUE", "changed param value")
    check_eq(client.get_run(run_id).data.params, {"p": "1"}, "param keeps its first value")

    step("bad search filter")
    expect_error(lambda: client.search_runs([exp_id], filter_string="params.p = 1 OR params.p = 2"),
                 "INVALID_PARAMETER_VALUE", "OR in a run filter")
    expect_error(lambda: client.search_runs([exp_id], filter_string="metrics.m > 'x'"),
                 "INVALID_PARAMETER_VALUE", "string compared with a metric")

    step("duplicate registered model")
    client.create_registered_model("conformance-dup")
    expect_error(lambda: client.create_registered_model("conformance-dup"), "RESOURCE_ALREADY_EXISTS", "duplicate registered model")

    step("unknown registered model, version and alias")
    expect_error(lambda: client.get_registered_model("no-such-model"), "RESOURCE_DOES_NOT_EXIST", "unknown registered model")
    client.create_model_version("conformance-dup", f"runs:/{run_id}/model", run_id=run_id)
    expect_error(lambda: client.get_model_version("conformance-dup", "7"), "RESOURCE_DOES_NOT_EXIST", "unknown version")
    expect_error(lambda: client.get_model_version_by_alias("conformance-dup", "nope"), "INVALID_PARAMETER_VALUE", "unknown alias")
    expect_error(lambda: client.set_registered_model_alias("conformance-dup", "champion", "9"), "RESOURCE_DOES_NOT_EXIST",
                 "alias to an unknown version")

    step("writes to a deleted run")
    client.delete_run(run_id)
    check_eq(client.get_run(run_id).info.lifecycle_stage, "deleted", "deleted run lifecycle_stage")
    expect_error(lambda: client.log_metric(run_id, "m", 1.0, timestamp=1_700_000_000_000, step=0), "INVALID_PARAMETER_VALUE",
                 "metric on a deleted run")
    client.restore_run(run_id)
    check_eq(client.get_run(run_id).info.lifecycle_stage, "active", "restored run lifecycle_stage")

    finish("errors")


if __name__ == "__main__":
    main()
