"""Scenario (f): values over MLflow's length limits.

The reference server cuts a param value to 6000 characters and a run tag value to 8000 and
accepts the write (MLFLOW_TRUNCATE_LONG_VALUES, on by default); it does not refuse it. Checked
through log_param, set_tag and log_batch.

    MLFLOW_TRACKING_URI=http://127.0.0.1:PORT python scenario_limits.py
"""

from mlflow import MlflowClient
from mlflow.entities import Param, RunTag

from scenario_common import check_eq, finish, step


def main():
    client = MlflowClient()
    exp_id = client.create_experiment("limits")
    run_id = client.create_run(exp_id, run_name="limits-run", start_time=1_700_000_000_000).info.run_id

    step("log_param and set_tag over the limit")
    client.log_param(run_id, "long", "x" * 6001)
    client.set_tag(run_id, "long", "y" * 8001)

    step("log_batch over the limit")
    client.log_batch(run_id, params=[Param("long-batch", "p" * 7000)], tags=[RunTag("long-batch", "t" * 9000)])

    step("values read back cut to the limit")
    run = client.get_run(run_id)
    check_eq(run.data.params.get("long"), "x" * 6000, "param value cut to 6000 characters")
    check_eq(run.data.tags.get("long"), "y" * 8000, "tag value cut to 8000 characters")
    check_eq(run.data.params.get("long-batch"), "p" * 6000, "batch param value cut to 6000 characters")
    check_eq(run.data.tags.get("long-batch"), "t" * 8000, "batch tag value cut to 8000 characters")

    finish("limits")


if __name__ == "__main__":
    main()
