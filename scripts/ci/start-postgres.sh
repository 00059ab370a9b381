#!/usr/bin/env bash
# Starts PostgreSQL on 127.0.0.1:5432 with a `puente` superuser and a `puente_test` database.
# Prints the connection URL. Idempotent; needs root.
set -euo pipefail
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster "$version" main >/dev/null
fi
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 1 50); do
  pg_isready -h 127.0.0.1 -p 5432 -q && break
  sleep 0.2
done
cd /tmp
su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='puente'\"" | grep -q 1 ||
  su postgres -c "psql -q -c \"CREATE ROLE puente LOGIN PASSWORD 'puente' SUPERUSER\""
su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='puente_test'\"" | grep -q 1 ||
  su postgres -c "createdb -O puente puente_test"
echo "postgres://puente:puente@127.0.0.1:5432/puente_test"
