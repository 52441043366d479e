#!/bin/bash
# mk/deb.sh — `make deb`: build epak_VERSION_amd64.deb from the committed tree.
# The tree (HEAD, plus uncommitted changes to tracked files when there are
# any: git stash create) is copied into build/deb/epak-VERSION, so build/ of
# the other targets is never touched; dpkg-buildpackage builds it there with
# debian/rules; lintian checks the result. VERSION is the upstream version
# (src/main.c's EPAK_VERSION) + git, the commit's UTC time and hash, e.g.
# 0.1.0+git20261207.1805.7cb3f4b1 — always increasing along a branch.
set -euo pipefail
cd "$(dirname "$0")/.."

upstream=$(sed -n 's/^#define EPAK_VERSION "\(.*\)"/\1/p' src/main.c | head -n 1)
rev=$(git stash create 2>/dev/null || true)
rev=${rev:-HEAD}
when=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d.%H%M "$rev")
version="${upstream}+git${when}.$(git rev-parse --short=8 "$rev")"
out=build/deb
dir="$out/epak-$version"

rm -rf "$out"
mkdir -p "$dir"
git archive "$rev" | tar -x -C "$dir"
# the changelog's top entry names this build's version (a native package: no
# Debian revision)
{
	echo "epak ($version) unstable; urgency=medium"
	echo
	echo "  * Built from git $(git rev-parse --short=12 "$rev")."
	echo
	echo " -- epak maintainers <epak@vraa.gov.lv>  $(TZ=UTC git log -1 --format=%cd --date=rfc2822 "$rev")"
	echo
	cat "$dir/debian/changelog"
} > "$dir/debian/changelog.new"
mv "$dir/debian/changelog.new" "$dir/debian/changelog"

start=$(date +%s)
echo "  DEB     $dir ($(nproc) jobs; log: $out/build.log)"
if ! (cd "$dir" && DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -b -us -uc) > "$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log"
	echo "make deb: dpkg-buildpackage failed (whole log: $out/build.log)" >&2
	exit 1
fi
deb="epak_${version}_amd64.deb"
rm -f epak_*.deb
cp "$out/$deb" .
echo "  built   $deb in $(($(date +%s) - start)) s"

echo "  LINTIAN $deb"
lintian --fail-on error,warning --display-info "$out"/epak_"${version}"_amd64.changes
