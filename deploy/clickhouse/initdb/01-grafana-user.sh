#!/bin/bash
# Runs once, on the first start of an empty ClickHouse volume (docker-entrypoint-initdb.d).
# Grafana gets a read-only user: the plugin runs any SQL a dashboard editor types, so it must not
# be able to write. readonly=1 with max_execution_time changeable, which the plugin sets per query.
set -euo pipefail
clickhouse client --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD" --multiquery <<SQL
CREATE DATABASE IF NOT EXISTS ${CLICKHOUSE_DB};
CREATE SETTINGS PROFILE IF NOT EXISTS grafana_readonly
  SETTINGS readonly = 1, max_execution_time = 60 CHANGEABLE_IN_READONLY;
CREATE USER IF NOT EXISTS ${GRAFANA_CLICKHOUSE_USER} IDENTIFIED BY '${GRAFANA_CLICKHOUSE_PASSWORD}'
  SETTINGS PROFILE 'grafana_readonly';
GRANT SELECT ON ${CLICKHOUSE_DB}.* TO ${GRAFANA_CLICKHOUSE_USER};
SQL
