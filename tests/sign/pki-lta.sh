# tests/sign/pki-lta.sh — the archive time-stamp part of the test PKI, sourced
# by pki.sh at the end of its setup (same shell, same variables: $dir, $HERE,
# $parent, the openssl.cnf and root.* it made; current folder $dir).
#
# It makes, in $dir/lta/:
#   tsa.crt/.key   "epak Test Archive TSA", issued by the root, valid 3600
#                  days: it outlives the signers (730), the OCSP responder
#                  (730), the intermediate (3000) and the signature TSA (3000),
#                  as an archive's renewing TSA does
#   tsa.cnf        its `openssl ts -reply` configuration
#   port           the port of a second responder.py serving it at /tsa
#                  (stopped with the test process, or after 15 minutes)
# and in $dir/lta2/ the same for "epak Test Archive TSA 2", issued by
# "epak Test TSA CA" (ca.crt, issued by the root), whose token carries only
# the TSA's own certificate: its CA must come from the container
# (xadesv141:TimeStampValidationData).
mkdir -p lta lta2
ec256 lta2/ca.key
openssl req -new -config openssl.cnf -key lta2/ca.key -subj "/C=LV/O=epak test/CN=epak Test TSA CA" \
	-out lta2/ca.csr
openssl x509 -req -in lta2/ca.csr -CA root.crt -CAkey root.key -CAserial root.srl -sha384 \
	-days 3600 -extfile openssl.cnf -extensions inter_ext -out lta2/ca.crt 2>/dev/null
echo 01 >lta2/ca.srl
ec256 lta2/tsa.key
openssl req -new -config openssl.cnf -key lta2/tsa.key -subj "/C=LV/O=epak test/CN=epak Test Archive TSA 2" \
	-out lta2/tsa.csr
openssl x509 -req -in lta2/tsa.csr -CA lta2/ca.crt -CAkey lta2/ca.key -CAserial lta2/ca.srl -sha384 \
	-days 3600 -extfile openssl.cnf -extensions tsa_ext -out lta2/tsa.crt 2>/dev/null
echo 01 >lta2/tsaserial
sed -e "s#^dir = .*#dir = $dir/lta2#" tsa.cnf >lta2/tsa.cnf
ec256 lta/tsa.key
openssl req -new -config openssl.cnf -key lta/tsa.key -subj "/C=LV/O=epak test/CN=epak Test Archive TSA" \
	-out lta/tsa.csr
openssl x509 -req -in lta/tsa.csr -CA root.crt -CAkey root.key -CAserial root.srl -sha384 \
	-days 3600 -extfile openssl.cnf -extensions tsa_ext -out lta/tsa.crt 2>/dev/null
echo 01 >lta/tsaserial
sed -e "s#^dir = .*#dir = $dir/lta#" tsa.cnf >lta/tsa.cnf
for d in lta lta2; do
	python3 "$HERE/responder.py" --dir "$dir/$d" --parent "$parent" --lifetime 900 \
		>"$dir/$d/responder.out" 2>&1 </dev/null &
	echo $! >"$dir/$d/responder.pid"
	for _ in $(seq 100); do [ -s $d/port ] && break; sleep 0.05; done
	[ -s $d/port ] || { echo "archive TSA responder did not start" >&2; cat $d/responder.out >&2; exit 1; }
done
