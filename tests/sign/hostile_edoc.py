#!/usr/bin/env python3
"""hostile_edoc.py OUT MIB NSIGS — writes the container of issue 8 point 1:
one data file of MIB MiB that deflates about 85 : 1 (under the ZIP-ratio
guard of 100), and one signature file holding NSIGS ds:Signature elements,
each referencing that file with its true SHA-256 digest (so a verifier must
hash it before it can tell the signature is fake). Used by
tests/e2e/verify-budget.test.js and by the before/after measurement."""
import base64
import hashlib
import os
import sys
import zipfile

out, mib, nsigs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

# 1 KiB of noise per 90 KiB: deflate cannot shrink the noise, so the ratio
# stays below 100 whatever the size.
rnd = os.urandom(1024)
block = rnd + bytes(90 * 1024)
data = (block * (mib * 1024 * 1024 // len(block) + 1))[: mib * 1024 * 1024]
digest = base64.b64encode(hashlib.sha256(data).digest()).decode()

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
sigs = []
for i in range(nsigs):
    sigs.append(f"""<ds:Signature Id="S{i}"><ds:SignedInfo>
<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2006/12/xml-c14n11"/>
<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>
<ds:Reference Id="R{i}" URI="big.bin"><ds:DigestMethod Algorithm="{SHA256}"/><ds:DigestValue>{digest}</ds:DigestValue></ds:Reference>
<ds:Reference Type="http://uri.etsi.org/01903#SignedProperties" URI="#SP{i}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2006/12/xml-c14n11"/></ds:Transforms><ds:DigestMethod Algorithm="{SHA256}"/><ds:DigestValue>{base64.b64encode(bytes(32)).decode()}</ds:DigestValue></ds:Reference>
</ds:SignedInfo><ds:SignatureValue>{base64.b64encode(bytes(64)).decode()}</ds:SignatureValue>
<ds:Object><xades:QualifyingProperties Target="#S{i}"><xades:SignedProperties Id="SP{i}"><xades:SignedSignatureProperties>
<xades:SigningTime>2026-01-01T00:00:00Z</xades:SigningTime><xades:SigningCertificate><xades:Cert><xades:CertDigest><ds:DigestMethod Algorithm="{SHA256}"/><ds:DigestValue>{base64.b64encode(bytes(32)).decode()}</ds:DigestValue></xades:CertDigest></xades:Cert></xades:SigningCertificate>
</xades:SignedSignatureProperties></xades:SignedProperties></xades:QualifyingProperties></ds:Object></ds:Signature>""")
xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<asic:XAdESSignatures xmlns:asic="http://uri.etsi.org/02918/v1.2.1#" '
       f'xmlns:ds="{DS}" xmlns:xades="{XADES}">' + "\n".join(sigs) + "</asic:XAdESSignatures>")
manifest = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.etsi.asic-e+zip"/>
<manifest:file-entry manifest:full-path="big.bin" manifest:media-type="application/octet-stream"/>
</manifest:manifest>
"""
with zipfile.ZipFile(out, "w") as z:
    z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.etsi.asic-e+zip", compress_type=zipfile.ZIP_STORED)
    z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    z.writestr("big.bin", data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    z.writestr("META-INF/signatures0.xml", xml, compress_type=zipfile.ZIP_DEFLATED)
