#!/usr/bin/env bash
# Installs the real services the test suites run against (Debian packages). Idempotent; needs root.
set -euo pipefail
need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
# The TLS test makes a throwaway certificate.
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# The Prometheus test scrapes a running app with the real Prometheus (and checks deploy/ with promtool).
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
