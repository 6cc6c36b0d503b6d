"""How `gqlws` prints, with and without a terminal, against the running demo server.

Without a terminal (pipes) results are one compact JSON line each and `load` writes nothing but its
report. With a terminal (a pseudo-terminal from the `pty` module) results are indented and coloured,
unless NO_COLOR is set or --compact is given, and `load` shows a live progress line on standard error
unless --quiet.
"""

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time

from conftest import gqlws_binary

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
KEY = "\x1b[1;34m"
STRING = "\x1b[32m"
NUMBER = "\x1b[36m"
BOOLEAN = "\x1b[33m"
NULL = "\x1b[35m"
RESET = "\x1b[0m"


def run(arguments, *, stdout_terminal=False, stderr_terminal=False, env=None, columns=None, timeout=60):
    """Runs gqlws with standard output and/or standard error on a pseudo-terminal (the others on
    pipes; `columns` sets the terminals' width); returns (exit status, stdout, stderr) as text, with
    the terminal's \\r\\n made \\n on standard output."""
    environment = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    environment.update(env or {})
    terminals = {}
    streams = {}
    for name, wanted in (("stdout", stdout_terminal), ("stderr", stderr_terminal)):
        if wanted:
            terminals[name] = pty.openpty()
            if columns:
                fcntl.ioctl(terminals[name][1], termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
            streams[name] = terminals[name][1]
        else:
            streams[name] = subprocess.PIPE
    process = subprocess.Popen(
        [str(gqlws_binary()), *arguments],
        stdin=subprocess.DEVNULL,
        stdout=streams["stdout"],
        stderr=streams["stderr"],
        env=environment,
    )
    readers = {}
    for name in ("stdout", "stderr"):
        if name in terminals:
            os.close(terminals[name][1])
            readers[terminals[name][0]] = name
        else:
            readers[getattr(process, name).fileno()] = name
    output = {"stdout": b"", "stderr": b""}
    deadline = time.monotonic() + timeout
    try:
        while readers:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"gqlws did not finish within {timeout} s: {output}"
            ready, _, _ = select.select(list(readers), [], [], remaining)
            for descriptor in ready:
                try:
                    chunk = os.read(descriptor, 65536)
                except OSError:  # EIO: the terminal's other side is closed
                    chunk = b""
                if chunk:
                    output[readers[descriptor]] += chunk
                else:
                    del readers[descriptor]
        status = process.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for master, _ in terminals.values():
            os.close(master)
    stdout = output["stdout"].decode()
    if stdout_terminal:
        stdout = stdout.replace("\r\n", "\n")
    return status, stdout, output["stderr"].decode()


COUNTER = ["--query", "subscription { counter(n: 100000, delayMs: 5) }", "--count", "2"]


def indented_counter(value: int) -> str:
    return f'{{\n  "data": {{\n    "counter": {value}\n  }}\n}}\n'


def test_subscribe_without_a_terminal_prints_one_compact_line_per_result(server_url):
    status, stdout, stderr = run(["subscribe", server_url, *COUNTER])
    assert status == 0, stderr
    assert stdout == '{"data":{"counter":0}}\n{"data":{"counter":1}}\n'
    assert stderr == ""


def test_subscribe_on_a_terminal_prints_indented_coloured_json(server_url):
    status, stdout, stderr = run(["subscribe", server_url, *COUNTER], stdout_terminal=True)
    assert status == 0, stderr
    assert ANSI.sub("", stdout) == indented_counter(0) + indented_counter(1)
    assert f'{KEY}"data"{RESET}: {{' in stdout
    assert f'{KEY}"counter"{RESET}: {NUMBER}1{RESET}' in stdout


def test_no_color_keeps_the_indentation_without_colour(server_url):
    status, stdout, stderr = run(["subscribe", server_url, *COUNTER], stdout_terminal=True, env={"NO_COLOR": "1"})
    assert status == 0, stderr
    assert stdout == indented_counter(0) + indented_counter(1)


def test_compact_on_a_terminal_prints_one_coloured_line_per_result(server_url):
    status, stdout, stderr = run(["subscribe", server_url, *COUNTER, "--compact"], stdout_terminal=True)
    assert status == 0, stderr
    assert ANSI.sub("", stdout) == '{"data":{"counter":0}}\n{"data":{"counter":1}}\n'
    assert "\x1b[" in stdout


def test_pretty_indents_without_a_terminal_and_without_colour(server_url):
    status, stdout, stderr = run(["subscribe", server_url, *COUNTER, "--pretty"])
    assert status == 0, stderr
    assert stdout == indented_counter(0) + indented_counter(1)


def test_pretty_and_compact_together_are_a_usage_error(server_url):
    status, stdout, stderr = run(["subscribe", server_url, *COUNTER, "--pretty", "--compact"])
    assert status == 2
    assert "--pretty and --compact" in stderr


QUERY = '{ __type(name: "Query") { name description fields { name isDeprecated } } }'


def test_query_colours_strings_booleans_and_null_on_a_terminal(server_url):
    status, stdout, stderr = run(["query", server_url, "--query", QUERY], stdout_terminal=True)
    assert status == 0, stderr
    assert f'{KEY}"name"{RESET}: {STRING}"Query"{RESET}' in stdout
    assert f'{KEY}"description"{RESET}: {NULL}null{RESET}' in stdout
    assert f'{KEY}"isDeprecated"{RESET}: {BOOLEAN}false{RESET}' in stdout
    plain = ANSI.sub("", stdout)
    assert plain.startswith('{\n  "data": {\n    "__type": {\n')
    assert plain.endswith("}\n")
    # Indented, the text is still the same JSON as without a terminal.
    _, piped, _ = run(["query", server_url, "--query", QUERY])
    assert json.loads(plain) == json.loads(piped)


def test_query_without_a_terminal_prints_one_line(server_url):
    status, stdout, stderr = run(["query", server_url, "--query", '{ hello(name: "x") add(a: 1, b: 2) }'])
    assert status == 0, stderr
    assert stdout == '{"data":{"add":3,"hello":"Hello x"}}\n'


LOAD = ["--query", "subscription { counter(n: 1000000, delayMs: 20) }", "--connections", "3", "--duration", "3.5"]
PROGRESS = re.compile(r"\rconnections (\d+)/3 up \| (\d+) results/s \| (\d+) results \| (\d+) errors? \| (\d+)/3\.5 s\x1b\[K")


def check_report(stdout: str) -> dict:
    assert stdout.count("\n") == 1 and "\r" not in stdout and "\x1b" not in stdout, stdout
    report = json.loads(stdout)
    assert set(report) == {"connections", "results", "elapsedSeconds", "secondsToAck", "secondsToFirstResult"}
    assert report["connections"]["connected"] == 3
    assert report["results"]["total"] > 0
    return report


def test_load_shows_a_live_progress_line_on_a_terminal(server_url):
    status, stdout, stderr = run(["load", server_url, *LOAD], stderr_terminal=True)
    assert status == 0, stderr
    report = check_report(stdout)
    updates = PROGRESS.findall(stderr)
    # One at the start and about one a second after it.
    assert len(updates) >= 3, repr(stderr)
    assert PROGRESS.sub("", stderr) == "\r\x1b[K", repr(stderr)  # nothing else; erased at the end
    totals = [int(update[2]) for update in updates]
    assert totals == sorted(totals)
    assert totals[-1] <= report["results"]["total"]
    # While the run is under way all three connections are up and results flow.
    running = [update for update in updates[1:] if update[0] == "3"]
    assert running, updates
    assert any(int(update[1]) > 0 for update in running), updates
    assert all(update[3] == "0" for update in updates)


def test_load_with_quiet_shows_no_progress_on_a_terminal(server_url):
    status, stdout, stderr = run(["load", server_url, *LOAD, "--quiet"], stderr_terminal=True)
    assert status == 0, stderr
    check_report(stdout)
    assert stderr == ""


def test_load_without_a_terminal_prints_only_its_report(server_url):
    status, stdout, stderr = run(["load", server_url, *LOAD])
    assert status == 0, stderr
    check_report(stdout)
    assert stderr == ""



def test_the_progress_line_fits_a_narrow_terminal(server_url):
    # A line longer than the terminal would wrap, and \r could not rewrite it: it is cut instead.
    status, stdout, stderr = run(["load", server_url, *LOAD], stderr_terminal=True, columns=40)
    assert status == 0, stderr
    check_report(stdout)
    lines = [line.removesuffix("\x1b[K") for line in stderr.split("\r") if line]
    assert len(lines) >= 3, repr(stderr)
    assert all(len(line) == 39 for line in lines[:-1]), lines
    assert lines[0] == "connections 0/3 up | 0 results/s | 0 re"
    assert lines[-1] == "" and stderr.endswith("\r\x1b[K")  # erased at the end
