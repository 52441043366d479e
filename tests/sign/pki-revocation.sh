# tests/sign/pki-revocation.sh — the CRL part of the test PKI, sourced by
# pki.sh at the end of its setup (same shell: $dir, $base, ec384 and issue
# are pki.sh's; the working folder is $dir). Prints nothing on stdout.
#
# It adds to DIR:
#   rev.cnf             its own openssl configuration (root and second-CA databases)
#   crl-signer.*        LIENE KRŪMIŅA, issued by inter, a CRL distribution point
#                       ($base/crl/inter.crl) and no OCSP URL
#   crl-late.*          OTO VĒLAIS, the same kind, for a test to revoke after signing
#   crl-revoked.*       MIKUS ATSAUKTAIS, the same kind, revoked by inter (keyCompromise)
#   inter2.crt/.der     epak Test Revoked CA: issued by the root with a CRL
#                       distribution point ($base/crl/root.crl), then revoked by the root
#   i2-signer.*         SANDRA OTRĀ, issued by inter2, CRL distribution point
#                       ($base/crl/inter2.crl), no OCSP URL
#   root.crl            the root's CRL (lists inter2), DER, 30 days
#   inter.crl           inter's CRL (revoked, auth-revoked, crl-revoked), DER, 30 days
#   inter2.crl          inter2's CRL (empty), DER, 30 days
#   inter-indirect.crl  inter's CRL marked indirect (issuingDistributionPoint)
#   inter-delta.crl     inter's CRL marked as a delta CRL
#   inter-stale.crl     inter's CRL of January 2020 (nextUpdate 2020-02-01)
#   inter-forged.crl    a CRL naming inter as issuer, signed by another key
#   *.p12               PKCS#12 files of the signers above (chain included)
# The responder serves DIR/*.crl as $base/crl/NAME.crl.

cat >rev.cnf <<EOF
[ req ]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[ dn ]
[ any ]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
serialNumber = optional
givenName = optional
surname = optional
[ inter2_ext ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = caIssuers;URI:$base/ca/root.der
crlDistributionPoints = URI:$base/crl/root.crl
[ crlsigner_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = 1.3.6.1.4.1.99999.1.1, 0.4.0.194112.1.2
authorityInfoAccess = caIssuers;URI:$base/ca/inter.der
crlDistributionPoints = URI:$base/crl/inter.crl
[ i2signer_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = 1.3.6.1.4.1.99999.1.1, 0.4.0.194112.1.2
crlDistributionPoints = URI:$base/crl/inter2.crl
[ crl_ext ]
authorityKeyIdentifier = keyid
[ crl_indirect_ext ]
authorityKeyIdentifier = keyid
issuingDistributionPoint = critical, @idp
[ idp ]
fullname = URI:$base/crl/inter.crl
indirectCRL = TRUE
[ crl_delta_ext ]
authorityKeyIdentifier = keyid
2.5.29.27 = critical, DER:02:01:01
EOF
for ca in "root_ca rootdb 2000" "inter_ca inter 730" "inter2_ca inter2db 730"; do
	read -r sec sub days <<<"$ca"
	cat >>rev.cnf <<EOF
[ $sec ]
dir = $dir/$sub
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha384
default_days = $days
default_crl_days = 30
policy = any
unique_subject = no
copy_extensions = none
utf8 = yes
string_mask = utf8only
EOF
done

for d in rootdb inter2db; do
	mkdir -p "$d/newcerts"
	: >"$d/index.txt"
	echo 2000 >"$d/serial"
done

rev_ca() { # section cert key args...
	local sec=$1 crt=$2 key=$3
	shift 3
	openssl ca -batch -config rev.cnf -name "$sec" -cert "$crt" -keyfile "$key" "$@" 2>/dev/null
}
rev_issue() { # section cacert cakey name subject ext
	openssl req -new -config rev.cnf -key "$4.key" -subj "$5" -utf8 -out "$4.csr"
	rev_ca "$1" "$2" "$3" -extensions "$6" -notext -in "$4.csr" -out "$4.crt"
	openssl x509 -in "$4.crt" -outform der -out "$4.der"
}
rev_p12() { # name chain
	openssl pkcs12 -export -inkey "$1.key" -in "$1.crt" -certfile "$2" -name "$1" \
		-passout pass:test-pass -out "$1.p12"
}

# signers with a CRL distribution point and no OCSP URL, under inter
ec384 crl-signer.key
rev_issue inter_ca inter.crt inter.key crl-signer "/C=LV/serialNumber=PNOLV-090990-77777/GN=LIENE/SN=KRŪMIŅA/CN=LIENE KRŪMIŅA" crlsigner_ext
ec384 crl-revoked.key
rev_issue inter_ca inter.crt inter.key crl-revoked "/C=LV/serialNumber=PNOLV-101001-88888/GN=MIKUS/SN=ATSAUKTAIS/CN=MIKUS ATSAUKTAIS" crlsigner_ext
rev_ca inter_ca inter.crt inter.key -revoke crl-revoked.crt -crl_reason keyCompromise
rev_p12 crl-signer inter.crt
ec384 crl-late.key
rev_issue inter_ca inter.crt inter.key crl-late "/C=LV/serialNumber=PNOLV-121212-10101/GN=OTO/SN=VĒLAIS/CN=OTO VĒLAIS" crlsigner_ext
rev_p12 crl-late inter.crt
rev_p12 crl-revoked inter.crt

# a second intermediate, then its signer, then the root revokes it
ec384 inter2.key
rev_issue root_ca root.crt root.key inter2 "/C=LV/O=epak test/CN=epak Test Revoked CA" inter2_ext
ec384 i2-signer.key
rev_issue inter2_ca inter2.crt inter2.key i2-signer "/C=LV/serialNumber=PNOLV-111111-99999/GN=SANDRA/SN=OTRĀ/CN=SANDRA OTRĀ" i2signer_ext
rev_p12 i2-signer inter2.crt
rev_ca root_ca root.crt root.key -revoke inter2.crt -crl_reason keyCompromise

# the CRLs
rev_crl() { # section cacert cakey out args...
	local sec=$1 crt=$2 key=$3 out=$4
	shift 4
	rev_ca "$sec" "$crt" "$key" -gencrl -crlexts crl_ext -out "$out.pem" "$@"
	openssl crl -in "$out.pem" -outform der -out "$out"
	rm -f "$out.pem"
}
rev_crl root_ca root.crt root.key root.crl
rev_crl inter_ca inter.crt inter.key inter.crl
rev_crl inter2_ca inter2.crt inter2.key inter2.crl
rev_crl inter_ca inter.crt inter.key inter-indirect.crl -crlexts crl_indirect_ext
rev_crl inter_ca inter.crt inter.key inter-delta.crl -crlexts crl_delta_ext
rev_crl inter_ca inter.crt inter.key inter-stale.crl -crl_lastupdate 20200101000000Z -crl_nextupdate 20200201000000Z
ec384 impostor.key
openssl req -new -x509 -config rev.cnf -key impostor.key -sha384 -days 30 \
	-subj "/C=LV/O=epak test/CN=epak Test Qualified CA" -addext subjectKeyIdentifier=hash -out impostor.crt
rev_crl inter_ca impostor.crt impostor.key inter-forged.crl
