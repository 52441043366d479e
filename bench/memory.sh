#!/bin/bash
# bench/memory.sh — resident memory of `epak serve` with a large catalog.
#
#   bench/memory.sh [SERVICES]        (default 100000; 0: the reference catalog as it is)
#
# Generates a catalog of SERVICES services (tools/gen-catalog.py), imports it
# into a fresh data folder with the release build, starts `epak serve`, waits
# for /api/v1/health, makes one search and one service page request, and
# prints VmRSS (and VmHWM, the peak) from /proc/PID/status. Not a test.
# MEM_DATA=DIR keeps (and reuses) the imported data folder: the import of
# 100 000 services takes half a minute and ~3 GB.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
REF=../shared/testdata/catalog-lv/catalog.jsonld
WORK=$(mktemp -d /tmp/epak-mem.XXXXXX)
DATA=${MEM_DATA:-$WORK/var}
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

if [ ! -f "$DATA/epak.db" ]; then
	if [ "$N" = 0 ]; then
		CAT=$REF
	else
		CAT=$WORK/catalog.jsonld
		python3 tools/gen-catalog.py --services "$N" "$REF" >"$CAT"
	fi
	./build/epak migrate --data "$DATA" >/dev/null
	/usr/bin/time -f "import: %e s, %M KB peak" ./build/epak import --data "$DATA" "$CAT" >/dev/null
	rm -f "$WORK/catalog.jsonld"
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
./build/epak serve --data "$DATA" --listen "127.0.0.1:$PORT" --access-log=0 2>"$WORK/serve.log" &
PID=$!
for _ in $(seq 600); do curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$PORT/api/v1/search?q=deklar%C4%93t%20dz%C4%ABvesvietu" >/dev/null
curl -fs "http://127.0.0.1:$PORT/pakalpojumi/eid-karte" >/dev/null || true
sleep 0.5
grep -h "read model" "$WORK/serve.log" | tail -1
awk '/^(VmRSS|VmHWM|RssAnon)/ {printf "%s %.0f MB\n", $1, $2 / 1024}' "/proc/$PID/status"
