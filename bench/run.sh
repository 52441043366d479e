#!/bin/bash
# bench/run.sh — `make bench`: epak against nginx serving the same bytes,
# both on loopback in the same run, one worker each, the same wrk load.
# Prints requests per second and the ratio epak/nginx. Not a test: nothing
# here fails on a slow machine.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${BENCH_SECONDS:-8}
CONN=${BENCH_CONNECTIONS:-50}
WORK=$(mktemp -d /tmp/epak-bench.XXXXXX)
chmod 755 "$WORK"
EPAK_PID=""; NGINX_STARTED=""
cleanup() {
	[ -n "$EPAK_PID" ] && kill "$EPAK_PID" 2>/dev/null && wait "$EPAK_PID" 2>/dev/null
	[ -n "$NGINX_STARTED" ] && nginx -c "$WORK/nginx.conf" -p "$WORK" -s stop 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
EP=$(free_port); NP=$(free_port)

./build/epak migrate --data "$WORK/var" >/dev/null
./build/epak import --data "$WORK/var" data/catalog.jsonld >/dev/null
./build/epak serve --data "$WORK/var" --listen "127.0.0.1:$EP" --threads 1 --max-conns-per-address 0 2>"$WORK/epak.log" &
EPAK_PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$EP/api/v1/health" >/dev/null && break; sleep 0.1; done

# The pages measured; nginx serves each one's exact bytes as www/pN.html.
PAGES=(/ /palidziba /pakalpojumi /pakalpojumi/lv-dzivesvietas-deklaresana "/meklet?q=deklar%C4%93t%20dz%C4%ABvesvietu"
	"/api/v1/search?q=pases")
mkdir -p "$WORK/www"
for i in "${!PAGES[@]}"; do
	curl -fs "http://127.0.0.1:$EP${PAGES[$i]}" -o "$WORK/www/p$i.html"
done
cat >"$WORK/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
	access_log $WORK/nginx-access.log;
	sendfile on; tcp_nodelay on; keepalive_requests 100000;
	open_file_cache max=64 inactive=60s; open_file_cache_valid 60s; etag on;
	default_type text/html;
	server {
		listen 127.0.0.1:$NP;
		root $WORK/www;
	}
}
NGINX
nginx -c "$WORK/nginx.conf" -p "$WORK"
NGINX_STARTED=1
sleep 0.3

rate() { # url [wrk args] → requests/s
	local url=$1
	shift
	wrk -t1 -c"$CONN" -d"${DUR}s" "$@" "$url" | awk '/Requests\/sec/ {print $2}'
}

printf '%-44s %12s %12s %8s\n' "page (bytes)" "epak req/s" "nginx req/s" "ratio"
for i in "${!PAGES[@]}"; do
	p=${PAGES[$i]}
	size=$(wc -c <"$WORK/www/p$i.html")
	e=$(rate "http://127.0.0.1:$EP$p")
	n=$(rate "http://127.0.0.1:$NP/p$i.html")
	printf '%-44s %12.0f %12.0f %8.2f\n' "$p ($size)" "$e" "$n" "$(echo "$e / $n" | bc -l)"
done
# The same search pages answered without the page cache, against nginx
# serving the same bytes: a second epak with --cache-size 0. (A distinct
# query string per request no longer bypasses the cache: it keys each
# route on the parameters it declares, issue 8.)
EU=$(free_port)
./build/epak serve --data "$WORK/var" --listen "127.0.0.1:$EU" --threads 1 --cache-size 0 --max-conns-per-address 0 2>"$WORK/epak-nocache.log" &
NOCACHE_PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$EU/api/v1/health" >/dev/null && break; sleep 0.1; done
for i in 4 5; do
	p=${PAGES[$i]}
	size=$(wc -c <"$WORK/www/p$i.html")
	e=$(rate "http://127.0.0.1:$EU$p")
	n=$(rate "http://127.0.0.1:$NP/p$i.html")
	printf '%-44s %12.0f %12.0f %8.2f\n' "$p, uncached ($size)" "$e" "$n" "$(echo "$e / $n" | bc -l)"
done
kill "$NOCACHE_PID" 2>/dev/null && wait "$NOCACHE_PID" 2>/dev/null || true
echo "(wrk -t1 -c$CONN -d${DUR}s; one epak thread, one nginx worker; $(nproc) cores; 'uncached': page cache off)"

# Logged in: the same cached pages with a person's block spliced in (their
# name, the logout form with their CSRF token) and the session looked up in
# the database on every request; nginx serves the exact bytes the person got.
echo
bench_pw='bench password one two three'
echo "$bench_pw" | ./build/epak user add bench name="Bench Person" role=consultant --data "$WORK/var" >/dev/null
jar="$WORK/cookies"
tok=$(curl -fs -c "$jar" "http://127.0.0.1:$EP/pieteikties" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "_csrf=$tok" --data-urlencode login=bench \
	--data-urlencode "password=$bench_pw" "http://127.0.0.1:$EP/pieteikties"
sess=$(awk '$6 == "epak_session" {print $7}' "$jar")
csrfc=$(awk '$6 == "epak_csrf" {print $7}' "$jar")
printf '%-44s %12s %12s %8s\n' "page, logged in (bytes)" "epak req/s" "nginx req/s" "ratio"
for i in 0 1 2 3; do
	p=${PAGES[$i]}
	curl -fs -H "Cookie: epak_session=$sess; epak_csrf=$csrfc" "http://127.0.0.1:$EP$p" -o "$WORK/www/l$i.html"
	grep -q "Bench Person" "$WORK/www/l$i.html" || { echo "bench: not logged in on $p" >&2; exit 1; }
	size=$(wc -c <"$WORK/www/l$i.html")
	e=$(rate "http://127.0.0.1:$EP$p" -H "Cookie: epak_session=$sess; epak_csrf=$csrfc")
	n=$(rate "http://127.0.0.1:$NP/l$i.html")
	printf '%-44s %12.0f %12.0f %8.2f\n' "$p ($size)" "$e" "$n" "$(echo "$e / $n" | bc -l)"
done

# Public pages during a login flood: argon2id runs in the worker pool, so
# the event loop keeps serving. p99 of GET / alone, then while another wrk
# posts wrong passwords as fast as it can (the login budgets raised so that
# every attempt is hashed).
EF=$(free_port)
./build/epak serve --data "$WORK/var" --listen "127.0.0.1:$EF" --threads 1 --max-conns-per-address 0 --limit-login-network 1000000 \
	--limit-login-account 1000000 2>"$WORK/epak-flood.log" &
FLOOD_PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$EF/api/v1/health" >/dev/null && break; sleep 0.1; done
jar2="$WORK/cookies2"
tok=$(curl -fs -c "$jar2" "http://127.0.0.1:$EF/pieteikties" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
csrf2=$(awk '$6 == "epak_csrf" {print $7}' "$jar2")
cat >"$WORK/flood.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "epak_csrf=$csrf2"
wrk.body = "_csrf=$tok&login=nobody&password=not+the+right+password"
LUA
p99() { wrk -t1 -c10 -d"${DUR}s" --latency "$@" | awk '$1 == "99%" {print $2}'; }
quiet=$(p99 "http://127.0.0.1:$EF/")
wrk -t1 -c20 -d"$((DUR + 2))s" -s "$WORK/flood.lua" "http://127.0.0.1:$EF/pieteikties" >"$WORK/flood.out" &
FLOOD_WRK=$!
sleep 1
busy=$(p99 "http://127.0.0.1:$EF/")
wait "$FLOOD_WRK" || true
logins=$(awk '/Requests\/sec/ {print $2}' "$WORK/flood.out")
kill "$FLOOD_PID" 2>/dev/null && wait "$FLOOD_PID" 2>/dev/null || true
echo "GET / p99 alone: $quiet; during a login flood ($logins failed logins/s hashed): $busy"

# Search in-process, signatures against OpenSSL (each prints its own table).
echo
./build/epak search-bench
if [ -x bench/sign.sh ]; then
	echo
	bench/sign.sh
fi

# The back office (issue 11): an editor's change to the public page with a
# generated catalog of BENCH_SERVICES (100 000) services.
echo
node bench/office-edit.mjs
