"""`jupyter console --kernel=goparallel` in a pseudo-terminal: a multi-line cell
typed line by line runs only when is_complete says it is complete."""
import os
import sys

import re

import pexpect

# prompt_toolkit colours the prompts: allow escape sequences between characters.
ESC = r"(?:\x1b\[[0-9;?]*[a-zA-Z])*"


def styled(text):
    """A regex matching text with terminal escapes anywhere in it."""
    return ESC.join(re.escape(ch) for ch in text)


def test_console_multiline_cell():
    env = dict(os.environ, TERM="xterm", COLUMNS="120", LINES="40")
    child = pexpect.spawn(
        "jupyter",
        ["console", "--kernel=goparallel"],
        env=env, encoding="utf-8", timeout=60, dimensions=(40, 120),
    )
    child.logfile_read = sys.stdout if os.environ.get("CONSOLE_DEBUG") else None
    try:
        child.expect(styled("In [1]"))
        child.send('import "fmt"\r')
        child.expect(styled("In [2]"))

        # An open brace is incomplete: Enter continues the cell instead of running it.
        child.send("for i := 0; i < 3; i++ {\r")
        child.expect(styled("...:"))
        child.send('fmt.Println("line", i*10)\r')
        child.expect(styled("...:"))
        child.send("}\r")
        child.expect("line 0")
        child.expect("line 10")
        child.expect("line 20")
        child.expect(styled("In [3]"))

        child.send("6 * 7\r")
        child.expect(styled("Out[3]:"))
        child.expect("42")
        child.expect(styled("In [4]"))
        child.sendcontrol("d")
        if child.expect([pexpect.EOF, "really want to exit"]) == 1:
            child.send("y\r")
            child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
