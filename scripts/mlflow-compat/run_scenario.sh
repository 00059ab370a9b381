#!/usr/bin/env bash
# Runs one scenario script with the real MLflow client against a tracking server, optionally
# behind record_proxy.py.
#
#   run_scenario.sh TRACKING_URL SCENARIO [RECORDING.jsonl]
#
# SCENARIO is tracking | registry | pyfunc | errors | paging | limits (scenario_<name>.py). Needs the environment
# printed by the MLflow client setup (PYTHONPATH and MLFLOW_ACC_PYTHON), see README.md.
# The scripts are copied to a scratch directory and run from there, so that the run tag
# mlflow.source.name is the bare file name and no git tags are added.
set -euo pipefail

URL="${1:?tracking url}"
SCENARIO="${2:?scenario name}"
RECORDING="${3:-}"
HERE="$(cd "$(dirname "$0")" && pwd)"
PY="${MLFLOW_ACC_PYTHON:-python3}"

WORK="$(mktemp -d -t mlflow-scenario-XXXXXX)"
PROXY_PID=""
cleanup() {
  if [[ -n "$PROXY_PID" ]]; then kill "$PROXY_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

cp "$HERE"/scenario_*.py "$WORK/"
TARGET="$URL"
if [[ -n "$RECORDING" ]]; then
  : > "$RECORDING"
  python3 "$HERE/record_proxy.py" --target "$URL" --out "$RECORDING" --port-file "$WORK/port" &
  PROXY_PID=$!
  for _ in $(seq 50); do [[ -s "$WORK/port" ]] && break; sleep 0.1; done
  TARGET="http://127.0.0.1:$(cat "$WORK/port")"
  export SCENARIO_STEP_URL="$TARGET/__scenario/step"
fi

cd "$WORK"
status=0
# No retries: a 5xx should show up at once instead of after minutes of back-off.
MLFLOW_TRACKING_URI="$TARGET" MLFLOW_HTTP_REQUEST_MAX_RETRIES=0 MLFLOW_HTTP_REQUEST_TIMEOUT=60 \
  MLFLOW_DISABLE_TELEMETRY=true GIT_PYTHON_REFRESH=quiet \
  "$PY" -W ignore "scenario_$SCENARIO.py" || status=$?

if [[ -n "$RECORDING" ]]; then
  kill "$PROXY_PID" 2>/dev/null || true
  wait "$PROXY_PID" 2>/dev/null || true
  PROXY_PID=""
  # Uploaded pickles name the files their code came from: the scratch directory and the
  # directories on PYTHONPATH (the MLflow source tree). Keep this machine's paths out.
  IFS=: read -r -a PATHS <<< "${PYTHONPATH:-}"
  python3 "$HERE/sanitize_recording.py" "$RECORDING" "$WORK" "${PATHS[@]}"
fi
exit "$status"
