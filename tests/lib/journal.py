#!/usr/bin/env python3
# tests/lib/journal.py — a stand-in for systemd-journald's native socket, for
# tests/e2e/logging.test.js. Run inside `unshare --mount` (a private tmpfs
# on /run/systemd): binds /run/systemd/journal/socket, starts the command
# with stderr on a file and JOURNAL_STREAM naming that file's device and
# inode (as systemd does for a service whose output goes to the journal),
# and writes each datagram received, decoded from the native protocol
# (https://systemd.io/JOURNAL_NATIVE_PROTOCOL/), as one JSON object per
# line to OUT. Usage: journal.py OUT STDERR -- COMMAND...
import json
import os
import signal
import socket
import struct
import subprocess
import sys


def decode(data):
    fields = {}
    i = 0
    while i < len(data):
        nl = data.index(b'\n', i)
        line = data[i:nl]
        if b'=' in line:
            k, v = line.split(b'=', 1)
            i = nl + 1
        else:  # KEY\n<little-endian 64-bit length><value>\n
            k = line
            n = struct.unpack('<Q', data[nl + 1:nl + 9])[0]
            v = data[nl + 9:nl + 9 + n]
            assert data[nl + 9 + n:nl + 10 + n] == b'\n', 'binary field not closed'
            i = nl + 10 + n
        fields[k.decode()] = v.decode('utf-8', 'replace')
    return fields


def main():
    out, err, cmd = sys.argv[1], sys.argv[2], sys.argv[4:]
    os.makedirs('/run/systemd/journal', exist_ok=True)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind('/run/systemd/journal/socket')
    ef = open(err, 'ab')
    st = os.fstat(ef.fileno())
    env = dict(os.environ, JOURNAL_STREAM=f'{st.st_dev}:{st.st_ino}')
    child = subprocess.Popen(cmd, stderr=ef, stdout=subprocess.DEVNULL, env=env)
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    s.settimeout(0.2)
    with open(out, 'a', buffering=1) as f:
        while True:
            try:
                data, _ = s.recvfrom(1 << 20)
                f.write(json.dumps(decode(data), ensure_ascii=False) + '\n')
            except socket.timeout:
                pass
            except InterruptedError:
                pass
            if child.poll() is not None:
                break
    sys.exit(child.returncode)


main()
