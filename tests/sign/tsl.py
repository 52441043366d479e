#!/usr/bin/env python3
"""tests/sign/tsl.py — builds an ETSI TS 119 612 trusted list for the tests
from the test PKI's certificates and signs it with Debian's xmlsec1 (an
enveloped XMLDSig: enveloped-signature + exclusive C14N, RSA or ECDSA with
SHA-256), as a supervisory body or the EU list of lists would.

    tsl.py --key K.key --cert K.crt --out LIST.xml < spec.json

spec.json:
    {"territory": "LV", "lotl": false, "next_update": "2031-01-01T00:00:00Z",
     "services": [{"tsp": "...", "name": "...", "type": "CA/QC",
                   "status": "granted", "start": "2020-01-01T00:00:00Z",
                   "cert": "inter.crt",
                   "history": [{"status": "granted", "start": "...", "cert": "..."}]}],
     "pointers": [{"territory": "LV", "certs": ["tsl-ms.crt"]}]}
next_update null leaves NextUpdate empty (a closed list); a status is the
last part of its URI (granted, withdrawn, undersupervision, ...), a type
the part after Svctype/ (CA/QC, TSA/QTST, ...).
"""
import argparse
import json
import subprocess
import sys
import tempfile
from xml.sax.saxutils import escape

NS = "http://uri.etsi.org/02231/v2#"
STATUS = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"
TYPE = "http://uri.etsi.org/TrstSvc/Svctype/"


def cert_b64(path):
    lines = open(path).read().split("\n")
    body = [l for l in lines if l and not l.startswith("-----")]
    return "".join(body)


def identity(certs, tag="ServiceDigitalIdentity"):
    ids = "".join(f"<DigitalId><X509Certificate>{cert_b64(c)}</X509Certificate></DigitalId>" for c in certs)
    return f"<{tag}>{ids}</{tag}>"


def entry(d, name):
    return (f"<ServiceTypeIdentifier>{TYPE}{d['type']}</ServiceTypeIdentifier>"
            f"<ServiceName><Name xml:lang=\"en\">{escape(name)}</Name></ServiceName>"
            + identity([d["cert"]]) +
            f"<ServiceStatus>{STATUS}{d['status']}</ServiceStatus>"
            f"<StatusStartingTime>{d['start']}</StatusStartingTime>")


def service(s):
    hist = ""
    if s.get("history"):
        inst = ""
        for h in s["history"]:
            h = dict(h)
            h.setdefault("type", s["type"])
            h.setdefault("cert", s["cert"])
            inst += f"<ServiceHistoryInstance>{entry(h, s['name'])}</ServiceHistoryInstance>"
        hist = f"<ServiceHistory>{inst}</ServiceHistory>"
    return f"<TSPService><ServiceInformation>{entry(s, s['name'])}</ServiceInformation>{hist}</TSPService>"


def pointer(p):
    sdis = "".join(identity([c]) for c in p["certs"])
    return ("<OtherTSLPointer><ServiceDigitalIdentities>" + sdis + "</ServiceDigitalIdentities>"
            f"<TSLLocation>https://tl.example.test/{p['territory']}.xml</TSLLocation>"
            "<AdditionalInformation><OtherInformation><TSLType>"
            "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric</TSLType></OtherInformation>"
            f"<OtherInformation><SchemeTerritory>{p['territory']}</SchemeTerritory></OtherInformation>"
            "</AdditionalInformation></OtherTSLPointer>")


def build(spec, sigmethod):
    lotl = spec.get("lotl", False)
    ttype = "EUlistofthelists" if lotl else "EUgeneric"
    nu = spec.get("next_update")
    nu_xml = f"<NextUpdate><dateTime>{nu}</dateTime></NextUpdate>" if nu else "<NextUpdate/>"
    ptrs = spec.get("pointers") or []
    ptr_xml = f"<PointersToOtherTSL>{''.join(pointer(p) for p in ptrs)}</PointersToOtherTSL>" if ptrs else ""
    tsps = {}
    for s in spec.get("services", []):
        tsps.setdefault(s["tsp"], []).append(s)
    tsp_xml = "".join(
        f"<TrustServiceProvider><TSPInformation><TSPName><Name xml:lang=\"en\">{escape(name)}</Name></TSPName>"
        f"</TSPInformation><TSPServices>{''.join(service(s) for s in svcs)}</TSPServices></TrustServiceProvider>"
        for name, svcs in tsps.items())
    tsp_list = f"<TrustServiceProviderList>{tsp_xml}</TrustServiceProviderList>" if tsp_xml else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<TrustServiceStatusList xmlns="{NS}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
            f'Id="tsl" TSLTag="http://uri.etsi.org/19612/TSLTag">'
            f"<SchemeInformation><TSLVersionIdentifier>5</TSLVersionIdentifier>"
            f"<TSLSequenceNumber>1</TSLSequenceNumber>"
            f"<TSLType>http://uri.etsi.org/TrstSvc/TrustedList/TSLType/{ttype}</TSLType>"
            f"<SchemeOperatorName><Name xml:lang=\"en\">epak test scheme operator</Name></SchemeOperatorName>"
            f"<SchemeTerritory>{spec.get('territory', 'LV')}</SchemeTerritory>"
            f"{ptr_xml}<ListIssueDateTime>2026-01-01T00:00:00Z</ListIssueDateTime>{nu_xml}"
            f"</SchemeInformation>{tsp_list}"
            '<ds:Signature Id="tsl-sig"><ds:SignedInfo>'
            '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
            f'<ds:SignatureMethod Algorithm="{sigmethod}"/>'
            '<ds:Reference URI=""><ds:Transforms>'
            '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
            '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
            '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
            "<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/>"
            "<ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>"
            "</TrustServiceStatusList>\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    spec = json.load(sys.stdin)
    key = open(a.key).read()
    sigmethod = ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" if "RSA" in key or len(key) > 1000
                 else "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256")
    with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as t:
        t.write(build(spec, sigmethod))
        tmpl = t.name
    subprocess.run(["xmlsec1", "--sign", "--privkey-pem", f"{a.key},{a.cert}", "--output", a.out, tmpl],
                   check=True)


if __name__ == "__main__":
    main()
