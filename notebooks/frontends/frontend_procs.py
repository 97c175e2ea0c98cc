"""Finding and ending every process a frontend test started.

Each test gives the processes it starts (jupyter console, the notebook server,
node) an environment variable with a value of its own, GOPARALLEL_FRONTEND_TEST.
Everything they start in turn (kernels, the controller and engines of a cluster,
Chromium and its helpers) inherits it, so reading /proc/PID/environ finds them
all, also the ones whose parent has gone. Only processes holding this test's
value are ever signalled.
"""
import os
import signal
import socket
import time
import uuid

MARK = "GOPARALLEL_FRONTEND_TEST"


def new_mark():
    return "%s=%s" % (MARK, uuid.uuid4().hex)


def env_with(mark, base=None, **extra):
    env = dict(os.environ if base is None else base, **extra)
    name, value = mark.split("=", 1)
    env[name] = value
    return env


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def marked(mark):
    """The live processes whose environment holds mark, as {pid: cmdline}."""
    want = mark.encode()
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        if pid == os.getpid():
            continue
        try:
            with open("/proc/%d/environ" % pid, "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if want in env and _alive(pid):
            found[pid] = cmdline(pid)
    return found


def wait_gone(mark, timeout):
    """Waits until no process holds mark; returns those left after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        left = marked(mark)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.2)


def kill_marked(mark, grace=5.0):
    """SIGTERM to every process holding mark, SIGKILL to those left after
    grace seconds. Returns what was found at first."""
    first = marked(mark)
    for pid in first:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    left = wait_gone(mark, grace)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    wait_gone(mark, 5)
    return first


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
