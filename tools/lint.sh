#!/bin/bash
# tools/lint.sh — `make lint`: what a tool can check of docs/CODE_STYLE.md.
#  1. the purpose line: every C file opens with "/* NAME — what it is for"
#  2. banned functions (grep)
#  3. no assignment inside if/while conditions (tools/lint-conditions.py)
#  4. cppcheck (warnings, portability, performance), with the build's C standard
#  5. clang-format: every file as .clang-format has it (LINT_FORMAT=report only reports)
set -uo pipefail
cd "$(dirname "$0")/.."
rc=0
SRC=$(find src tests/unit fuzz -name '*.c' -o -name '*.h' | sort)

echo "== purpose line"
# docs/CODE_STYLE.md: the first line names the file and says what it is for,
# "/* buf.h — a growable byte buffer with a hard cap." (an em dash, then text).
bad=0
for f in $SRC $(find src -name '*.def') tests/sign/*.h; do
	first=$(head -n 1 "$f")
	case "$first" in
	"/* $(basename "$f") — "?*) ;;
	*) echo "  $f:1: no purpose line (\"/* $(basename "$f") — what it is for\")"; bad=$((bad + 1)) ;;
	esac
done
if [ "$bad" -gt 0 ]; then echo "$bad file(s) without a purpose line"; rc=1; fi

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
# The build's standard (-std=cNN in the Makefile). Debian's cppcheck 2.10 knows
# no c17 (and takes an unknown --std silently): C17 only fixed defects of C11
# and added nothing to the language, so c11 is the same standard to it.
std=$(sed -n 's/.*-std=\(c[0-9][0-9]\).*/\1/p' Makefile | head -n 1)
if command -v cppcheck >/dev/null && ! cppcheck --help 2>/dev/null | grep -q "^ *\* $std\b"; then
	case "$std" in c17 | c18) std=c11 ;; esac
fi
if command -v cppcheck >/dev/null; then
	echo "  --std=${std:?no -std= in the Makefile}"
	cppcheck --quiet --error-exitcode=1 --std="$std" --enable=warning,portability,performance \
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
