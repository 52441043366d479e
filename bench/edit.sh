#!/bin/bash
# bench/edit.sh [SERVICES] — the edit-to-public-page time of the back
# office (issue 11) with a large catalog: an institution editor publishes a
# changed title through the service form, and the time until the public
# service page shows it is measured (bench/edit.mjs), then what the read
# model did (the overlay, and the whole rebuild behind it) from the log.
#
# SERVICES defaults to 100000 (tools/gen-catalog.py); EDIT_DATA=DIR keeps
# and reuses the imported data folder (the import takes a minute or two).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
REF=../shared/testdata/catalog-lv/catalog.jsonld
WORK=$(mktemp -d /tmp/epak-edit.XXXXXX)
DATA=${EDIT_DATA:-$WORK/var}
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

./build/epak migrate --data "$DATA" >/dev/null
if [ "$(sqlite3 "$DATA/epak.db" "SELECT count(*) FROM catalog_node WHERE kind = 'service'")" -lt "$N" ]; then
	python3 tools/gen-catalog.py --services "$N" "$REF" >"$WORK/catalog.jsonld"
	/usr/bin/time -f "import: %e s" ./build/epak import --data "$DATA" "$WORK/catalog.jsonld" >/dev/null
	rm -f "$WORK/catalog.jsonld"
fi
# an editor of the institution of one service in the middle of the catalog
ORG=lnb
SLUG=$(sqlite3 "$DATA/epak.db" "SELECT identifier FROM catalog_node WHERE kind = 'service' AND identifier LIKE 'lasitaja-registracija-g%' ORDER BY iri LIMIT 1 OFFSET 100")
PW=bench-password-$$-long
if ! ./build/epak user list --data "$DATA" | grep -q '^bench-editor '; then
	echo "$PW" | ./build/epak user add bench-editor --data "$DATA" name=Bench role=institution institution=$ORG >/dev/null
else
	echo "$PW" | ./build/epak user passwd bench-editor --data "$DATA" >/dev/null
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
./build/epak serve --data "$DATA" --listen "127.0.0.1:$PORT" --access-log=0 --link-check 0 \
	--limit-login-network 100000 2>"$WORK/serve.log" &
PID=$!
for _ in $(seq 1200); do curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.2; done
grep -o 'read model: revision .*' "$WORK/serve.log" | head -1
node bench/edit.mjs "http://127.0.0.1:$PORT" "$SLUG" bench-editor "$PW" 5
# the whole rebuild behind the overlays (lists, counts, search)
for _ in $(seq 600); do grep -q 'rebuilt after changes' "$WORK/serve.log" && break; sleep 0.2; done
echo "what the read model did (the overlay puts the edit on the public page; the whole rebuild follows):"
grep -o 'read model: revision .*' "$WORK/serve.log" | tail -n +2 | tail -8
