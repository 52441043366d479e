#!/usr/bin/env python3
# tests/lib/socket-holder.py -- COMMAND... — holds a listening TCP socket
# the way systemd's epak.socket does and passes it to each process it
# starts, exactly as systemd's socket activation does: as descriptor 3,
# with LISTEN_FDS=1, LISTEN_FDNAMES=http and LISTEN_PID set to that
# process's own pid. While no process runs, connections wait in the
# socket's backlog. Prints "port N" once listening; then reads commands on
# stdin, one a line:
#   start LOGFILE   start COMMAND (stderr to LOGFILE); prints "started PID"
#   stop            SIGTERM the running process and wait; prints "exited PID CODE MS"
#   quit            stop (if running) and end
import os
import signal
import socket
import subprocess
import sys
import time

cmd = sys.argv[sys.argv.index("--") + 1:]
lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsock.bind(("127.0.0.1", 0))
lsock.listen(4096)
fd = lsock.fileno()
print("port", lsock.getsockname()[1], flush=True)

child = None


def to_fd3():
    os.dup2(fd, 3)


def stop():
    global child
    if child is None:
        return
    t0 = time.monotonic()
    child.send_signal(signal.SIGTERM)
    code = child.wait()
    print("exited", child.pid, code, int((time.monotonic() - t0) * 1000), flush=True)
    child = None


for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    if words[0] == "start":
        env = dict(os.environ, LISTEN_FDS="1", LISTEN_FDNAMES="http")
        env.pop("LISTEN_PID", None)
        with open(words[1], "ab") as log:
            # sh sets LISTEN_PID to its own pid, then becomes the command
            child = subprocess.Popen(["sh", "-c", 'LISTEN_PID=$$ exec "$@"', "sh"] + cmd, env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                                     preexec_fn=to_fd3, pass_fds=(3,))
        print("started", child.pid, flush=True)
    elif words[0] == "stop":
        stop()
    elif words[0] == "quit":
        break
stop()
