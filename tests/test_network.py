"""Nothing leaves the machine: `ingest`, `ask` and `serve` (one page load, one question) run as real
processes under strace, and every connect/sendto/sendmsg they make must go to loopback or a unix socket.
A DNS query (port 53, even to a local resolver) counts as leaving: it names the host being contacted.
Each run also gets an empty HOME, where no library may queue telemetry (onnxruntime did, in
~/.cache/Microsoft/DeveloperTools/.onnxruntime/)."""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import SEEDS, free_port

pytestmark = [pytest.mark.llm, pytest.mark.server]
STRACE = shutil.which("strace") or "/usr/bin/strace"
NEWSDESK = [sys.executable, "-m", "rag.cli"]
QUESTION = "Who is North Korea's ambassador to the United Nations?"


def _strace_works() -> bool:
    try:
        return subprocess.run([STRACE, "-o", os.devnull, "true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


needs_strace = pytest.mark.skipif(not _strace_works(), reason="strace is missing or ptrace is not allowed")

ADDRESS = re.compile(r"sa_family=(?P<family>AF_\w+)(?P<rest>[^}]*)")
INET = re.compile(r'(?:sin6?_port=htons\((?P<port>\d+)\)).*?(?:inet_addr\("(?P<v4>[^"]+)"\)|'
                  r'inet_pton\(AF_INET6, "(?P<v6>[^"]+)")')
# Local name-service daemons: a lookup through them is a DNS lookup too.
RESOLVER_SOCKETS = ("nscd", "systemd/resolve")


def outbound(trace: str) -> list[str]:
    """The strace lines (connect, sendto, sendmsg) that reach beyond this machine or make a DNS lookup."""
    found = []
    for line in trace.splitlines():
        if not re.search(r"\b(connect|sendto|sendmsg)\(", line):
            continue
        for m in ADDRESS.finditer(line):
            family, rest = m["family"], m["rest"]
            if family == "AF_UNIX":
                bad = any(s in rest for s in RESOLVER_SOCKETS)
            elif family in {"AF_INET", "AF_INET6"}:
                inet = INET.search(rest)
                if inet is None:
                    bad = True  # an address strace could not print: not known to be local
                else:
                    addr = ipaddress.ip_address(inet["v4"] or inet["v6"])
                    mapped = getattr(addr, "ipv4_mapped", None)
                    bad = int(inet["port"]) == 53 or not (addr.is_loopback or (mapped and mapped.is_loopback)
                                                          or addr.is_unspecified)
            else:
                bad = family not in {"AF_NETLINK", "AF_UNSPEC"}  # netlink: the kernel's own routing table
            if bad:
                found.append(line.strip())
    return found


def traced(cmd: list[str], trace: Path) -> list[str]:
    return [STRACE, "-f", "-qq", "-s", "128", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace), *cmd]


def stop(proc: subprocess.Popen) -> None:
    """Stop a traced command: SIGTERM to the traced process itself (strace, signalled, would detach and
    leave it running), then strace exits with it."""
    import signal

    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    for pid in (children.read_text().split() if children.exists() else []):
        os.kill(int(pid), signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def test_the_checker_flags_what_leaves_and_passes_what_stays():
    # Lines as strace printed them for `serve` before telemetry was turned off.
    dns = 'connect(17, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0'
    query = ('sendto(17, "\\317\\v\\1\\0\\0\\1\\0\\0\\0\\0\\0\\0\\6mobile\\6events\\4data"..., 50, MSG_NOSIGNAL, '
             'NULL, 0) = 50')
    local_dns = 'connect(3, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 0'
    v6 = ('connect(5, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
          'inet_pton(AF_INET6, "2603:1030::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH')
    ok = ['connect(9, {sa_family=AF_INET, sin_port=htons(7860), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
          'connect(4, {sa_family=AF_UNIX, sun_path="/tmp/x.sock"}, 110) = 0',
          'connect(6, {sa_family=AF_INET6, sin6_port=htons(8000), sin6_flowinfo=htonl(0), '
          'inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
          'sendto(3, [{nlmsg_len=20, nlmsg_type=RTM_GETADDR}], 20, 0, {sa_family=AF_NETLINK, nl_pid=0}, 12) = 20']
    assert outbound("\n".join([dns, query, local_dns, v6, *ok])) == [dns, local_dns, v6]


@needs_strace
def test_the_checker_catches_a_real_outbound_attempt(tmp_path):
    code = ("import socket\n"
            "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.connect(('8.8.8.8', 53)); u.send(b'x')\n"
            "t = socket.socket(); t.settimeout(0.2)\n"
            "try: t.connect(('192.0.2.1', 443))\n"
            "except OSError: pass\n"
            "lo = socket.socket(); lo.bind(('127.0.0.1', 0)); lo.listen()\n"
            "socket.create_connection(lo.getsockname()).close()\n")
    trace = tmp_path / "trace"
    subprocess.run(traced([sys.executable, "-c", code], trace), check=True, timeout=30)
    flagged = outbound(trace.read_text())
    assert len(flagged) == 2, flagged
    assert "8.8.8.8" in flagged[0] and "192.0.2.1" in flagged[1]


@needs_strace
def test_ingest_ask_and_serve_stay_on_the_machine(tmp_path):
    from gradio_client import Client

    from rag.config import Settings

    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "XDG_"))}
    # The ONNX export stays where it was built; everything else a library writes lands in the empty HOME.
    env |= {"HOME": str(home), "NEWSDESK_DATA_DIR": str(tmp_path / "store"),
            "NEWSDESK_CACHE_DIR": str(Settings(_env_file=None).cache_dir)}
    ingest = subprocess.run(traced([*NEWSDESK, "ingest", str(SEEDS)], tmp_path / "ingest.trace"), env=env,
                            capture_output=True, text=True, timeout=120)
    assert ingest.returncode == 0, ingest.stderr
    port = free_port()
    serve = subprocess.Popen(traced([*NEWSDESK, "serve", "--port", str(port)], tmp_path / "serve.trace"), env=env,
                             stdout=subprocess.DEVNULL, stderr=open(tmp_path / "serve.log", "w"))  # noqa: SIM115
    try:
        ask = subprocess.run(traced([*NEWSDESK, "ask", "--json", QUESTION], tmp_path / "ask.trace"), env=env,
                             capture_output=True, text=True, timeout=120)
        assert ask.returncode == 0 and "Ja Song Nam" in ask.stdout, ask.stderr
        url = f"http://127.0.0.1:{port}/"
        deadline = time.time() + 90
        while True:
            try:
                page = urllib.request.urlopen(url, timeout=2).read().decode()
                break
            except OSError:
                assert serve.poll() is None and time.time() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.5)
        assert "newsdesk" in page
        from test_ui import ask as ui_ask

        _, message, _ = ui_ask(Client(url, verbose=False), QUESTION)
        assert "Ja Song Nam" in message
    finally:
        stop(serve)
    leaks = {name: outbound((tmp_path / f"{name}.trace").read_text()) for name in ("ingest", "ask", "serve")}
    assert leaks == {"ingest": [], "ask": [], "serve": []}
    queued = [str(p.relative_to(home)) for p in home.rglob("*") if "Microsoft" in p.parts or "telemetry" in p.name]
    assert queued == []
