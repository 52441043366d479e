#!/bin/bash
# mk/deps.sh build|test — install the Debian and npm packages epak needs.
# Run as root it installs whatever is missing; as another user it only
# reports what is missing. Nothing is downloaded except through apt and npm.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_PKGS=(build-essential pkg-config gettext libh2o-evloop-dev libssl-dev
	libsqlite3-dev libpq-dev libjansson-dev libsodium-dev libcmark-dev
	libutf8proc-dev zlib1g-dev libxml2-dev libzip-dev
	libcurl4-openssl-dev libp11-kit-dev libserd-dev liboath-dev libmagic-dev
	libsystemd-dev)
TEST_PKGS=(libcmocka-dev postgresql chromium libnss3-tools fonts-dejavu-core hunspell hunspell-lv
	clang libclang-rt-14-dev nginx-light wrk bc curl ca-certificates
	clang-format cppcheck softhsm2 opensc xmlsec1 python3-aiosmtpd sqlite3 hyperfine libxml2-utils)

want=("${BUILD_PKGS[@]}")
if [ "${1:-build}" = test ]; then
	want+=("${TEST_PKGS[@]}")
	# Node.js may come from elsewhere than Debian; only ask for it when absent.
	command -v node >/dev/null || want+=(nodejs)
	command -v npm >/dev/null || want+=(npm)
fi

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing Debian packages (run as root to install): ${missing[*]}" >&2
		exit 1
	fi
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	# the nginx package starts a system nginx on :80; the benchmark runs its own
	systemctl disable --now nginx >/dev/null 2>&1 || service nginx stop >/dev/null 2>&1 || true
fi

if [ "${1:-build}" = test ]; then
	if [ ! -d tests/node_modules ] || [ tests/package-lock.json -nt tests/node_modules/.stamp ]; then
		(cd tests && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.stamp)
	fi
fi
