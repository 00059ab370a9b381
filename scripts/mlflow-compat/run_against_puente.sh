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
#   PUENTE_COMPAT_AUTH   opt-in: turn authentication on in each fresh server by bootstrapping
#                        an admin, then give the client credentials the way a user would:
#                          token  MLFLOW_TRACKING_TOKEN=<the admin's token> (Bearer)
#                          basic  MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD of a user
#                                 created with the global role PUENTE_COMPAT_ROLE (Basic)
#                          none   no credentials at all: every scenario must fail, and its first
#                                 call must be answered 401 UNAUTHENTICATED (checked in its output)
#                        unset or empty: the server stays open (no users), as before
#   PUENTE_COMPAT_ROLE   global role of the Basic user (default editor; viewer, editor,
#                        deployer or admin). editor is enough for every scenario: whoever
#                        creates an experiment or a model becomes its admin, so the scenarios'
#                        deletes, renames, aliases and stage moves are allowed
# Needs the MLflow client environment (PYTHONPATH, MLFLOW_ACC_PYTHON), see README.md.
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PORT="${PUENTE_COMPAT_PORT:-5078}"
SCENARIOS=("$@")
((${#SCENARIOS[@]})) || SCENARIOS=(tracking registry pyfunc errors paging limits)
AUTH="${PUENTE_COMPAT_AUTH:-}"
ROLE="${PUENTE_COMPAT_ROLE:-editor}"
case "$AUTH" in
  ''|token|basic|none) ;;
  *) echo "PUENTE_COMPAT_AUTH must be token, basic or none (got '$AUTH')" >&2; exit 2 ;;
esac
# Credentials from the caller's environment must not leak into a run.
unset MLFLOW_TRACKING_TOKEN MLFLOW_TRACKING_USERNAME MLFLOW_TRACKING_PASSWORD
if [[ "${PUENTE_COMPAT_BUILT:-0}" == 1 ]]; then
  PUENTE=(node "$ROOT/bin/puente.js")
else
  PUENTE=("$ROOT/node_modules/.bin/tsx" "$ROOT/src/cli/main.ts")
fi

# Turns auth on in the fresh server at $1 and exports the client's credentials for $AUTH.
# Prints what went wrong and returns non-zero when the server refuses.
enable_auth() {
  local url="$1" out token
  out="$("${PUENTE[@]}" --server "$url" --json admin bootstrap \
    --username compat-admin --password compat-admin-password-1 2>&1)" \
    || { echo "admin bootstrap failed: $out"; return 1; }
  token="$(python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["token"])' <<< "$out")" \
    || { echo "admin bootstrap printed no token: $out"; return 1; }
  case "$AUTH" in
    token) export MLFLOW_TRACKING_TOKEN="$token" ;;
    basic)
      out="$("${PUENTE[@]}" --server "$url" --token "$token" users create compat-user \
        --password compat-user-password-1 --role "$ROLE" 2>&1)" \
        || { echo "users create failed: $out"; return 1; }
      export MLFLOW_TRACKING_USERNAME=compat-user MLFLOW_TRACKING_PASSWORD=compat-user-password-1
      ;;
  esac
}

declare -A RESULT
for scenario in "${SCENARIOS[@]}"; do
  DATA="$(mktemp -d -t puente-compat-XXXXXX)"
  PUENTE_LOG_LEVEL=warn "${PUENTE[@]}" server --port "$PORT" --data-dir "$DATA" > "$DATA/server.log" 2>&1 &
  PID=$!
  up=0
  for _ in $(seq 100); do
    if curl -fs "http://127.0.0.1:$PORT/health/live" > /dev/null 2>&1; then up=1; break; fi
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "== $scenario (puente pid $PID${AUTH:+, auth $AUTH})"
  if ((up)) && [[ -n "$AUTH" ]] && ! enable_auth "http://127.0.0.1:$PORT"; then
    RESULT[$scenario]="FAILED (could not turn auth on)"
  elif ((up)); then
    recording=""
    [[ -n "${RECORD_DIR:-}" ]] && mkdir -p "$RECORD_DIR" && recording="$RECORD_DIR/$scenario.jsonl"
    if [[ "$AUTH" == none ]]; then
      # Without credentials the client must stop at its first call, answered 401
      # UNAUTHENTICATED: the run is recorded (to $DATA when RECORD_DIR is not set) to check that.
      [[ -n "$recording" ]] || recording="$DATA/$scenario.jsonl"
      if "$HERE/run_scenario.sh" "http://127.0.0.1:$PORT" "$scenario" "$recording" > "$DATA/client.log" 2>&1; then
        RESULT[$scenario]="FAILED (succeeded without credentials)"
      else
        tail -3 "$DATA/client.log"
        verdict="$(python3 - "$recording" <<'PY'
import json, sys
calls = [x for x in map(json.loads, open(sys.argv[1])) if "request" in x]
if not calls:
    print("FAILED (no request reached the server)"); sys.exit()
first = calls[0]
req, res = first["request"], first["response"]
code = (res.get("json") or {}).get("error_code")
what = f"{req['method']} {req['path']} -> {res['status']} {code}"
if res["status"] == 401 and code == "UNAUTHENTICATED" and len(calls) == 1:
    print(f"passed (refused at the first call: {what})")
else:
    print(f"FAILED (first call {what}; {len(calls)} call(s) in all)")
PY
)"
        RESULT[$scenario]="$verdict"
      fi
    elif "$HERE/run_scenario.sh" "http://127.0.0.1:$PORT" "$scenario" $recording; then
      RESULT[$scenario]=passed
    else
      RESULT[$scenario]=FAILED
    fi
    unset MLFLOW_TRACKING_TOKEN MLFLOW_TRACKING_USERNAME MLFLOW_TRACKING_PASSWORD
  else
    echo "Puente did not start:"; tail -20 "$DATA/server.log"
    RESULT[$scenario]="FAILED (server did not start)"
  fi
  kill "$PID" 2>/dev/null
  wait "$PID" 2>/dev/null
  if [[ "${RESULT[$scenario]}" != passed* ]]; then
    echo "-- last server log lines:"; tail -15 "$DATA/server.log"
  fi
  rm -rf "$DATA"
done

echo
mode=""
[[ -n "$AUTH" ]] && mode=" (auth $AUTH)"
[[ "$AUTH" == basic ]] && mode=" (auth basic, role $ROLE)"
echo "summary$mode:"
status=0
for scenario in "${SCENARIOS[@]}"; do
  echo "  $scenario: ${RESULT[$scenario]}"
  [[ "${RESULT[$scenario]}" == passed* ]] || status=1
done
exit "$status"
