"""Scenario (e): paging, view types, batch splitting and limits through MlflowClient.

Experiments renamed, deleted and restored, searched by view type and page by page; runs paged
with page tokens, killed, deleted and searched by view type; log_batch large enough that the
client splits it (2,500 metrics, 150 params, 120 tags); an infinite metric; registered models
page by page.

    MLFLOW_TRACKING_URI=http://127.0.0.1:PORT python scenario_paging.py
"""

import math

from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag, ViewType

from scenario_common import check, check_eq, finish, step

T0 = 1_700_000_000_000


def main():
    client = MlflowClient()

    step("experiments: rename, delete, view types")
    ids = [client.create_experiment(f"paging-exp-{i}", tags={"n": str(i)}) for i in range(3)]
    client.rename_experiment(ids[2], "paging-exp-renamed")
    client.delete_experiment(ids[1])
    names = lambda exps: [e.name for e in exps]  # noqa: E731
    query = {"filter_string": "name LIKE 'paging-%'", "order_by": ["name ASC"]}
    check_eq(names(client.search_experiments(view_type=ViewType.ACTIVE_ONLY, **query)), ["paging-exp-0", "paging-exp-renamed"], "active")
    check_eq(names(client.search_experiments(view_type=ViewType.DELETED_ONLY, **query)), ["paging-exp-1"], "deleted")
    check_eq(len(client.search_experiments(view_type=ViewType.ALL, **query)), 3, "all")
    check_eq(client.get_experiment(ids[1]).lifecycle_stage, "deleted", "deleted experiment readable by id")
    client.restore_experiment(ids[1])

    step("experiment pages")
    page = client.search_experiments(max_results=2, **query)
    check_eq(names(page), ["paging-exp-0", "paging-exp-1"], "first page")
    check(page.token is not None, "first page has a token")
    page = client.search_experiments(max_results=2, page_token=page.token, **query)
    check_eq(names(page), ["paging-exp-renamed"], "second page")
    check(not page.token, "last page has no token")

    step("run pages, statuses and view types")
    run_ids = [client.create_run(ids[0], run_name=f"run-{i}", start_time=T0 + i).info.run_id for i in range(5)]
    seen, token = [], None
    for _ in range(5):
        page = client.search_runs([ids[0]], max_results=2, order_by=["attributes.start_time DESC"], page_token=token)
        seen += [r.info.run_name for r in page]
        token = page.token
        if not token:
            break
    check_eq(seen, ["run-4", "run-3", "run-2", "run-1", "run-0"], "runs over three pages")
    client.set_terminated(run_ids[0], "KILLED", end_time=T0 + 100)
    check_eq(client.get_run(run_ids[0]).info.status, "KILLED", "killed run")
    client.delete_run(run_ids[1])
    deleted = client.search_runs([ids[0]], run_view_type=ViewType.DELETED_ONLY)
    check_eq([r.info.run_name for r in deleted], ["run-1"], "deleted runs")
    check_eq(len(client.search_runs([ids[0]], run_view_type=ViewType.ALL)), 5, "all runs")
    found = client.search_runs([ids[0]], filter_string="attributes.status = 'KILLED'")
    check_eq([r.info.run_name for r in found], ["run-0"], "search by status")

    step("log_batch split by the client")
    run_id = run_ids[4]
    metrics = [Metric(f"m{i % 5}", float(i), T0 + i, i // 5) for i in range(2500)]
    params = [Param(f"p{i:03d}", str(i)) for i in range(150)]
    tags = [RunTag(f"t{i:03d}", "v") for i in range(120)]
    client.log_batch(run_id, metrics=metrics, params=params, tags=tags)
    run = client.get_run(run_id)
    check_eq(len(run.data.params), 150, "params after batch")
    check_eq(sum(1 for k in run.data.tags if k.startswith("t")), 120, "tags after batch")
    check_eq(run.data.metrics, {f"m{j}": float(2495 + j) for j in range(5)}, "latest metrics after batch")
    history = client.get_metric_history(run_id, "m0")
    check_eq(len(history), 500, "history length")
    check_eq((history[0].step, history[-1].step), (0, 499), "history steps")

    step("infinite metric")
    client.log_metric(run_id, "inf", float("inf"), timestamp=T0, step=0)
    value = client.get_run(run_id).data.metrics["inf"]
    check(math.isinf(value) or value == 1.7976931348623157e308, f"infinite metric read back as {value!r}")

    step("registered model pages")
    for i in range(3):
        client.create_registered_model(f"paging-model-{i}")
    page = client.search_registered_models(max_results=2, order_by=["name ASC"])
    check_eq([m.name for m in page], ["paging-model-0", "paging-model-1"], "first model page")
    page = client.search_registered_models(max_results=2, order_by=["name ASC"], page_token=page.token)
    check_eq([m.name for m in page], ["paging-model-2"], "second model page")
    check(not page.token, "last model page has no token")

    finish("paging")


if __name__ == "__main__":
    main()
