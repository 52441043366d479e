#!/bin/bash
# tests/cluster/run.sh — `make cluster`: three epak nodes on one PostgreSQL
# behind nginx, under a mixed load, with one node killed (SIGKILL) and
# started again and PostgreSQL restarted; prints requests served and failed
# (each failure with its cause), the time to recover after each event, and
# that every acknowledged form post is stored exactly once. Exits 1 when a
# failure has no explanation or a post was lost or stored twice.
# Usage: tests/cluster/run.sh [SECONDS]   (default 60; the release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in nginx node psql; do
	command -v "$tool" >/dev/null || { echo "cluster: $tool is missing (make deps-test)" >&2; exit 1; }
done
[ -x build/epak ] || { echo "cluster: build/epak is missing (make all)" >&2; exit 1; }
EPAK_BIN=${EPAK_BIN:-$PWD/build/epak} exec node tests/cluster/cluster.js "${1:-60}"
