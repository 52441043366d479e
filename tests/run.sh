#!/bin/bash
# tests/run.sh — run every test suite and print one closing line
# "N passed, N failed, N skipped, N timed out". Called by `make test` after
# the build.
#
# The count cannot shrink unseen:
#  - every tests/unit/test_*.c and fuzz/fuzz_*.c must have its binary: a
#    missing one is a failure, not a suite left out;
#  - a skipped test is a failure unless EPAK_TEST_ALLOW_SKIP=1 (for a
#    machine without PostgreSQL, say): it is counted and named either way;
#  - a test that timed out is counted as such (and as failed);
#  - the total passed must reach tests/min-count, the count of the last
#    full run that was committed: raise it when tests are added, and lower
#    it only on purpose, in a commit that says why.
# EPAK_TEST_REQUIRE_PG=1 (set by .ci/run) makes a missing PostgreSQL fail
# every test that needs it, in the unit tests and the end-to-end tests.
set -uo pipefail
cd "$(dirname "$0")/.."
export EPAK_SHARED="${EPAK_SHARED:-$(cd .. && pwd)/shared}"
# Logs of this run in their own folder, so that two runs in one tree (two
# engineers, or an editor's test task) cannot delete each other's files.
OUT=tests/out/run.$$
rm -rf "$OUT"; mkdir -p "$OUT"
ln -sfn "run.$$" tests/out/last
find tests/out -maxdepth 1 -name "run.*" -mmin +180 -exec rm -rf {} + 2>/dev/null
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp"

passed=0
failed=0
skipped=0
timedout=0
failures=()
skips=()
allow_skip=${EPAK_TEST_ALLOW_SKIP:-0}

# count NAME PASSED FAILED [SKIPPED [TIMED_OUT]]: one line per suite. A skip
# fails its suite unless skips are allowed; a time-out is also a failure.
count() {
	local sk=${4:-0} to=${5:-0}
	passed=$((passed + $2))
	failed=$((failed + $3))
	skipped=$((skipped + sk))
	timedout=$((timedout + to))
	printf '  %-28s %4d passed %4d failed' "$1" "$2" "$3"
	[ "$sk" -ne 0 ] && printf ' %4d skipped' "$sk"
	[ "$to" -ne 0 ] && printf ' %4d timed out' "$to"
	printf '\n'
	if [ "$3" -ne 0 ] || [ "$to" -ne 0 ]; then
		failures+=("$1")
	elif [ "$sk" -ne 0 ] && [ "$allow_skip" != 1 ]; then
		failures+=("$1 (skipped)")
	fi
	[ "$sk" -ne 0 ] && skips+=("$1")
}

# A throw-away PostgreSQL server for the store tests and the PG end-to-end run.
# shellcheck source=tests/pg.sh
. tests/pg.sh
if ! pg_start "$OUT/pg"; then
	echo "could not start PostgreSQL: the tests that need it are skipped$([ "${EPAK_TEST_REQUIRE_PG:-}" = 1 ] && echo ", and fail (EPAK_TEST_REQUIRE_PG=1)")"
	count postgresql 0 1
fi
trap 'pg_stop' EXIT

echo "== lint (purpose lines, banned functions, SQL built with printf, cppcheck)"
if tools/lint.sh >"$OUT/lint.log" 2>&1; then
	count lint 1 0
else
	count lint 0 1
	grep -v "not formatted" "$OUT/lint.log" | tail -20
fi

# The Debian package (issue 15, tests/deb/run.sh): make deb, install into a
# throw-away Debian 12 root booted by systemd-nspawn, serve, purge. It takes
# minutes and needs no build/ of the others, so it runs in the background,
# niced, with its own 20-minute limit, and is collected before the closing line.
echo "== deb: started in the background (collected at the end)"
nice -n 10 timeout 1200 env OUT="$OUT/deb" tests/deb/run.sh >"$OUT/deb.log" 2>&1 &
deb_pid=$!

echo "== unit tests (cmocka, ASan+UBSan)"
for src in tests/unit/test_*.c; do
	name=$(basename "$src" .c)
	t=build/asan/tests/$name
	if [ ! -x "$t" ]; then
		echo "  $name: no binary $t (make unit builds it)"
		count "$name" 0 1
		continue
	fi
	timeout 900 "$t" >"$OUT/$name.log" 2>&1
	rc=$?
	p=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$OUT/$name.log" | tail -1)
	f=$(sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$OUT/$name.log" | tail -1)
	s=$(sed -n 's/.*\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$OUT/$name.log" | tail -1)
	p=${p:-0}; f=${f:-0}; s=${s:-0}; to=0
	if [ $rc -eq 124 ]; then to=1; echo "  $name: timed out after 15 minutes"; fi
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ] && [ $to -eq 0 ]; then f=1; fi
	count "$name" "$p" "$f" "$s" "$to"
	[ "$f" -ne 0 ] && tail -40 "$OUT/$name.log"
	[ "$s" -ne 0 ] && grep -E '^\[  SKIPPED \] [a-z_]' "$OUT/$name.log" | sort -u | sed 's/^/    /'
done

echo "== fuzz targets (seed corpus replay, then ${FUZZ_TEST_SECONDS:=3}s of fuzzing each)"
for src in fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	t=build/fuzz/$name
	if [ ! -x "$t" ]; then
		echo "  $name: no binary $t (make fuzz-build builds it)"
		count "$name" 0 1
		continue
	fi
	n=${name#fuzz_}
	work=$(mktemp -d /tmp/epak-fuzz.XXXXXX)
	seeds=""
	[ -d "fuzz/corpus/$n" ] && seeds="fuzz/corpus/$n"
	limit=$((FUZZ_TEST_SECONDS + 600))
	timeout "$limit" "$t" -runs=0 $seeds >"$OUT/$name.log" 2>&1 &&
		timeout "$limit" "$t" -max_total_time="$FUZZ_TEST_SECONDS" -max_len=65536 "$work" $seeds >>"$OUT/$name.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		count "$name" 1 0
	elif [ $rc -eq 124 ]; then
		count "$name" 0 0 0 1
	else
		count "$name" 0 1
		grep -E 'ERROR|SUMMARY|Test unit written' "$OUT/$name.log" | head -5
	fi
	rm -rf "$work"
done

if [ -d tests/e2e ] && ls tests/e2e/*.test.js >/dev/null 2>&1; then
	echo "== end-to-end and browser tests (node --test)"
	# Each test gets at most 5 minutes, the whole run 50 (it takes about 8
	# on a quiet 2-core machine; a loaded one was seen 3x slower): a hang
	# fails the suite instead of stalling CI.
	timeout 3000 node --test --test-reporter=tap --test-concurrency=1 --test-timeout=300000 \
		tests/e2e/ tests/browser/ >"$OUT/node.log" 2>&1
	rc=$?
	p=$(sed -n 's/^# pass \([0-9]*\)/\1/p' "$OUT/node.log" | tail -1)
	f=$(sed -n 's/^# fail \([0-9]*\)/\1/p' "$OUT/node.log" | tail -1)
	s=$(sed -n 's/^# skipped \([0-9]*\)/\1/p' "$OUT/node.log" | tail -1)
	td=$(sed -n 's/^# todo \([0-9]*\)/\1/p' "$OUT/node.log" | tail -1)
	c=$(sed -n 's/^# cancelled \([0-9]*\)/\1/p' "$OUT/node.log" | tail -1)
	# a test past --test-timeout fails with this type; tests it cancelled
	# with it are "cancelled"
	to=$(grep -c "failureType: 'testTimeoutFailure'" "$OUT/node.log")
	p=${p:-0}; f=${f:-0}; s=$((${s:-0} + ${td:-0})); c=${c:-0}
	f=$((f + c - to)); [ "$f" -lt 0 ] && f=0
	if [ $rc -eq 124 ]; then to=$((to + 1)); echo "  node: the whole run timed out after 50 minutes"; fi
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ] && [ "$to" -eq 0 ]; then f=1; fi
	count node "$p" "$f" "$s" "$to"
	[ "$f" -ne 0 ] || [ "$to" -ne 0 ] && grep -B2 -A30 '^\s*not ok' "$OUT/node.log" | head -150
	[ "$s" -ne 0 ] && grep -E '^\s*ok [0-9]+ - .*# (SKIP|TODO)' "$OUT/node.log" | sed 's/^ */    /'
fi

echo "== deb (make deb, apt install in a booted Debian 12 root, purge; tests/deb/run.sh)"
wait "$deb_pid"
rc=$?
grep -E '^  (FAIL|figure|note)' "$OUT/deb.log"
p=$(sed -n 's/^deb: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$OUT/deb.log")
f=$(sed -n 's/^deb: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$OUT/deb.log")
p=${p:-0}; f=${f:-0}
if [ $rc -eq 124 ]; then
	echo "  deb: timed out after 20 minutes (log: $OUT/deb.log)"
	count deb "$p" "$f" 0 1
else
	[ $rc -ne 0 ] && [ "$f" -eq 0 ] && f=1
	count deb "$p" "$f"
fi

# The committed minimum: a suite that silently lost tests (a binary not
# built, a file no longer found, a guard that skips) shows here.
min=$(grep -E '^[0-9]+' tests/min-count 2>/dev/null | head -n 1)
short=0
if [ -z "$min" ]; then
	echo "tests/min-count is missing or has no number"; short=1
elif [ "$passed" -lt "$min" ]; then
	echo "only $passed tests passed, fewer than the $min of tests/min-count"; short=1
elif [ "$passed" -gt "$min" ]; then
	echo "($passed passed is more than the $min of tests/min-count: raise it in your commit)"
fi
if [ ${#skips[@]} -gt 0 ]; then
	echo "suites with skipped tests: ${skips[*]}$([ "$allow_skip" = 1 ] && echo " (allowed: EPAK_TEST_ALLOW_SKIP=1)" || echo " (a skip fails the run; EPAK_TEST_ALLOW_SKIP=1 allows it)")"
fi
if [ ${#failures[@]} -gt 0 ]; then echo "failing suites: ${failures[*]}"; fi
echo "$passed passed, $failed failed, $skipped skipped, $timedout timed out (minimum ${min:-?} passed)"
[ "$failed" -eq 0 ] && [ "$timedout" -eq 0 ] && [ "$short" -eq 0 ] && { [ "$skipped" -eq 0 ] || [ "$allow_skip" = 1 ]; }
