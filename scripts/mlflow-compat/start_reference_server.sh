#!/usr/bin/env bash
# Starts a fresh reference MLflow tracking server (SQLite store, proxied artifacts) and waits
# until it answers /health. Prints its process id on stdout; stop it with `kill -- -PID`
# (it runs in its own process group, because `mlflow server` does not pass SIGTERM on to
# its gunicorn child).
#
#   start_reference_server.sh DATA_DIR PORT
#
# Runs `$MLFLOW_SERVER_PYTHON -m mlflow server` (default python3): that interpreter must import
# mlflow with its server dependencies (Flask, SQLAlchemy, alembic, gunicorn); see README.md.
set -euo pipefail

DIR="${1:?data dir}"
PORT="${2:?port}"
PY="${MLFLOW_SERVER_PYTHON:-python3}"

rm -rf "$DIR"
mkdir -p "$DIR/art"
DIR="$(cd "$DIR" && pwd)"
cd "$DIR"  # the server makes ./mlruns in its working directory
MLFLOW_DISABLE_TELEMETRY=true setsid "$PY" -m mlflow server \
  --host 127.0.0.1 --port "$PORT" --workers 1 --gunicorn-opts '--log-level warning' \
  --backend-store-uri "sqlite:///$DIR/mlflow.db" --artifacts-destination "$DIR/art" \
  > "$DIR/server.log" 2>&1 < /dev/null &
PID=$!
for _ in $(seq 120); do
  if curl -fs "http://127.0.0.1:$PORT/health" > /dev/null 2>&1; then
    echo "$PID"
    exit 0
  fi
  if ! kill -0 "$PID" 2>/dev/null; then break; fi
  sleep 0.5
done
echo "reference server did not come up; see $DIR/server.log" >&2
kill -- -"$PID" 2>/dev/null || true
exit 1
