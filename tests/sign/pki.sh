#!/bin/bash
# tests/sign/pki.sh — a throw-away test PKI for the signature tests, made with
# the openssl CLI at test time (no private key is ever committed).
#
#   pki.sh setup DIR [PARENT_PID]   make everything below in DIR, start the
#                                   responder, print the port
#   pki.sh stop DIR                 stop the responder
#
# DIR then holds:
#   root.crt          epak Test Root CA (P-384)
#   inter.crt         epak Test Qualified CA (P-384), issues the signers
#   signer-ec.*       ANNA BĒRZIŅA, PNOLV-010190-12345, P-384, nonRepudiation, QC statements
#   signer-rsa.*      JĀNIS OZOLS, PNOLV-020280-54321, RSA 2048
#   revoked.*         a signer whose certificate is revoked
#   auth-ec.*         an authentication certificate (digitalSignature only)
#   auth-rsa.*        JĀNIS OZOLS's authentication certificate, RSA 2048
#   auth-revoked.*    PĒTERIS KALNIŅŠ's authentication certificate, revoked
#   auth-expired.*    an authentication certificate valid 2020-2021 only
#   auth-ee.*         an Estonian one (PNOEE-38001085718), no extended key usage
#   auth-foreign.*    an authentication certificate issued by other-root
#   auth-unknown.*    issued by the intermediate outside its database: OCSP "unknown"
#   auth-ekuonly.*    clientAuth extended key usage, no key usage extension
#   auth-email.*      digitalSignature, but extended key usage emailProtection only
#   ocsp.crt/.key     the OCSP responder, authorized by the intermediate
#   tsa.crt/.key      the time-stamping unit, issued by the root
#   other-root.crt    a root nobody trusts
#   *.p12             PKCS#12 files (password "test-pass", chain included)
#   softhsm2.conf     SoftHSM2 with tokens "epak-ec" (signer-ec, auth-ec)
#                     and "epak-rsa" (signer-rsa, auth-rsa); user PIN 1234
#   port              the responder's port on 127.0.0.1: /ocsp /tsa /ca/*.der
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SOFTHSM_MODULE=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 setup|stop DIR [PARENT_PID]" >&2; exit 2; }

stop() {
	if [ -f "$dir/responder.pid" ]; then
		pid=$(cat "$dir/responder.pid")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
		rm -f "$dir/responder.pid"
	fi
}

if [ "$cmd" = stop ]; then
	stop
	exit 0
fi
[ "$cmd" = setup ] || { echo "unknown command $cmd" >&2; exit 2; }

parent=${3:-$PPID}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
cd "$dir"

# the responder first: it picks its port, the certificates name it
python3 "$HERE/responder.py" --dir "$dir" --parent "$parent" --lifetime 900 \
	>"$dir/responder.out" 2>&1 </dev/null &
echo $! >"$dir/responder.pid"
for _ in $(seq 100); do [ -s port ] && break; sleep 0.05; done
[ -s port ] || { echo "responder did not start" >&2; cat responder.out >&2; exit 1; }
port=$(cat port)
base="http://127.0.0.1:$port"

QC="DER:30:29:30:08:06:06:04:00:8E:46:01:01:30:08:06:06:04:00:8E:46:01:04:30:13:06:06:04:00:8E:46:01:06:30:09:06:07:04:00:8E:46:01:06:01"

cat >openssl.cnf <<EOF
[ req ]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[ dn ]
[ ca ]
default_ca = inter_ca
[ inter_ca ]
dir = $dir/inter
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha384
default_days = 730
policy = any
unique_subject = no
copy_extensions = none
utf8 = yes
string_mask = utf8only
[ any ]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
serialNumber = optional
givenName = optional
surname = optional
[ root_ext ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ inter_ext ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = caIssuers;URI:$base/ca/root.der
[ signer_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = 1.3.6.1.4.1.99999.1.1, 0.4.0.194112.1.2
authorityInfoAccess = OCSP;URI:$base/ocsp, caIssuers;URI:$base/ca/inter.der
1.3.6.1.5.5.7.1.3 = $QC
[ auth_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:$base/ocsp, caIssuers;URI:$base/ca/inter.der
[ auth_noeku_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyAgreement
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:$base/ocsp, caIssuers;URI:$base/ca/inter.der
[ auth_ekuonly_ext ]
basicConstraints = critical, CA:false
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:$base/ocsp, caIssuers;URI:$base/ca/inter.der
[ auth_email_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:$base/ocsp, caIssuers;URI:$base/ca/inter.der
[ ocsp_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, OCSPSigning
noCheck = null
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ tsa_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

ec384() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1" 2>/dev/null; }
ec256() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# root and other-root: self-signed
ec384 root.key
openssl req -new -x509 -config openssl.cnf -key root.key -sha384 -days 3650 \
	-subj "/C=LV/O=epak test/CN=epak Test Root CA" -extensions root_ext -out root.crt
ec384 other-root.key
openssl req -new -x509 -config openssl.cnf -key other-root.key -sha384 -days 3650 \
	-subj "/C=LV/O=elsewhere/CN=Untrusted Root CA" -extensions root_ext -out other-root.crt

# the intermediate, signed by the root
ec384 inter.key
openssl req -new -config openssl.cnf -key inter.key \
	-subj "/C=LV/O=epak test/CN=epak Test Qualified CA" -out inter.csr
openssl x509 -req -in inter.csr -CA root.crt -CAkey root.key -CAcreateserial -sha384 \
	-days 3000 -extfile openssl.cnf -extensions inter_ext -out inter.crt 2>/dev/null
openssl x509 -in root.crt -outform der -out root.der
openssl x509 -in inter.crt -outform der -out inter.der
mkdir -p inter/newcerts
: >inter/index.txt
echo 1000 >inter/serial

issue() { # name subject ext
	openssl req -new -config openssl.cnf -key "$1.key" -subj "$2" -utf8 -out "$1.csr"
	openssl ca -batch -config openssl.cnf -extensions "$3" -in "$1.csr" -out "$1.crt" \
		-notext -cert inter.crt -keyfile inter.key 2>/dev/null
}

ec384 signer-ec.key
issue signer-ec "/C=LV/serialNumber=PNOLV-010190-12345/GN=ANNA/SN=BĒRZIŅA/CN=ANNA BĒRZIŅA" signer_ext
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out signer-rsa.key 2>/dev/null
issue signer-rsa "/C=LV/serialNumber=PNOLV-020280-54321/GN=JĀNIS/SN=OZOLS/CN=JĀNIS OZOLS" signer_ext
ec384 revoked.key
issue revoked "/C=LV/serialNumber=PNOLV-030370-11111/GN=PĒTERIS/SN=KALNIŅŠ/CN=PĒTERIS KALNIŅŠ" signer_ext
ec384 auth-ec.key
issue auth-ec "/C=LV/serialNumber=PNOLV-010190-12345/GN=ANNA/SN=BĒRZIŅA/CN=ANNA BĒRZIŅA" auth_ext
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out auth-rsa.key 2>/dev/null
issue auth-rsa "/C=LV/serialNumber=PNOLV-020280-54321/GN=JĀNIS/SN=OZOLS/CN=JĀNIS OZOLS" auth_ext
ec384 auth-revoked.key
issue auth-revoked "/C=LV/serialNumber=PNOLV-030370-11111/GN=PĒTERIS/SN=KALNIŅŠ/CN=PĒTERIS KALNIŅŠ" auth_ext
ec384 auth-ee.key
issue auth-ee "/C=EE/serialNumber=PNOEE-38001085718/GN=JAAK-KRISTJAN/SN=JÕEORG/CN=JÕEORG,JAAK-KRISTJAN,38001085718" auth_noeku_ext
ec384 auth-expired.key
openssl req -new -config openssl.cnf -key auth-expired.key -utf8 -out auth-expired.csr \
	-subj "/C=LV/serialNumber=PNOLV-040460-22222/GN=LAURA/SN=LIEPA/CN=LAURA LIEPA"
openssl ca -batch -config openssl.cnf -extensions auth_ext -in auth-expired.csr -out auth-expired.crt \
	-notext -cert inter.crt -keyfile inter.key -startdate 20200101000000Z -enddate 20210101000000Z 2>/dev/null
ec384 auth-foreign.key
openssl req -new -config openssl.cnf -key auth-foreign.key -utf8 -out auth-foreign.csr \
	-subj "/C=LV/serialNumber=PNOLV-050550-33333/GN=MĀRIS/SN=SVEŠAIS/CN=MĀRIS SVEŠAIS"
openssl x509 -req -in auth-foreign.csr -CA other-root.crt -CAkey other-root.key -CAcreateserial -sha384 \
	-days 700 -extfile openssl.cnf -extensions auth_ext -out auth-foreign.crt 2>/dev/null
ec384 auth-ekuonly.key
issue auth-ekuonly "/C=LV/serialNumber=PNOLV-070770-55555/GN=EDGARS/SN=KALVE/CN=EDGARS KALVE" auth_ekuonly_ext
ec384 auth-email.key
issue auth-email "/C=LV/serialNumber=PNOLV-080880-66666/GN=ILZE/SN=PASTA/CN=ILZE PASTA" auth_email_ext
ec384 auth-unknown.key
openssl req -new -config openssl.cnf -key auth-unknown.key -utf8 -out auth-unknown.csr \
	-subj "/C=LV/serialNumber=PNOLV-060660-44444/GN=INTA/SN=NEZINĀMĀ/CN=INTA NEZINĀMĀ"
openssl x509 -req -in auth-unknown.csr -CA inter.crt -CAkey inter.key -set_serial 0x7777 -sha384 \
	-days 700 -extfile openssl.cnf -extensions auth_ext -out auth-unknown.crt 2>/dev/null
ec256 ocsp.key
issue ocsp "/C=LV/O=epak test/CN=epak Test OCSP Responder" ocsp_ext
openssl ca -batch -config openssl.cnf -revoke revoked.crt -crl_reason keyCompromise \
	-cert inter.crt -keyfile inter.key 2>/dev/null
openssl ca -batch -config openssl.cnf -revoke auth-revoked.crt -crl_reason keyCompromise \
	-cert inter.crt -keyfile inter.key 2>/dev/null

# the TSA, signed by the root
ec256 tsa.key
openssl req -new -config openssl.cnf -key tsa.key -subj "/C=LV/O=epak test/CN=epak Test TSA" \
	-out tsa.csr
openssl x509 -req -in tsa.csr -CA root.crt -CAkey root.key -CAserial root.srl -sha384 \
	-days 3000 -extfile openssl.cnf -extensions tsa_ext -out tsa.crt 2>/dev/null
echo 01 >tsaserial
cat >tsa.cnf <<EOF
[ tsa ]
default_tsa = tsa1
[ tsa1 ]
dir = $dir
serial = \$dir/tsaserial
crypto_device = builtin
signer_cert = \$dir/tsa.crt
certs = \$dir/tsa.crt
signer_key = \$dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.2.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOF

for n in signer-ec signer-rsa revoked auth-ec auth-rsa auth-revoked auth-expired auth-ee auth-foreign auth-unknown; do
	ca=inter.crt
	[ "$n" = auth-foreign ] && ca=other-root.crt
	openssl pkcs12 -export -inkey "$n.key" -in "$n.crt" -certfile "$ca" -name "$n" \
		-passout pass:test-pass -out "$n.p12"
	openssl x509 -in "$n.crt" -outform der -out "$n.der"
	openssl pkcs8 -topk8 -nocrypt -in "$n.key" -out "$n.p8"
done

# SoftHSM2 tokens
mkdir -p tokens
cat >softhsm2.conf <<EOF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
export SOFTHSM2_CONF=$dir/softhsm2.conf
softhsm2-util --init-token --free --label epak-ec --pin 1234 --so-pin 12345678 >/dev/null
softhsm2-util --init-token --free --label epak-rsa --pin 1234 --so-pin 12345678 >/dev/null
put() { # token id label name
	softhsm2-util --import "$4.p8" --token "$1" --id "$2" --label "$3" --pin 1234 >/dev/null
	pkcs11-tool --module "$SOFTHSM_MODULE" --token-label "$1" --login --pin 1234 \
		--write-object "$4.der" --type cert --id "$2" --label "$3" >/dev/null
}
put epak-ec 02 auth auth-ec
put epak-ec 01 sign signer-ec
put epak-rsa 01 sign signer-rsa
put epak-rsa 02 auth auth-rsa
. "$HERE/pki-lta.sh"
echo "$port"
. "$HERE/pki-revocation.sh"
