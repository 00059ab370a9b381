#!/usr/bin/env bash
# Records every scenario against a fresh reference MLflow server (one server per scenario, so
# each recording starts from an empty store, as the conformance test's replay does).
#
#   record_all.sh [SCENARIO...]        default: tracking registry pyfunc errors paging limits
#
# Writes test/fixtures/mlflow-recordings/<scenario>.jsonl. Needs the environment printed by the
# MLflow client setup with --with-server --pyfunc (README.md).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$HERE/../../test/fixtures/mlflow-recordings"
PORT="${MLFLOW_REFERENCE_PORT:-5077}"
SCENARIOS=("$@")
((${#SCENARIOS[@]})) || SCENARIOS=(tracking registry pyfunc errors paging limits)
mkdir -p "$OUT"

for scenario in "${SCENARIOS[@]}"; do
  DATA="$(mktemp -d -t mlflow-reference-XXXXXX)"
  PID="$("$HERE/start_reference_server.sh" "$DATA" "$PORT")"
  echo "== $scenario (reference server pid $PID)"
  status=0
  "$HERE/run_scenario.sh" "http://127.0.0.1:$PORT" "$scenario" "$OUT/$scenario.jsonl" || status=$?
  kill -- -"$PID" 2>/dev/null || true
  rm -rf "$DATA"
  if ((status)); then
    echo "scenario $scenario failed against the reference server (exit $status)" >&2
    exit "$status"
  fi
done
