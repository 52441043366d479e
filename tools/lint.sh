#!/bin/bash
# tools/lint.sh — `make lint`: what a tool can check of docs/CODE_STYLE.md.
#  1. banned functions (grep)
#  2. cppcheck (warnings, portability, performance)
#  3. clang-format: every file as .clang-format has it (LINT_FORMAT=report only reports)
#  4. no assignment inside if/while conditions (tools/lint-conditions.py)
set -uo pipefail
cd "$(dirname "$0")/.."
rc=0
SRC=$(find src tests/unit fuzz -name '*.c' -o -name '*.h' | sort)

echo "== banned functions"
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atof|tmpnam|mktemp|alloca|system)\s*\('
if grep -nE "$banned" $SRC | grep -v 'lint: allow'; then
	echo "banned function used (see docs/CODE_STYLE.md)"; rc=1
fi

echo "== SQL built with printf"
if grep -nE '(snprintf|buf_printf|arena_printf)\([^;]*"(SELECT|INSERT|UPDATE|DELETE) ' $SRC; then
	echo "SQL must be a static text with \$N parameters"; rc=1
fi

echo "== assignment inside conditions"
if ! python3 tools/lint-conditions.py $(find src -name '*.c' -o -name '*.h' | sort); then
	echo "assign before the if/while, or fetch in a for loop's step (docs/CODE_STYLE.md)"; rc=1
fi

echo "== cppcheck"
if command -v cppcheck >/dev/null; then
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
		--inline-suppr --suppress=missingIncludeSystem -D__GNUC__ -DH2O_USE_LIBUV=0 -Isrc \
		--include=tools/cppcheck.h \
		src fuzz 2>&1 || rc=1
fi

echo "== clang-format"
if command -v clang-format >/dev/null; then
	n=0
	for f in $SRC; do
		if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
			n=$((n + 1)); echo "  not formatted: $f"
		fi
	done
	if [ "$n" -gt 0 ] && [ "${LINT_FORMAT:-strict}" = strict ]; then rc=1; fi
	echo "  $n file(s) differ from .clang-format (make format fixes them)"
fi
[ $rc -eq 0 ] && echo "lint: ok" || echo "lint: FAILED"
exit $rc
