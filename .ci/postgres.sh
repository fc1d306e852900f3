#!/usr/bin/env bash
# Installs (from Debian's packages) and starts PostgreSQL on loopback for the tests that share usage
# state through it, with a role and database meter_ingest/meter_ingest. Safe to run again.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -1)
pg_ctlcluster "$version" main start 2>/dev/null || pg_ctlcluster "$version" main status >/dev/null
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q -h 127.0.0.1" && break
  sleep 1
done
su postgres -c "psql -q -tc \"SELECT 1 FROM pg_roles WHERE rolname = 'meter_ingest'\"" | grep -q 1 \
  || su postgres -c "psql -q -c \"CREATE ROLE meter_ingest LOGIN PASSWORD 'meter_ingest'\""
su postgres -c "psql -q -tc \"SELECT 1 FROM pg_database WHERE datname = 'meter_ingest'\"" | grep -q 1 \
  || su postgres -c "createdb -O meter_ingest meter_ingest"
echo "PostgreSQL $version ready on 127.0.0.1:5432 (database meter_ingest)"
