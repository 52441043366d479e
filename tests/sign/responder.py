#!/usr/bin/env python3
"""responder.py -- the test PKI's network services on 127.0.0.1 (stdlib only).

  POST /ocsp          an OCSP responder: `openssl ocsp` answers from the
                      intermediate CA's index.txt, signed by the responder key
  POST /tsa           an RFC 3161 time-stamp authority: `openssl ts -reply`
  GET  /ca/NAME.der   CA certificates, for the AIA caIssuers URLs
  GET  /crl/NAME.crl  the CRLs DIR/NAME.crl (made by pki-revocation.sh), for
                      the CRL distribution points; /crl/slow.crl answers
                      after 30 s, /crl/big.crl is 9 MiB (for the fetch bounds)

Listens on a free port and writes it to DIR/port. Exits on SIGTERM, when the
process given by --parent is gone, or after --lifetime seconds, so that a
crashed test run leaves nothing behind.
"""
import argparse
import http.server
import os
import subprocess
import sys
import tempfile
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--parent", type=int, default=0)
    ap.add_argument("--lifetime", type=int, default=600)
    args = ap.parse_args()
    pki = os.path.abspath(args.dir)

    def run_openssl(cmd, body):
        with tempfile.TemporaryDirectory(dir=pki) as tmp:
            req = os.path.join(tmp, "req")
            out = os.path.join(tmp, "out")
            with open(req, "wb") as f:
                f.write(body)
            cmd = [c.replace("@REQ@", req).replace("@OUT@", out) for c in cmd]
            r = subprocess.run(cmd, capture_output=True, timeout=20)
            if r.returncode != 0 or not os.path.exists(out):
                sys.stderr.write(r.stderr.decode(errors="replace"))
                return None
            with open(out, "rb") as f:
                return f.read()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, fmt, *a):
            with open(os.path.join(pki, "responder.log"), "a") as f:
                f.write("%s %s\n" % (time.strftime("%H:%M:%S"), fmt % a))

        def reply(self, code, ctype, body):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            name = self.path.rsplit("/", 1)[-1]
            if self.path.startswith("/ca/") and name in ("root.der", "inter.der"):
                with open(os.path.join(pki, name), "rb") as f:
                    self.reply(200, "application/pkix-cert", f.read())
            elif self.path == "/crl/slow.crl":
                time.sleep(30)
                self.reply(200, "application/pkix-crl", b"0")
            elif self.path == "/crl/big.crl":
                self.reply(200, "application/pkix-crl", b"\x30" * (9 << 20))
            elif (self.path.startswith("/crl/") and name.endswith(".crl") and "/" not in name[:-4]
                  and not name.startswith(".") and os.path.isfile(os.path.join(pki, name))):
                with open(os.path.join(pki, name), "rb") as f:
                    self.reply(200, "application/pkix-crl", f.read())
            else:
                self.reply(404, "text/plain", b"not found\n")

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            if n <= 0 or n > 65536:
                self.reply(400, "text/plain", b"bad request\n")
                return
            body = self.rfile.read(n)
            if self.path == "/ocsp":
                out = run_openssl(["openssl", "ocsp", "-index", os.path.join(pki, "inter", "index.txt"),
                                   "-CA", os.path.join(pki, "inter.crt"),
                                   "-rsigner", os.path.join(pki, "ocsp.crt"),
                                   "-rkey", os.path.join(pki, "ocsp.key"),
                                   "-reqin", "@REQ@", "-respout", "@OUT@", "-ndays", "1"], body)
                ctype = "application/ocsp-response"
            elif self.path == "/tsa":
                out = run_openssl(["openssl", "ts", "-reply", "-config", os.path.join(pki, "tsa.cnf"),
                                   "-queryfile", "@REQ@", "-out", "@OUT@"], body)
                ctype = "application/timestamp-reply"
            else:
                out = None
                ctype = ""
            if out is None:
                self.reply(500, "text/plain", b"failed\n")
            else:
                self.reply(200, ctype, out)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_file = os.path.join(pki, "port")
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(port_file + ".tmp", port_file)

    def watchdog():
        start = time.time()
        while True:
            time.sleep(0.5)
            if time.time() - start > args.lifetime:
                os._exit(0)
            if args.parent:
                try:
                    os.kill(args.parent, 0)
                except OSError:
                    os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
