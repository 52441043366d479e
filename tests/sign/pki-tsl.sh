#!/bin/bash
# tests/sign/pki-tsl.sh — the trusted-list signers for the trusted-list tests,
# made with the openssl CLI at test time (no key is committed). Run by
# tests/unit/test_sign_tsl.c after tests/sign/pki.sh, in the same folder:
#
#   pki-tsl.sh DIR
#
# DIR then also holds (each .key with its self-signed .crt):
#   tsl-sb.*      "epak Test Supervisory Body", RSA 2048: signs the national list
#   tsl-other.*   the same name with another key (P-256): a list it signs is refused
#   tsl-lotl.*    "epak Test LOTL Signer", P-256: signs the EU list of lists
#   tsl-ms.*      "epak Test Member State TL", P-256: signs the member state's
#                 list, named only by the list of lists' pointer
set -euo pipefail

dir=${1:?usage: pki-tsl.sh DIR}
cd "$dir"

selfsigned() { # name subject keyargs...
	local name=$1 subj=$2
	shift 2
	openssl genpkey "$@" -out "$name.key" 2>/dev/null
	openssl req -new -x509 -key "$name.key" -subj "$subj" -days 3000 -sha256 \
		-addext "keyUsage=critical,digitalSignature" -out "$name.crt"
}

selfsigned tsl-sb "/C=LV/O=epak test/CN=epak Test Supervisory Body" -algorithm RSA -pkeyopt rsa_keygen_bits:2048
selfsigned tsl-other "/C=LV/O=epak test/CN=epak Test Supervisory Body" -algorithm EC -pkeyopt ec_paramgen_curve:P-256
selfsigned tsl-lotl "/C=EU/O=epak test/CN=epak Test LOTL Signer" -algorithm EC -pkeyopt ec_paramgen_curve:P-256
selfsigned tsl-ms "/C=LV/O=epak test/CN=epak Test Member State TL" -algorithm EC -pkeyopt ec_paramgen_curve:P-256
