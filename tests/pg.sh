# tests/pg.sh — a throw-away PostgreSQL server for the tests. Sourced, not run:
#
#	. tests/pg.sh
#	pg_start tests/out/pg   # exports EPAK_TEST_PG_URL=postgres://epak@127.0.0.1:PORT/epak_test
#	...
#	pg_stop                 # fast shutdown, removes the folder
#
# Needs the Debian package postgresql (mk/deps.sh test installs it). Run as
# root, the server runs as the postgres user (initdb and postgres refuse
# root); otherwise as the calling user. It listens on 127.0.0.1 only, on a
# free port, with no unix socket, trust authentication, and fsync off: it is
# fast and holds nothing worth keeping. If the postgres user cannot reach the
# folder asked for (say, a checkout under a private home), the server lives
# in a fresh folder under /tmp instead, and pg_stop removes that one.

_pg_root=""    # the folder pg_stop removes (holds data/ and log)
_pg_asked=""   # the folder pg_start was given
_pg_bin=""
_pg_as=()

_pg_run() { # run a PostgreSQL program as the server user, from /
	(cd / && "${_pg_as[@]}" "$@")
}

_pg_initdb() { # LOCALE-OPTION
	_pg_run "$_pg_bin/initdb" -D "$_pg_root/data" -U epak -A trust -E UTF8 "$1" \
		--no-sync >"$_pg_root/initdb.log" 2>&1
}

pg_start() { # DIR
	local dir=${1:?pg_start: folder needed} port tries ok=0 v

	pg_stop >/dev/null 2>&1
	for v in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
		if [ -x "$v/initdb" ] && [ -x "$v/pg_ctl" ]; then
			_pg_bin=$v
			break
		fi
	done
	if [ -z "$_pg_bin" ]; then
		echo "pg_start: no PostgreSQL under /usr/lib/postgresql/*/bin (install the Debian package postgresql: mk/deps.sh test)" >&2
		return 1
	fi

	_pg_as=()
	if [ "$(id -u)" -eq 0 ]; then
		if ! id postgres >/dev/null 2>&1; then
			echo "pg_start: running as root but there is no postgres user" >&2
			return 1
		fi
		_pg_as=(runuser -u postgres --)
	fi

	# A server left behind by an interrupted run in the same folder.
	if [ -f "$dir/data/postmaster.pid" ]; then
		_pg_run "$_pg_bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
	fi
	rm -rf "$dir"
	mkdir -p "$dir" || return 1
	_pg_asked=$dir
	_pg_root=$(cd "$dir" && pwd)
	if [ ${#_pg_as[@]} -gt 0 ]; then
		chown postgres: "$_pg_root"
		if ! _pg_run test -w "$_pg_root" -a -x "$_pg_root"; then
			_pg_root=$(mktemp -d /tmp/epak-pg.XXXXXX) || return 1
			chown postgres: "$_pg_root"
			echo "$_pg_root" >"$dir/server-folder"
		fi
	fi

	# C.UTF-8 where the C library has it (Debian 12 does), else plain C.
	if ! _pg_initdb --locale=C.UTF-8; then
		rm -rf "$_pg_root/data"
		if ! _pg_initdb --no-locale; then
			echo "pg_start: initdb failed:" >&2
			tail -20 "$_pg_root/initdb.log" >&2
			pg_stop
			return 1
		fi
	fi
	cat >>"$_pg_root/data/postgresql.conf" <<-'EOF'
		# tests/pg.sh: a fast, private, throw-away server
		listen_addresses = '127.0.0.1'
		unix_socket_directories = ''
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		wal_level = minimal
		max_wal_senders = 0
		max_connections = 100
		shared_buffers = 32MB
		jit = off
		deadlock_timeout = 100ms
		lc_messages = 'C'
		timezone = 'UTC'
		log_min_messages = warning
	EOF

	# Pick a free port; another process may take it between the check and
	# the start, so try a few.
	for tries in 1 2 3 4 5 6 7 8; do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			continue  # something answers there
		fi
		if _pg_run "$_pg_bin/pg_ctl" -D "$_pg_root/data" -l "$_pg_root/log" -w -t 60 \
			-o "-p $port" start >/dev/null 2>&1; then
			ok=1
			break
		fi
	done
	if [ $ok -ne 1 ]; then
		echo "pg_start: the server did not start:" >&2
		tail -20 "$_pg_root/log" >&2
		pg_stop
		return 1
	fi
	if ! "$_pg_bin/createdb" -h 127.0.0.1 -p "$port" -U epak epak_test >>"$_pg_root/log" 2>&1; then
		echo "pg_start: createdb failed:" >&2
		tail -5 "$_pg_root/log" >&2
		pg_stop
		return 1
	fi
	export EPAK_TEST_PG_URL="postgres://epak@127.0.0.1:$port/epak_test?sslmode=disable"
	echo "PostgreSQL $("$_pg_bin/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port (data in $_pg_root)"
}

pg_stop() {
	if [ -n "$_pg_root" ] && [ -n "$_pg_bin" ] && [ -f "$_pg_root/data/postmaster.pid" ]; then
		_pg_run "$_pg_bin/pg_ctl" -D "$_pg_root/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
			_pg_run "$_pg_bin/pg_ctl" -D "$_pg_root/data" -m immediate stop >/dev/null 2>&1
	fi
	[ -n "$_pg_root" ] && rm -rf "$_pg_root"
	[ -n "$_pg_asked" ] && rm -rf "$_pg_asked"
	_pg_root=""
	_pg_asked=""
	unset EPAK_TEST_PG_URL
	return 0
}
