#!/usr/bin/python3
"""tests/mail/smtpd.py: a small SMTP server for epak's mail tests.

Built on Debian's python3-aiosmtpd. It listens on 127.0.0.1, prints
"READY <port>" on stdout once it accepts connections, and stores every
message it accepts in --dir as two files:

    NNNN.eml   the message exactly as received (after SMTP dot-unstuffing)
    NNNN.json  what Python's own e-mail parser (email.policy.default) reads
               in it: decoded subject, headers, text body, attachments with
               their decoded file names and bytes (base64), parser defects;
               plus the envelope, whether TLS was in use and who logged in

The .json file appears last (written aside, then renamed), so a reader that
sees it can read both.

Behaviour the tests need:
    --rule ADDR=CODE[:COUNT]   answer RCPT TO:<ADDR> with CODE (e.g. 451, 550)
                               COUNT times (0 or absent: always), then accept;
                               CODE "hang" never answers (for timeouts)
    --data-reply CODE[:COUNT]  the same for the end of DATA, after the whole
                               message has arrived (nothing is stored then)
    --tls-cert/--tls-key       offer STARTTLS with this certificate
    --require-starttls         refuse mail before STARTTLS
    --implicit-tls             TLS from the first byte (smtps://)
    --auth USER:PASSWORD       require AUTH (PLAIN or LOGIN, over TLS only)
    --port N                   listen on N (default: a free port)

    smtpd.py --parse FILE      print the JSON summary of a message file and
                               exit (the same parser, without SMTP)
"""
import argparse
import asyncio
import base64
import email
import email.policy
import json
import os
import signal
import ssl
import sys

# Debian's package; the tests run /usr/bin/python3 so a private Python
# elsewhere on PATH cannot hide it.
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def summary(raw):
    """What an independent MIME implementation reads in raw (bytes)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    defects = []
    for part in msg.walk():
        defects += [type(d).__name__ for d in part.defects]
        for name, value in part.items():
            defects += ["%s: %s" % (name, type(d).__name__) for d in getattr(value, "defects", ())]
    body = msg.get_body(preferencelist=("plain",))
    atts = []
    for part in msg.iter_attachments():
        atts.append({
            "filename": part.get_filename(),
            "content_type": part.get_content_type(),
            "transfer_encoding": part.get("Content-Transfer-Encoding", ""),
            "data": base64.b64encode(part.get_payload(decode=True) or b"").decode("ascii"),
        })
    lines = raw.split(b"\r\n")
    return {
        "subject": str(msg.get("Subject", "")),
        "from": str(msg.get("From", "")),
        "to": str(msg.get("To", "")),
        "reply_to": str(msg.get("Reply-To", "")),
        "message_id": str(msg.get("Message-ID", "")),
        "date": str(msg.get("Date", "")),
        "content_type": msg.get_content_type(),
        # as a mail program shows it: lines end in "\n"
        "text": body.get_content().replace("\r\n", "\n") if body is not None else None,
        "text_charset": body.get_content_charset() if body is not None else None,
        "attachments": atts,
        "defects": defects,
        "max_line": max(len(x) for x in lines),
        "bare_lf": b"\n" in raw.replace(b"\r\n", b""),
        "eight_bit": any(b > 127 for b in raw),
        "size": len(raw),
    }


class Handler:
    def __init__(self, folder, rules, data_reply):
        self.folder = folder
        self.rules = rules  # address -> [code, count]
        self.data_reply = data_reply  # [code, count] or None
        self.data_seen = 0
        self.seen = {}
        self.seq = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        rule = self.rules.get(address.lower())
        if rule is not None:
            code, count = rule
            n = self.seen.get(address.lower(), 0)
            if count == 0 or n < count:
                self.seen[address.lower()] = n + 1
                if code == "hang":
                    await asyncio.sleep(3600)
                text = "4.2.0 try again later" if code.startswith("4") else "5.1.1 no such mailbox <%s>" % address
                return "%s %s" % (code, text)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply is not None:
            code, count = self.data_reply
            if count == 0 or self.data_seen < count:
                self.data_seen += 1
                if code == "hang":
                    await asyncio.sleep(3600)
                return "%s %s" % (code, "4.3.0 try again later" if code.startswith("4") else "5.7.1 content refused")
        self.seq += 1
        base = os.path.join(self.folder, "%04d" % self.seq)
        raw = envelope.original_content
        info = summary(raw)
        info["mail_from"] = envelope.mail_from
        info["rcpt_tos"] = envelope.rcpt_tos
        info["tls"] = server.transport.get_extra_info("ssl_object") is not None
        info["login"] = session.auth_data.login.decode() if session.authenticated and session.auth_data else None
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        with open(base + ".tmp", "w", encoding="utf-8") as f:
            json.dump(info, f, ensure_ascii=False)
        os.rename(base + ".tmp", base + ".json")
        return "250 2.0.0 queued as %04d" % self.seq


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--rule", action="append", default=[])
    ap.add_argument("--data-reply")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--require-starttls", action="store_true")
    ap.add_argument("--implicit-tls", action="store_true")
    ap.add_argument("--auth")
    ap.add_argument("--parse")
    a = ap.parse_args()

    if a.parse:
        with open(a.parse, "rb") as f:
            json.dump(summary(f.read()), sys.stdout, ensure_ascii=False)
        return

    rules = {}
    for r in a.rule:
        addr, _, spec = r.rpartition("=")
        code, _, count = spec.partition(":")
        rules[addr.lower()] = [code, int(count or 0)]

    ctx = None
    if a.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)

    kw = {"hostname": "smtp.test", "data_size_limit": 64 << 20, "timeout": 30}
    if a.auth:
        user, _, password = a.auth.partition(":")

        def check(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
                  and auth_data.password.decode() == password)
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

        kw.update(authenticator=check, auth_required=True, auth_require_tls=True)
    if ctx is not None and not a.implicit_tls:
        kw.update(tls_context=ctx, require_starttls=a.require_starttls)
    if a.implicit_tls:
        # TLS from the first byte: aiosmtpd sees a TLS transport and may
        # let AUTH through without STARTTLS.
        kw["auth_require_tls"] = False

    data_reply = None
    if a.data_reply:
        code, _, count = a.data_reply.partition(":")
        data_reply = [code, int(count or 0)]

    handler = Handler(a.dir, rules, data_reply)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, loop=loop, **kw), "127.0.0.1", a.port,
        ssl=ctx if a.implicit_tls else None))
    port = server.sockets[0].getsockname()[1]
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    print("READY %d" % port, flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
