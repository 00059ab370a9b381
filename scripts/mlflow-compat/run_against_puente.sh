#!/usr/bin/env bash
# Runs the scenario scripts with the real MLflow client against a fresh Puente server (one
# server and one empty data directory per scenario) and prints a summary.
#
#   run_against_puente.sh [SCENARIO...]        default: tracking registry pyfunc errors paging limits
#
# Environment:
#   PUENTE_COMPAT_PORT   port for Puente (default 5078)
#   PUENTE_COMPAT_BUILT  set to 1 to run the compiled server (`npm run build` first,
#                        then bin/puente.js); by default the sources run through tsx, so
#                        the check always sees the current code
#   RECORD_DIR           when set, each run is also recorded to RECORD_DIR/<scenario>.jsonl
#                        (handy to diff against test/fixtures/mlflow-recordings)
# Needs the MLflow client environment (PYTHONPATH, MLFLOW_ACC_PYTHON), see README.md.
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PORT="${PUENTE_COMPAT_PORT:-5078}"
SCENARIOS=("$@")
((${#SCENARIOS[@]})) || SCENARIOS=(tracking registry pyfunc errors paging limits)

declare -A RESULT
for scenario in "${SCENARIOS[@]}"; do
  DATA="$(mktemp -d -t puente-compat-XXXXXX)"
  if [[ "${PUENTE_COMPAT_BUILT:-0}" == 1 ]]; then
    CMD=(node "$ROOT/bin/puente.js" server)
  else
    CMD=("$ROOT/node_modules/.bin/tsx" "$ROOT/src/cli/main.ts" server)
  fi
  PUENTE_LOG_LEVEL=warn "${CMD[@]}" --port "$PORT" --data-dir "$DATA" > "$DATA/server.log" 2>&1 &
  PID=$!
  up=0
  for _ in $(seq 100); do
    if curl -fs "http://127.0.0.1:$PORT/health/live" > /dev/null 2>&1; then up=1; break; fi
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "== $scenario (puente pid $PID)"
  if ((up)); then
    recording=""
    [[ -n "${RECORD_DIR:-}" ]] && mkdir -p "$RECORD_DIR" && recording="$RECORD_DIR/$scenario.jsonl"
    if "$HERE/run_scenario.sh" "http://127.0.0.1:$PORT" "$scenario" $recording; then
      RESULT[$scenario]=passed
    else
      RESULT[$scenario]=FAILED
    fi
  else
    echo "Puente did not start:"; tail -20 "$DATA/server.log"
    RESULT[$scenario]="FAILED (server did not start)"
  fi
  kill "$PID" 2>/dev/null
  wait "$PID" 2>/dev/null
  if [[ "${RESULT[$scenario]}" != passed ]]; then
    echo "-- last server log lines:"; tail -15 "$DATA/server.log"
  fi
  rm -rf "$DATA"
done

echo
echo "summary:"
status=0
for scenario in "${SCENARIOS[@]}"; do
  echo "  $scenario: ${RESULT[$scenario]}"
  [[ "${RESULT[$scenario]}" == passed ]] || status=1
done
exit "$status"
