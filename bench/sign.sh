#!/bin/bash
# bench/sign.sh — signature speed (called by bench/run.sh, or alone): epak
# verifying and signing .edoc containers against OpenSSL alone doing the same
# public-key operations and digests, on this machine, in this run.
#
#   verify  a B-LT container with a small file and one with a 10 MB file
#           (epak verify --offline, everything from the container and one
#           trust anchor), signed by the test PKI's P-384 signer
#   sign    profile B with the P-384 key from a PKCS#12 file
#   limit   `openssl speed` for ECDSA P-384 and P-256 and SHA-256 over 10 MB:
#           the checks any validator must make for such a container, summed
#
# epak is measured as whole commands (hyperfine, no shell; a driver calling
# the library in one process is not part of the tree), the commands taking
# turns in rounds so that other load on the machine falls on all alike; the
# figure is the median. The start-up of a process, measured with `epak
# version`, is subtracted. A second line per container subtracts instead
# `epak verify` of the same container with its signature file removed
# (start-up, trust anchor and reading the container all included), which
# leaves the signature checks alone: the closest figure to what a
# long-running server pays per signature. Not a test: nothing here fails on a
# slow machine. What the figures mean: docs/signatures-bench.md.
set -euo pipefail
cd "$(dirname "$0")/.."
EPAK=${BENCH_EPAK:-./build/epak}
RUNS=${BENCH_SIGN_RUNS:-40}
SECS=${BENCH_SIGN_SECONDS:-3}
WORK=$(mktemp -d /tmp/epak-bench-sign.XXXXXX)
PKI=$WORK/pki
cleanup() {
	tests/sign/pki.sh stop "$PKI" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

command -v hyperfine >/dev/null || { echo "bench/sign.sh: hyperfine is missing (mk/deps.sh test installs it)" >&2; exit 1; }
[ -x "$EPAK" ] || { echo "bench/sign.sh: $EPAK is not built" >&2; exit 1; }

# ---- the containers, made with the test PKI (its responders only for signing)
tests/sign/pki.sh setup "$PKI" $$ >/dev/null
port=$(cat "$PKI/port")
export EPAK_BENCH_PIN=test-pass
printf 'Lūdzu deklarēt manu dzīvesvietu.\n' >"$WORK/small.txt"
head -c 10485760 /dev/urandom >"$WORK/big.bin" # like a scanned PDF: does not compress
for n in small.txt big.bin; do
	"$EPAK" sign -o "$WORK/${n%.*}.edoc" --p12 "$PKI/signer-ec.p12" --pin-env EPAK_BENCH_PIN --profile LT \
		--tsa "http://127.0.0.1:$port/tsa" --ocsp "http://127.0.0.1:$port/ocsp" "$WORK/$n" >/dev/null
	"$EPAK" verify --offline --trust "$PKI/root.crt" "$WORK/${n%.*}.edoc" >/dev/null ||
		{ echo "bench/sign.sh: $n.edoc does not verify offline" >&2; exit 1; }
	# the same container without its signature file
	python3 - "$WORK/${n%.*}.edoc" "$WORK/${n%.*}-unsigned.edoc" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as zi, zipfile.ZipFile(sys.argv[2], 'w') as zo:
    for info in zi.infolist():
        if 'signatures' not in info.filename:
            zo.writestr(info, zi.read(info.filename))
PY
done
tests/sign/pki.sh stop "$PKI" # nothing below talks to the network

# ---- epak: median wall time of each command, in seconds. The commands take
# turns, ROUNDS rounds of RUNS/ROUNDS calls each, so that whatever else runs on
# the machine meanwhile falls on all of them alike.
V=("$EPAK" verify --offline --trust "$PKI/root.crt")
CMDS=(
	"$EPAK version"
	"${V[*]} $WORK/small.edoc"
	"${V[*]} $WORK/small-unsigned.edoc"
	"${V[*]} $WORK/big.edoc"
	"${V[*]} $WORK/big-unsigned.edoc"
	"$EPAK sign -o $WORK/out.edoc --p12 $PKI/signer-ec.p12 --pin-env EPAK_BENCH_PIN --profile B $WORK/small.txt"
)
ROUNDS=${BENCH_SIGN_ROUNDS:-5}
busy() { # other processes running, on average over a second (this sampler excluded)
	for _ in $(seq 10); do cut -d' ' -f4 /proc/loadavg; sleep 0.1; done | awk -F/ '{s += $1 - 1} END {printf "%.1f", s / NR}'
}
busy_before=$(busy)
for r in $(seq "$ROUNDS"); do
	for i in "${!CMDS[@]}"; do
		hyperfine -N -i --style none --warmup 2 --runs $(((RUNS + ROUNDS - 1) / ROUNDS)) \
			--export-json "$WORK/h-$i-$r.json" "${CMDS[$i]}" >/dev/null 2>&1
	done
done
read -r t_start t_vs t_vs0 t_vb t_vb0 t_sign < <(python3 - "$WORK" "${#CMDS[@]}" <<'PY'
import glob, json, statistics, sys
work, n = sys.argv[1], int(sys.argv[2])
print(*(statistics.median(t for f in glob.glob(f"{work}/h-{i}-*.json")
                          for t in json.load(open(f))["results"][0]["times"]) for i in range(n)))
PY
)

busy_after=$(busy)

# ---- OpenSSL alone: operations per second
ec=$(openssl speed -mr -seconds "$SECS" ecdsap256 ecdsap384 2>/dev/null)
p384_sign=$(awk -F: '/^\+F4:/ && $3 == 384 {print $4}' <<<"$ec")
p384_verify=$(awk -F: '/^\+F4:/ && $3 == 384 {print $5}' <<<"$ec")
p256_verify=$(awk -F: '/^\+F4:/ && $3 == 256 {print $5}' <<<"$ec")
sha_bps=$(openssl speed -mr -seconds "$SECS" -bytes 10485760 -evp sha256 2>/dev/null | awk -F: '/^\+F:/ {print $4}')

# What validating one of these B-LT signatures takes, whoever does it (counted
# in epak with a debugger on ECDSA_verify; the same for any full validator):
# P-384: the signature value, signer <- intermediate, intermediate <- root,
# TSA certificate <- root, OCSP responder certificate <- intermediate;
# P-256: the time-stamp token, the OCSP response; SHA-256 over the data file.
# Signing B: one P-384 signature (epak also checks it once and decrypts the
# PKCS#12 file, both counted in its figure, not in the limit).
python3 - "$t_start" "$t_vs" "$t_vs0" "$t_vb" "$t_vb0" "$t_sign" \
	"$p384_sign" "$p384_verify" "$p256_verify" "$sha_bps" "$(stat -c %s "$WORK/small.txt")" <<'PY'
import sys
start, vs, vs0, vb, vb0, sign, s384, v384, v256, sha, small = map(float, sys.argv[1:])
checks = 5 / v384 + 2 / v256
lim_small = checks + small / sha
lim_big = checks + 10485760 / sha
lim_sign = 1 / s384
rows = [
    ("verify B-LT, 34 B file", vs - start, lim_small),
    ("  signature checks alone", vs - vs0, lim_small),
    ("verify B-LT, 10 MB file", vb - start, lim_big),
    ("  signature checks alone", vb - vb0, lim_big),
    ("sign B, PKCS#12 P-384 key", sign - start, lim_sign),
]
print(f"{'signatures (.edoc)':<28} {'epak/s':>8} {'ms':>7} {'OpenSSL/s':>10} {'ms':>7} {'ratio':>6}")
for name, t, lim in rows:
    print(f"{name:<28} {1 / t:8.0f} {t * 1e3:7.2f} {1 / lim:10.0f} {lim * 1e3:7.2f} {t / lim:6.2f}")
print(f"(epak: median of whole commands minus start-up {start * 1e3:.2f} ms (`epak version`);"
      f" 'alone': minus the same command on the container without its signature file"
      f" [{vs0 * 1e3:.2f} / {vb0 * 1e3:.2f} ms])")
print(f"(OpenSSL: openssl speed; P-384 verify {v384:.0f}/s, sign {s384:.0f}/s, P-256 verify {v256:.0f}/s,"
      f" SHA-256 {sha / 1e9:.2f} GB/s; limit = 5 P-384 + 2 P-256 verifications + SHA-256 of the data)")
print("(goal: verification within 2x of the limit; ratio = epak time / limit time)")
PY
echo "($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(openssl version | cut -d' ' -f1-2), $RUNS runs each in $ROUNDS rounds; other processes running: $busy_before before, $busy_after after)"
if awk -v a="$busy_before" -v b="$busy_after" -v n="$(nproc)" 'BEGIN {exit !(a > n - 1 || b > n - 1)}'; then
	echo "(warning: other work kept the cores busy; these figures are not reliable, run again on a quiet machine)"
fi
