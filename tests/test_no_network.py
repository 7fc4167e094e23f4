"""Nothing in the pipeline touches the network or runs anything an input contains.

The inputs bait both: HTML that loads scripts, images, frames and style sheets
from remote hosts and refreshes to another URL, ``source_url`` fields, links
to local files, and text that is Python, shell and a pickle. Two checks:

- in this process, with ``socket`` disabled (every connection, name lookup and
  socket creation raises and is counted): the records come out whole, and
  nothing was tried;
- the command line in a subprocess (one worker, and a pool of two) under an
  audit hook installed in every Python process it starts (``sitecustomize``):
  it logs and refuses any internet socket, name lookup, URL request, program
  start (``subprocess``, ``os.system``, ``exec*``, ``posix_spawn``), any file
  opened by a name the input gave, and any code compiled, executed or
  unpickled from the input. The log must stay empty. A control run shows the
  hook does catch a connection.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import civic_extract
from civic_extract.pipeline import records
from civic_extract.readers import RawInput, iter_inputs

MARK = "civicbait7f3a"  # in every bait: a host name, a file name, a command
ART = "نظمت جمعية الأفق الأخضر قافلة طبية بمدينة وجدة يوم 3 ماي 2024 استفاد منها 300 مستفيد."
PAGE = f"""<!DOCTYPE html><html><head><title>قافلة طبية</title>
<meta http-equiv="refresh" content="0;url=http://{MARK}.example.com/next">
<link rel="stylesheet" href="https://{MARK}.example.com/s.css"><base href="http://{MARK}.example.com/">
<script src="http://{MARK}.example.com/a.js"></script>
<script>fetch('http://{MARK}.example.com/x'); new Image().src='//{MARK}.example.com/p.gif'</script>
</head><body><article><p>{ART}</p>
<img src="http://{MARK}.example.com/i.png" srcset="http://{MARK}.example.com/2.png 2x">
<iframe src="https://{MARK}.example.com/f"></iframe><object data="http://{MARK}.example.com/o.swf"></object>
<p><a href="file:///tmp/{MARK}_file.txt">رابط</a> {ART}</p>
<svg><image href="http://{MARK}.example.com/s.svg"/></svg>
<p>&xxe; <!-- <!ENTITY xxe SYSTEM "file:///etc/{MARK}"> --></p></article></body></html>"""
CODE = [
    f"__import__('os').system('touch /tmp/{MARK}_pwned')",
    f"$(touch /tmp/{MARK}_pwned) `touch /tmp/{MARK}_pwned`; rm -rf /tmp/{MARK}",
    "{{7*7}} ${7*7} <%= 7*7 %> {0.__class__}",
    f"=cmd|' /C calc'!A0 =HYPERLINK(\"http://{MARK}.example.com\")",
]
PICKLE = b"\x80\x04\x95\x1d\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94\x8c\x04true\x94\x85\x94R\x94."


def bait_inputs(folder: Path) -> list[str]:
    (folder / "page.html").write_text(PAGE, encoding="utf-8")
    lines = [{"id": "url", "text": ART, "source_url": f"http://{MARK}.example.com/story", "format": "text"},
             {"id": "html", "text": PAGE, "format": "html", "source_url": f"https://{MARK}.example.com/"}]
    lines += [{"id": f"code{i}", "text": f"{ART}\n{code}"} for i, code in enumerate(CODE)]
    (folder / "feed.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
                                       encoding="utf-8")
    (folder / "pickle.txt").write_bytes(ART.encode() + b"\n" + PICKLE.replace(b"\x00", b" "))
    return [str(folder)]


# ---------------------------------------------------------------- in this process, sockets disabled


class NoNetwork(RuntimeError):
    pass


@pytest.fixture
def no_sockets(monkeypatch, nlp):
    """Sockets disabled after one warm-up page, so what counts is processing, not import-time probes."""
    next(records(nlp, [RawInput(id="warm", source=None, text=f"<html><body><p>{ART}</p></body></html>", kind="html")]))
    tried: list[str] = []

    def refuse(name):
        def fn(*args, **kwargs):
            tried.append(f"{name}{args[:2]}")
            raise NoNetwork(f"{name} called")
        return fn

    class RefusedSocket(socket.socket):  # still a class: code may use socket.socket in annotations
        def __init__(self, *args, **kwargs):
            tried.append(f"socket{args[:2]}")
            raise NoNetwork("socket.socket called")

    monkeypatch.setattr(socket, "socket", RefusedSocket)
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr",
                 "create_server", "socketpair", "fromfd"):
        monkeypatch.setattr(socket, name, refuse(name))
    return tried


def test_pipeline_with_sockets_disabled(tmp_path, nlp, no_sockets):
    inputs = list(iter_inputs(bait_inputs(tmp_path)))
    inputs.append(RawInput(id="direct", source=None, text=PAGE, kind="html",
                           source_url=f"http://{MARK}.example.com/"))
    recs = [r.to_dict() for r in records(nlp, inputs)]
    assert [r["error"] for r in recs] == [None] * len(inputs)
    assert civic_extract.extract(PAGE).error is None
    assert no_sockets == []
    assert not list(Path("/tmp").glob(f"{MARK}*"))
    html = next(r for r in recs if r["id"] == "page")
    assert ART in html["text"] and MARK not in html["text"]  # scripts and remote references are not text


# ---------------------------------------------------------------- the command line under an audit hook

HOOK = textwrap.dedent('''
    """Installed in every Python process of the run (PYTHONPATH): logs and refuses what the test forbids."""
    import os, sys

    _LOG = os.environ["CIVIC_AUDIT_LOG"]
    _MARK = os.environ["CIVIC_AUDIT_MARK"]
    _NET = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo",
            "urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect"}
    _RUN = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile",
            "pty.spawn"}

    def _has_mark(args):
        try:
            return _MARK in repr(args)
        except Exception:
            return False

    def _hook(event, args):
        bad = None
        if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
            if isinstance(args[1], tuple):  # an internet address; a string is a Unix socket (the fork server)
                bad = f"{event} {args[1]!r}"
        elif event == "socket.bind":  # urllib3 binds ("::1", 0) on import to see whether IPv6 works
            if isinstance(args[1], tuple) and args[1][0] not in ("::1", "127.0.0.1", "localhost"):
                bad = f"{event} {args[1]!r}"
        elif event in _NET or event in _RUN:
            bad = f"{event} {args!r}"[:300]
        elif event in ("open", "os.listdir", "os.scandir", "compile", "exec", "pickle.find_class", "marshal.loads"):
            code = args[0] if event == "exec" else None
            if _has_mark((code.co_consts, code.co_names) if hasattr(code, "co_consts") else args):
                bad = f"{event} {args!r}"[:300]
        if bad:
            fd = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            os.write(fd, (f"{os.getpid()} {bad}\\n").encode("utf-8", "replace"))
            os.close(fd)
            raise RuntimeError(f"forbidden by the test: {bad}")

    sys.addaudithook(_hook)
''')


def run_audited(tmp_path: Path, args: list[str]) -> tuple[subprocess.CompletedProcess, str]:
    hook_dir, log = tmp_path / "hook", tmp_path / "audit.log"
    hook_dir.mkdir(exist_ok=True)
    (hook_dir / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    log.write_text("", encoding="utf-8")
    env = {**os.environ, "CIVIC_AUDIT_LOG": str(log), "CIVIC_AUDIT_MARK": MARK,
           "PYTHONPATH": os.pathsep.join([str(hook_dir), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, *args], env=env, capture_output=True, timeout=300)
    return proc, log.read_text(encoding="utf-8")


@pytest.mark.parametrize("code,event", [
    ("import socket; socket.create_connection(('192.0.2.1', 80), timeout=1)", "socket."),  # TEST-NET-1: never routed
    ("import sys; exec(open(sys.argv[1], encoding='utf-8').read())", "compile"),
    ("import subprocess; subprocess.run(['true'])", "subprocess.Popen"),
    ("import os; os.system('true')", "os.system"),
])
def test_the_audit_hook_catches_what_it_forbids(tmp_path, code, event):
    """Controls: without them an empty log could mean a hook that never ran."""
    bait = tmp_path / "input.txt"
    bait.write_text(CODE[0], encoding="utf-8")
    proc, log = run_audited(tmp_path, ["-c", code, str(bait)])
    assert proc.returncode != 0 and "forbidden by the test" in proc.stderr.decode()
    assert log.split()[1].startswith(event)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_command_line_touches_no_network_and_runs_nothing(tmp_path, workers):
    (tmp_path / "in").mkdir()
    specs = bait_inputs(tmp_path / "in")
    out = tmp_path / "out.jsonl"
    proc, log = run_audited(tmp_path, ["-m", "civic_extract.cli", "extract", *specs, "-o", str(out),
                                       "--also", str(tmp_path / "out.csv"), "-w", workers, "--chunk-size", "2"])
    assert log == "", log
    assert proc.returncode == 0, proc.stderr.decode()
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(recs) == 8 and all(r["error"] is None for r in recs)
    assert not list(Path("/tmp").glob(f"{MARK}*"))
