"""`jupyter console --kernel=goparallel` in a pseudo-terminal, driven as a user
would type: a 4-engine cluster started with %ipcluster, %px output labelled per
engine, the parallel API (parallel.Connect, magics.Client, MapSync), the cluster
stopped, the console left, and no process of it left behind.

Run with: /usr/bin/python3 -m pytest -q notebooks/frontends/test_console_cluster.py
(CONSOLE_DEBUG=1 echoes the terminal.)
"""
import json
import os
import re
import sys

import pexpect

from frontend_procs import env_with, kill_marked, marked, new_mark, wait_gone

# prompt_toolkit colours the prompts: allow escape sequences between characters.
ESC = r"(?:\x1b\[[0-9;?]*[a-zA-Z])*"
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


def styled(text):
    """A regex matching text with terminal escapes anywhere in it."""
    return ESC.join(re.escape(ch) for ch in text)


def plain(text):
    return ANSI.sub("", text).replace("\r", "")


class Console:
    def __init__(self, env):
        self.child = pexpect.spawn("jupyter", ["console", "--kernel=goparallel"], env=env,
                                   encoding="utf-8", timeout=60, dimensions=(40, 200))
        if os.environ.get("CONSOLE_DEBUG"):
            self.child.logfile_read = sys.stdout
        self.n = 1
        self.child.expect(styled("In [1]"))

    def run(self, line, timeout=90):
        """Types line and Enter; returns what was shown up to the next prompt,
        without terminal escapes and without the echoed input."""
        self.child.send(line + "\r")
        self.n += 1
        self.child.expect(styled("In [%d]" % self.n), timeout=timeout)
        text = plain(self.child.before)
        # The echo of the input ends with the line itself; output follows it.
        i = text.rfind(line)
        return text[i + len(line):] if i >= 0 else text

    def exit(self):
        self.child.sendcontrol("d")
        if self.child.expect([pexpect.EOF, "really want to exit"]) == 1:
            self.child.send("y\r")
            self.child.expect(pexpect.EOF, timeout=30)
        self.child.wait()


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_console_cluster(tmp_path):
    gpdir = tmp_path / "goparallel"
    gpdir.mkdir()
    state = gpdir / "profile_default" / "pid" / "cluster.json"
    mark = new_mark()
    env = env_with(mark, TERM="xterm", COLUMNS="200", LINES="40", GOPARALLEL_DIR=str(gpdir))
    con = None
    try:
        con = Console(env)

        out = con.run("%ipcluster start -n 4")
        assert "Engines appear to have started successfully" in out, out
        assert "with 4 engines is ready" in out, out
        st = json.loads(state.read_text())
        cluster = [st["controller_pid"]] + st["engine_pids"]
        assert len(cluster) == 5 and all(alive(p) for p in cluster), st

        out = con.run('%px import "fmt"')
        assert "Error" not in out, out
        out = con.run('%px import "goparallel/engine"')
        assert "Error" not in out, out
        out = con.run('%px fmt.Println("Hello from engine", engine.ID(), "of", engine.Size())')
        lines = [l for l in out.split("\n") if l.startswith("[stdout:")]
        assert lines == ["[stdout:%d] Hello from engine %d of 4" % (i, i) for i in range(4)], out

        out = con.run('import "github.com/goparallel/goparallel/parallel"')
        assert "Error" not in out, out
        out = con.run("c, err := parallel.Connect()")
        assert "Error" not in out, out
        out = con.run("err == nil")
        assert re.search(r"Out\[\d+\]: true", out), out
        out = con.run("c.IDs()")
        assert re.search(r"Out\[\d+\]: \[\]int\{0, 1, 2, 3\}", out), out
        out = con.run('c.Slice(":").MapSync(func(x int) int { return x * x * x }, []int{0, 1, 2, 3, 4, 5, 6})')
        assert re.search(r"Out\[\d+\]: \[\]int\{0, 1, 8, 27, 64, 125, 216\}", out), out

        # The client the %px magics use is the same cluster's.
        out = con.run('import "github.com/goparallel/goparallel/parallel/magics"')
        assert "Error" not in out, out
        out = con.run("m, err := magics.Client()")
        assert "Error" not in out, out
        out = con.run('m.Slice("1:3").MapSync(func(s string) string { return s + s }, []string{"a", "b", "c"})')
        assert re.search(r'Out\[\d+\]: \[\]string\{"aa", "bb", "cc"\}', out), out

        out = con.run("c.Close()")
        assert "Error" not in out, out
        out = con.run("%ipcluster stop", timeout=60)
        assert "stopped" in out, out
        assert not [p for p in cluster if alive(p)], "cluster processes left after %ipcluster stop"
        assert not state.exists()

        con.exit()
        left = wait_gone(mark, 15)
        assert not left, "processes left after the console exited: %r" % left
    finally:
        if con is not None:
            con.child.close(force=True)
        kill_marked(mark)
