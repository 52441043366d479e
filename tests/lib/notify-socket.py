#!/usr/bin/env python3
# tests/lib/notify-socket.py PATH — a service manager's notify socket, as
# systemd opens it for a Type=notify service: binds an AF_UNIX datagram
# socket at PATH and prints each message it receives on one line (its
# assignments joined by "|"), flushed, until killed. The tests set
# NOTIFY_SOCKET=PATH for epak and read what it told the manager.
import os
import socket
import sys

path = sys.argv[1]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
print("listening", flush=True)
while True:
    msg = s.recv(65536).decode("utf-8", "replace")
    print("|".join(line for line in msg.split("\n") if line), flush=True)
