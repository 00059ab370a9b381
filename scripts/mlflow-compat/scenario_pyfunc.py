"""Scenario (c): MLflow 3 model logging and loading through the public API.

mlflow.pyfunc.log_model(name=..., python_model=..., registered_model_name=...) creates a
LoggedModel, uploads its files, registers a version; then the version gets an alias and
mlflow.pyfunc.load_model("models:/<name>@<alias>") downloads and runs it.

    MLFLOW_TRACKING_URI=http://127.0.0.1:PORT python scenario_pyfunc.py
"""

import mlflow
import mlflow.pyfunc
import pandas as pd
from mlflow import MlflowClient

from scenario_common import check, check_eq, finish, step

MODEL = "conformance-doubler"


class Doubler(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input * 2


def main():
    client = MlflowClient()

    step("set_experiment")
    mlflow.set_experiment("conformance-pyfunc")

    step("log_model with registered_model_name")
    with mlflow.start_run(run_name="pyfunc-run") as run:
        mlflow.log_param("factor", 2)
        # Fixed requirements: no inference, so the uploaded files do not depend on this machine's packages.
        info = mlflow.pyfunc.log_model(name="doubler", python_model=Doubler(), registered_model_name=MODEL,
                                       pip_requirements=["pandas"])
    check(info.model_id.startswith("m-"), f"model_id {info.model_id!r}")
    check_eq(str(info.registered_model_version), "1", "registered version")
    check(info.artifact_path is not None, "artifact_path set")

    step("logged model read back")
    lm = mlflow.get_logged_model(info.model_id)
    check_eq(lm.name, "doubler", "logged model name")
    check_eq(lm.source_run_id, run.info.run_id, "logged model source_run_id")
    check_eq(str(lm.status), "READY", "logged model status")
    mv = client.get_model_version(MODEL, "1")
    check_eq(mv.source, f"models:/{info.model_id}", "version source names the logged model")
    check_eq(mv.run_id, run.info.run_id, "version run_id (taken from the logged model)")
    check_eq(mv.status, "READY", "version status")

    step("alias and load_model")
    client.set_registered_model_alias(MODEL, "prod", "1")
    model = mlflow.pyfunc.load_model(f"models:/{MODEL}@prod")
    out = model.predict(pd.DataFrame({"x": [1, 2, 3]}))
    check_eq(list(out["x"]), [2, 4, 6], "prediction of the loaded model")

    step("load by model id")
    model = mlflow.pyfunc.load_model(f"models:/{info.model_id}")
    check_eq(list(model.predict(pd.DataFrame({"x": [5]}))["x"]), [10], "prediction via models:/<model_id>")

    step("search logged models")
    found = mlflow.search_logged_models(experiment_ids=[run.info.experiment_id], output_format="list")
    check_eq([m.model_id for m in found], [info.model_id], "search_logged_models")

    finish("pyfunc")


if __name__ == "__main__":
    main()
