#!/usr/bin/env python3
"""Resource attacks against the release `reward-server`, one figure and one verdict per case.

    swift build -c release --product reward-server
    python3 Scripts/attack.py [--binary .build/release/reward-server] [--quick]

Every case starts its own server (`serve --model DIR --port 0 --host 127.0.0.1`; the port comes from
the "listening" log line on stderr), attacks it over 127.0.0.1 only, measures it, and stops it. The
server's memory is VmRSS/VmHWM from /proc/PID/status, its CPU time utime+stime from /proc/PID/stat,
its open connections the sockets in /proc/PID/fd. At the end a table gives each case's figure, the
bound this script holds it to, and PASS/FAIL; the exit status is 1 when any case fails.

Cases (the bounds are the constants below):
  1  one connection pipelines GET /openapi.json without reading (then: reading 16 KB every 5 s)
  2  4 MB hostile texts through the uncased tokenizer; /health while two run; CPU after a disconnect
  3  4,100 idle keep-alive connections, then 20 fresh clients
  4  150 unfinished 4 MB uploads without the API key, then 150 with it; gzip; wrong key + Expect
  5  bert-base: a request over max_request_tokens, then a small request behind a large one
  6  half-closed clients (shutdown(SHUT_WR) after the request, like `nc -N`)
  7  config.json with num_hidden_layers = 100000 and 1000000 (`reward-server score`)
  8  X-Request-Id uniqueness; `reward-server score` reading [valid, blank, valid] from stdin
Models: Tests/Fixtures/models/tiny-v2-uncased-bin (lower-cases, strips accents) for everything but
case 5, which serves the random bert-base model of Scripts/attack_model.py (made on first use,
~2 minutes, into .cache/attack/; not counted in the run times below).
Run time: under ~6 minutes, under ~2 with --quick (shorter pipelining, holds and time limits); a
case that fails by timing out costs its time limit at most. `--case N` (repeatable) runs only case N.
The script raises its own RLIMIT_NOFILE soft limit to the hard one (case 3 holds 4,100+ sockets).
Figures that depend on the machine (seconds, latencies, CPU time) are noisy on shared cores.
"""
from __future__ import annotations

import argparse
import collections
import fcntl
import http.client
import json
import os
import re
import resource
import selectors
import shutil
import signal
import socket
import struct
import statistics
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "Scripts"))
import attack_model  # noqa: E402

HOST = "127.0.0.1"
TINY = REPO / "Tests" / "Fixtures" / "models" / "tiny-v2-uncased-bin"
MB = 1024 * 1024
KB = 1024
MAX_BODY = 4 * MB  # the server's default --max-body-bytes
SERVER_THREADS = 2  # engine threads: the development machine's core count

# Bounds, one per figure.
PIPELINE_RSS_MB = 64           # case 1: RSS growth while a client pipelines without reading
TOKENIZE_SECONDS = 5           # case 2: one 4 MB body, end to end (was 13.8 s / 78 s for 0.8 / 0.64 MB)
HEALTH_MS = 250                # case 2: worst /health latency during two 4 MB bodies (goal 100 ms;
                               #         250 allows for scheduler noise on 2 shared cores)
DISCONNECT_CPU_SECONDS = 3     # case 2: server CPU in the 3 s after a client left
IDLE_CLIENTS = 20              # case 3: fresh clients that must all get 200
UNAUTH_RSS_MB = 64             # case 4: RSS growth with 150 keyless uploads held
AUTH_RSS_MB = 150              # case 4: RSS growth with 150 keyed uploads held
CONFIG_SECONDS = 2             # case 7: time to refuse an absurd config
CONFIG_RSS_MB = 200            # case 7: peak RSS while refusing it
CONFIG_MESSAGE_BYTES = 4 * KB  # case 7: length of the error message
REQUEST_IDS = 1000             # case 8: generated ids that must all differ

# Sizes and times of the attacks.
PIPELINE_SECONDS = 20          # case 1 (10 with --quick)
SLOW_READ_BYTES = 16 * KB      # case 1: the slow reader takes this much ...
SLOW_READ_EVERY = 5            # ... every this many seconds
HEALTH_POLL_EVERY = 0.05       # case 2: seconds between /health probes
AFTER_DISCONNECT = 3           # case 2: seconds of server CPU counted after the disconnect
IDLE_CONNECTIONS = 4100        # case 3: more than the cap of 4096 the server runs with
CONNECTION_CAP = 4096          # case 3: --max-connections
UPLOADS = 150                  # case 4: connections per upload attack
UPLOAD_LENGTH = 4 * MB         # case 4: the Content-Length each announces (= the body limit)
UNAUTH_SENT = 1 * MB           # case 4: body bytes each keyless upload sends before it holds
AUTH_SENT = 64 * KB            # case 4: body bytes each keyed upload sends before it holds
HOLD_SECONDS = 3               # case 4: how long uploads are held while RSS is watched (1 with --quick)
BUFFER_BUDGET = 64 * MB        # case 4: the server's default --max-buffered-bytes
API_KEY = "secret"
MAX_INPUT_TOKENS = 512         # case 5: the model's longest input; long pairs truncate to this
SMALL_DELAY = 0.2              # case 5: seconds between the large request and the small one
ABSURD_LAYERS = (100_000, 1_000_000)  # case 7
CHILD_TIMEOUT = 30             # case 5/8: seconds before a CLI run is killed
PATIENCE = 3                   # a timed attack is given up at this many times its bound (1.5 with
                               # --quick); the figure is then "more than", and the case fails
RSS_SAMPLE_EVERY = 0.05        # seconds between VmRSS samples while a case runs

FRENCH = (
    "À l'été, près de la forêt où s'élève l'église, les élèves déjà âgés répètent leçons et "
    "poèmes : « Ça dépend », dit-il, « où êtes-vous allés hier soir ? » Le cœur léger, la sœur "
    "aînée prépare crêpes, pâté et gâteau à la crème brûlée ; l'hôtel, très agréable, donne sur "
    "un théâtre bondé. Déçus par l'opéra, ils préfèrent les musées éclairés, les cafés où l'on "
    "débat d'idées et les fenêtres ouvertes sur la mer. Noël approche : même les frères, "
    "réveillés tôt, goûtent la bûche et évoquent les châteaux de Bretagne, île après île. ")
CJK = "人工智能奖励模型在中央处理器上评分服务日本語漢字東京大学中国北京"
PUNCTUATION = "!?.,;:-()[]{}…«»¿¡—–·•‰§¶†‡"
HOSTILE = {  # the unit each body repeats
    "é x N": "é",
    "a+U+0301+U+0316 x N": "a\u0301\u0316",
    "French prose": FRENCH,
    "CJK": CJK,
    "one ASCII word": "a",
    "punctuation": PUNCTUATION,
}
LONG_TEXT = " ".join(["the quick brown fox jumps over the lazy dog near the river bank"] * 40)  # 520 words

# ---------------------------------------------------------------------------------------------
# Results


class Results:
    def __init__(self):
        self.rows: list[tuple[str, str, str, bool]] = []

    def add(self, case: str, figure: str, bound: str, ok: bool, detail: str = "") -> None:
        """One table row; `detail` is printed with the progress lines only."""
        self.rows.append((case, figure, bound, ok))
        say(f"    {case}: {figure}  [{bound}]  {'PASS' if ok else 'FAIL'}")
        if detail:
            say(f"      {detail}")

    def table(self) -> str:
        header = ("case", "figure", "bound", "verdict")
        rows = [header] + [(c, f, b, "PASS" if ok else "FAIL") for c, f, b, ok in self.rows]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        lines = []
        for n, row in enumerate(rows):
            lines.append("  ".join(row[i].ljust(widths[i]) for i in range(3)) + "  " + row[3])
            if n == 0:
                lines.append("  ".join("-" * w for w in widths) + "  -------")
        return "\n".join(lines)

    @property
    def failed(self) -> list[str]:
        return [case for case, _, _, ok in self.rows if not ok]


def say(text: str) -> None:
    print(text, flush=True)


# ---------------------------------------------------------------------------------------------
# The server under attack


class Server:
    """One `serve` process: spawned, ready (GET /ready 200), measured through /proc, stopped."""

    def __init__(self, binary: str, model: Path, *flags: str):
        self.log = collections.deque(maxlen=200)  # the last log lines, for error reports
        self.port = None
        self.port_known = threading.Event()
        # --drain-timeout 2: stopping must not wait 25 s for connections an attack left open.
        command = [binary, "serve", "--model", str(model), "--port", "0", "--host", HOST,
                   "--threads", str(SERVER_THREADS), "--drain-timeout", "2", *flags]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True, errors="replace")
        self.pid = self.process.pid
        threading.Thread(target=self._read_log, daemon=True).start()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _read_log(self) -> None:
        for line in self.process.stderr:
            self.log.append(line.rstrip("\n"))
            # The bound port is on the "listening" line (the configuration line shows port=0).
            match = re.search(r"\bport=(\d+)\b", line) if "listening" in line else None
            if match and self.port is None:
                self.port = int(match.group(1))
                self.port_known.set()
        self.port_known.set()  # the process ended

    def _wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        if not self.port_known.wait(timeout) or self.port is None:
            raise RuntimeError("server exited before listening:\n" + "\n".join(self.log))
        while time.monotonic() < deadline:
            try:
                if get(self.port, "/ready", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError("server not ready in time:\n" + "\n".join(self.log))

    def memory_mb(self) -> dict[str, float]:
        """VmRSS and VmHWM in MB."""
        values = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0]) / 1024
        return values

    def reset_peak(self) -> bool:
        """Resets VmHWM to the current RSS (Linux: write 5 to clear_refs)."""
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            return True
        except OSError:
            return False

    def cpu_seconds(self) -> float:
        """utime + stime."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()  # fields from the third (state) on
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def open_sockets(self) -> int:
        """Sockets the process holds, the listener excluded."""
        count = 0
        for fd in os.listdir(f"/proc/{self.pid}/fd"):
            try:
                count += os.readlink(f"/proc/{self.pid}/fd/{fd}").startswith("socket:")
            except OSError:
                pass  # closed meanwhile
        return count - 1

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class RSSWatch:
    """Baseline VmRSS at entry; the highest RSS seen until exit (sampled, and VmHWM when it could be
    reset at entry). `growth` = that peak minus the baseline, in MB."""

    def __init__(self, server: Server):
        self.server = server

    def __enter__(self):
        self.baseline = self.server.memory_mb()["VmRSS"]
        self.hwm_reset = self.server.reset_peak()
        self.peak = self.baseline
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while not self.stopping.wait(RSS_SAMPLE_EVERY):
            try:
                self.peak = max(self.peak, self.server.memory_mb()["VmRSS"])
            except OSError:
                return

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join()
        try:
            memory = self.server.memory_mb()
            self.peak = max(self.peak, memory["VmRSS"], memory["VmHWM"] if self.hwm_reset else 0)
        except OSError:
            pass

    @property
    def growth(self) -> float:
        return self.peak - self.baseline


# ---------------------------------------------------------------------------------------------
# HTTP helpers


def get(port: int, path: str, timeout: float = 10):
    """(status, headers, body) of one GET on a new connection."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def post_json(port: int, path: str, body: bytes, timeout: float):
    """(status, body) of one POST on a new connection; raises TimeoutError when it takes too long."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def read_one_response(sock: socket.socket, timeout: float) -> tuple[int, bytes]:
    """Reads one response with a Content-Length body from a blocking socket: (status, body)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a whole response head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    length = int(match.group(1)) if match else 0
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside a response body")
        body += chunk
    return status, body


def read_until_closed(sock: socket.socket, timeout: float) -> bytes:
    """Everything the server sends until it closes (or the time is up)."""
    deadline = time.monotonic() + timeout
    data = b""
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ConnectionError):
            break
        if not chunk:
            break
        data += chunk
    return data


def statuses(raw: bytes) -> list[int]:
    """The status codes of the responses (interim ones too) in a raw byte stream, in order."""
    return [int(code) for code in re.findall(rb"HTTP/1\.[01] (\d{3}) ", raw)]


def unacked_bytes(sock: socket.socket) -> int:
    """Bytes in the socket's send queue the peer has not acknowledged yet (Linux SIOCOUTQ)."""
    return int.from_bytes(fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"), sys.byteorder, signed=True)


def score_body(prompt: str, response: str = "x") -> bytes:
    return json.dumps({"prompt": prompt, "response": response}, ensure_ascii=False).encode()


def body_under_limit(unit: str) -> bytes:
    """{"prompt": unit * n, "response": "x"} with n as large as keeps the body under MAX_BODY."""
    frame = len(score_body(""))
    unit_bytes = len(score_body(unit)) - frame  # the unit as the JSON encoder writes it
    return score_body(unit * ((MAX_BODY - frame) // unit_bytes))


def upload_head(length: int, key: str | None = None, expect: bool = False, extra: str = "") -> bytes:
    lines = ["POST /score HTTP/1.1", "Host: x", "Content-Type: application/json", f"Content-Length: {length}"]
    if key is not None:
        lines.append(f"Authorization: Bearer {key}")
    if expect:
        lines.append("Expect: 100-continue")
    if extra:
        lines.append(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def drive(connections: list[dict], seconds: float) -> None:
    """Sends each connection's `out` bytes and collects what comes back in `got`, all at once,
    for `seconds`; a connection the server closes stops there (`closed`)."""
    selector = selectors.DefaultSelector()
    for c in connections:
        c["sock"].setblocking(False)
        selector.register(c["sock"], selectors.EVENT_READ | (selectors.EVENT_WRITE if c["out"] else 0), c)
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0 and selector.get_map():
        for key, events in selector.select(min(left, 0.1)):
            c = key.data
            try:
                if events & selectors.EVENT_READ:
                    chunk = c["sock"].recv(65536)
                    if not chunk:
                        raise ConnectionError("closed")
                    c["got"] += chunk
                if events & selectors.EVENT_WRITE and c["out"]:
                    sent = c["sock"].send(c["out"])
                    c["out"] = c["out"][sent:]
                    c["sent"] += sent
                    if not c["out"]:
                        selector.modify(c["sock"], selectors.EVENT_READ, c)
            except BlockingIOError:
                pass
            except OSError:
                c["closed"] = True
                selector.unregister(c["sock"])
    selector.close()


def open_uploads(port: int, count: int, head: bytes, body_bytes: int) -> list[dict]:
    connections = []
    for _ in range(count):
        sock = socket.create_connection((HOST, port), timeout=10)
        connections.append({"sock": sock, "out": memoryview(head + b"a" * body_bytes), "got": b"",
                            "sent": 0, "closed": False})
    return connections


def close_all(sockets) -> None:
    for sock in sockets:
        try:
            sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------------------------------------
# Case 1


PIPELINED = b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n"


def pipeline(port: int, seconds: float, read_every: float | None) -> dict:
    """One connection writes PIPELINED back to back for `seconds`, never reading (or reading
    SLOW_READ_BYTES every `read_every` s). `acked`: request bytes the server's kernel acknowledged
    (what the client's kernel took minus what still waits in its send queue)."""
    request = PIPELINED
    batch = request * 256  # ~10 KB per send call
    sock = socket.create_connection((HOST, port))
    sock.setblocking(False)
    pending = memoryview(b"")
    accepted = received = 0
    dropped = False
    start = time.monotonic()
    next_read = start + (read_every or 0)
    while time.monotonic() - start < seconds:
        if not pending:
            pending = memoryview(batch)
        try:
            sent = sock.send(pending)
            accepted += sent
            pending = pending[sent:]
        except BlockingIOError:
            time.sleep(0.01)  # the server stopped reading; try again shortly
        except OSError:
            dropped = True
            break
        if read_every and time.monotonic() >= next_read:
            next_read += read_every
            want = SLOW_READ_BYTES
            while want > 0:
                try:
                    chunk = sock.recv(want)
                except BlockingIOError:
                    break
                except OSError:
                    dropped = True
                    break
                if not chunk:
                    dropped = True
                    break
                received += len(chunk)
                want -= len(chunk)
    unacked = 0 if dropped else unacked_bytes(sock)
    sock.close()
    return {"accepted": accepted, "acked": accepted - unacked, "received": received, "dropped": dropped}


def case_pipelining(binary: str, quick: bool, results: Results) -> None:
    say("[1] pipelining without reading")
    seconds = PIPELINE_SECONDS // 2 if quick else PIPELINE_SECONDS
    with Server(binary, TINY) as server:
        for label, read_every in (("never reads", None), (f"reads 16 KB / {SLOW_READ_EVERY} s", SLOW_READ_EVERY)):
            with RSSWatch(server) as watch:
                outcome = pipeline(server.port, seconds, read_every)
            detail = (f"{seconds} s; the server's kernel took {outcome['acked'] / MB:.2f} MB of requests "
                      f"(~{outcome['acked'] // len(PIPELINED)} GETs); the client read {outcome['received'] // KB} KB; "
                      f"connection {'dropped by the server' if outcome['dropped'] else 'still open'}")
            results.add(f"1 pipelining, {label}", f"RSS +{watch.growth:.1f} MB", f"< {PIPELINE_RSS_MB} MB",
                        watch.growth < PIPELINE_RSS_MB and server.alive(), detail)


# ---------------------------------------------------------------------------------------------
# Case 2


def case_tokenizer(binary: str, quick: bool, results: Results) -> None:
    say("[2] 4 MB hostile texts through the uncased tokenizer")
    give_up = TOKENIZE_SECONDS * (PATIENCE / 2 if quick else PATIENCE)  # client timeout per request
    server = Server(binary, TINY)
    try:
        for kind, unit in HOSTILE.items():
            body = body_under_limit(unit)
            start = time.monotonic()
            try:
                status, _ = post_json(server.port, "/score", body, timeout=give_up)
                seconds = time.monotonic() - start
                figure, ok = f"{seconds:.2f} s, {status}", seconds < TOKENIZE_SECONDS and status == 200
            except OSError as error:
                timed_out = isinstance(error, TimeoutError)
                figure = f"> {give_up:g} s, no answer (gave up)" if timed_out else f"failed: {error!r}"
                ok = False
                server.stop()  # it may still be tokenizing; the next kind gets a fresh server
                server = Server(binary, TINY)
            results.add(f"2 tokenize 4 MB: {kind}", figure, f"< {TOKENIZE_SECONDS} s, 200", ok,
                        f"body {len(body)} bytes")

        # Two French bodies at once while /health is probed.
        body = body_under_limit(FRENCH)
        outcomes = []

        def send():
            try:
                outcomes.append(post_json(server.port, "/score", body, timeout=give_up)[0])
            except OSError as error:
                outcomes.append(type(error).__name__)

        senders = [threading.Thread(target=send) for _ in range(2)]
        for thread in senders:
            thread.start()
        latencies = []
        probe = http.client.HTTPConnection(HOST, server.port, timeout=give_up)
        while any(thread.is_alive() for thread in senders):
            start = time.monotonic()
            try:
                probe.request("GET", "/health")
                response = probe.getresponse()
                response.read()
                if response.status == 200:
                    latencies.append((time.monotonic() - start) * 1000)
            except (OSError, http.client.HTTPException):
                probe.close()
                probe = http.client.HTTPConnection(HOST, server.port, timeout=give_up)
            time.sleep(HEALTH_POLL_EVERY)
        probe.close()
        for thread in senders:
            thread.join()
        worst = max(latencies) if latencies else float("inf")
        median = statistics.median(latencies) if latencies else float("nan")
        results.add("2 /health during 2 x 4 MB French", f"worst {worst:.1f} ms", f"< {HEALTH_MS} ms (goal 100)",
                    worst < HEALTH_MS, f"median {median:.1f} ms over {len(latencies)} probes, one every "
                    f"{HEALTH_POLL_EVERY * 1000:.0f} ms; the two bodies got: {outcomes}")
        if any(outcome != 200 for outcome in outcomes):
            server.stop()
            server = Server(binary, TINY)

        # A client sends a hostile body and resets the connection once the server has it all (a client
        # that only shuts down its sending side is answered, so that would measure the whole request).
        body = body_under_limit("a\u0301\u0316")
        sock = socket.create_connection((HOST, server.port))
        sock.sendall(upload_head(len(body)) + body)
        deadline = time.monotonic() + 10
        while unacked_bytes(sock) > 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
        before = server.cpu_seconds()
        time.sleep(AFTER_DISCONNECT)
        cpu = server.cpu_seconds() - before
        results.add("2 CPU after a client left", f"{cpu:.2f} s", f"< {DISCONNECT_CPU_SECONDS} s",
                    cpu < DISCONNECT_CPU_SECONDS, f"server CPU (utime+stime) in the {AFTER_DISCONNECT} s after a "
                    "client sent a 4 MB a+U+0301+U+0316 body and reset the connection once the server had it all")
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------
# Case 3


def case_idle_lockout(binary: str, quick: bool, results: Results) -> None:
    say(f"[3] {IDLE_CONNECTIONS} idle keep-alive connections")
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < IDLE_CONNECTIONS + IDLE_CLIENTS + 100:  # 100: the script's own files and spare sockets
        results.add("3 idle keep-alive lock-out", f"not run: only {soft} descriptors",
                    f"{IDLE_CLIENTS}/{IDLE_CLIENTS} get 200", False)
        return
    request = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    idle = []
    with Server(binary, TINY, "--max-connections", str(CONNECTION_CAP)) as server:
        try:
            answered = collections.Counter()
            start = time.monotonic()
            for _ in range(IDLE_CONNECTIONS):
                sock = socket.create_connection((HOST, server.port), timeout=10)
                idle.append(sock)
                try:
                    sock.sendall(request)
                    answered[read_one_response(sock, 10)[0]] += 1
                except OSError as error:
                    answered[type(error).__name__] += 1
            opened = time.monotonic() - start
            held = server.open_sockets()
            fresh_ok = 0
            fresh = []
            for _ in range(IDLE_CLIENTS):
                try:
                    sock = socket.create_connection((HOST, server.port), timeout=10)
                    fresh.append(sock)
                    sock.sendall(request)
                    health = read_one_response(sock, 10)[0]
                    sock.sendall(b"GET /ready HTTP/1.1\r\nHost: x\r\n\r\n")
                    ready = read_one_response(sock, 10)[0]
                    fresh_ok += health == 200 and ready == 200
                except OSError:
                    pass
            after = server.open_sockets()
            close_all(fresh)
        finally:
            close_all(idle)
    results.add("3 idle keep-alive lock-out", f"{fresh_ok}/{IDLE_CLIENTS} got 200; server open: {after}",
                f"{IDLE_CLIENTS}/{IDLE_CLIENTS} get 200", fresh_ok == IDLE_CLIENTS,
                f"the {IDLE_CONNECTIONS} idle ones got {dict(answered)} in {opened:.1f} s, after which the server "
                f"held {held} connections (cap {CONNECTION_CAP}); {after} after the fresh clients")


# ---------------------------------------------------------------------------------------------
# Case 4


def describe(connections: list[dict]) -> collections.Counter:
    """What each connection got: its status codes in order ("401", "100 401", or "nothing")."""
    return collections.Counter(" ".join(map(str, statuses(c["got"]))) or "nothing" for c in connections)


def case_uploads(binary: str, quick: bool, results: Results) -> None:
    say(f"[4] {UPLOADS} unfinished 4 MB uploads")
    hold = 1 if quick else HOLD_SECONDS
    with Server(binary, TINY, "--api-key", API_KEY) as server:
        # Without a key, with Expect: 100-continue, 1 MB of body each, then held.
        uploads = open_uploads(server.port, UPLOADS, upload_head(UPLOAD_LENGTH, expect=True), UNAUTH_SENT)
        try:
            with RSSWatch(server) as watch:
                drive(uploads, hold + 2)  # +2: time to push the bodies
            got = describe(uploads)
        finally:
            close_all(c["sock"] for c in uploads)
        pushed = sum(c["sent"] for c in uploads) / MB
        ok = got == collections.Counter({"401": UPLOADS}) and watch.growth < UNAUTH_RSS_MB
        results.add(f"4 {UPLOADS} keyless uploads + Expect", f"{got.get('401', 0)} x 401; RSS +{watch.growth:.1f} MB",
                    f"{UPLOADS} x 401, no 100; < {UNAUTH_RSS_MB} MB", ok,
                    f"status lines per connection: {dict(got)}; the clients pushed {pushed:.0f} MB in all")

        # With the key: head and 64 KB each, then held. The buffer budget admits budget / 4 MB.
        admitted = BUFFER_BUDGET // UPLOAD_LENGTH
        uploads = open_uploads(server.port, UPLOADS, upload_head(UPLOAD_LENGTH, key=API_KEY), AUTH_SENT)
        try:
            with RSSWatch(server) as watch:
                drive(uploads, hold + 1)
            got = describe(uploads)
        finally:
            close_all(c["sock"] for c in uploads)
        refused = got.get("503", 0)
        ok = refused == UPLOADS - admitted and got.get("nothing", 0) == admitted and watch.growth < AUTH_RSS_MB
        results.add(f"4 {UPLOADS} keyed uploads held", f"{refused} x 503; RSS +{watch.growth:.1f} MB",
                    f"{UPLOADS - admitted} x 503; < {AUTH_RSS_MB} MB", ok,
                    f"status lines per connection: {dict(got)} ('nothing': admitted, still uploading)")

        # Content-Encoding: gzip (with the key), and a wrong key with Expect: answered from the head.
        body = score_body("a")
        for label, head, payload, want in (
                ("gzip body", upload_head(len(body), key=API_KEY, extra="Content-Encoding: gzip"), body, [415]),
                ("wrong key + Expect", upload_head(len(body), key="wrong", expect=True), b"", [401])):
            with socket.create_connection((HOST, server.port), timeout=10) as sock:
                sock.sendall(head + payload)
                got = statuses(read_until_closed(sock, 5))
            results.add(f"4 {label}", f"got {got or 'nothing'}", f"{want}, no 100 first", got == want)


# ---------------------------------------------------------------------------------------------
# Case 5


def timed_post(port: int, body: bytes, record: dict, timeout: float = 120) -> None:
    record["start"] = time.monotonic()
    try:
        record["status"], record["body"] = post_json(port, "/score", body, timeout=timeout)
    except OSError as error:
        record["status"] = type(error).__name__
    record["end"] = time.monotonic()


CASE5_BATCH_TOKENS = 1024


def case_large_request(binary: str, quick: bool, results: Results) -> None:
    say("[5] large request vs small (bert-base)")
    model = attack_model.ensure()
    # A pair of LONG_TEXTs must truncate to exactly the model's longest input.
    check = subprocess.run([binary, "tokenize", "--model", str(model), "--prompt", LONG_TEXT, "--response",
                            LONG_TEXT], capture_output=True, text=True, timeout=CHILD_TIMEOUT)
    pair_tokens = len(json.loads(check.stdout)["ids"])
    if pair_tokens != MAX_INPUT_TOKENS:
        raise RuntimeError(f"LONG_TEXT pairs make {pair_tokens} tokens, not {MAX_INPUT_TOKENS}: lengthen LONG_TEXT")
    long_pair = {"prompt": LONG_TEXT, "response": LONG_TEXT}
    # Batches of 1024 tokens (a latency-minded setting) so the largest admissible request spans several
    # engine batches: a small request sent after it must then finish long before it.
    with Server(binary, model, "--max-batch-tokens", str(CASE5_BATCH_TOKENS)) as server:
        info = json.loads(get(server.port, "/info")[2])
        limit, batch_tokens = info["limits"]["max_request_tokens"], info["batching"]["max_batch_tokens"]
        rate = next((m.group(1) for line in server.log
                     if (m := re.search(r"engineTokensPerSecond=(\d+)", line))), "?")
        status, answer = post_json(server.port, "/score", json.dumps({"pairs": [long_pair] * 64}).encode(),
                                   timeout=120)
        names_limit = b"max_request_tokens" in answer
        results.add(f"5 64 x {pair_tokens}-token pairs",
                    f"{status}, {'names' if names_limit else 'does not name'} max_request_tokens ({limit})",
                    "413 naming max_request_tokens", status == 413 and names_limit,
                    f"max_request_tokens (GET /info) = {limit}: the warm-up rate, {rate} tokens/s here, x 30 s x 0.25")

        count = min(64, limit // pair_tokens)  # 64: the default --max-items-per-request
        large, small = {}, {}
        thread = threading.Thread(target=timed_post, args=(
            server.port, json.dumps({"pairs": [long_pair] * count}).encode(), large))
        thread.start()
        time.sleep(SMALL_DELAY)
        timed_post(server.port, json.dumps({"prompt": "", "response": ""}).encode(), small)  # [CLS] [SEP]
        thread.join()
    small_latency = small["end"] - small["start"]
    large_latency = large["end"] - large["start"]
    ahead = large["end"] - small["end"]
    batches = -(-count // max(1, batch_tokens // pair_tokens))  # engine batches the large one needs
    ok = small["status"] == 200 and ahead > 0
    results.add("5 2-token request behind a large one",
                f"{small['status']} in {small_latency:.2f} s, {abs(ahead):.2f} s {'before' if ahead > 0 else 'after'} "
                "the large", "200, before the large", ok,
                f"large: {count} x {pair_tokens} tokens, {large['status']} in {large_latency:.2f} s, "
                f"{batches} engine batch(es) of at most {batch_tokens} tokens; the small one can only join the "
                "batch after the one running when it arrives")


# ---------------------------------------------------------------------------------------------
# Case 6


def case_half_closed(binary: str, quick: bool, results: Results) -> None:
    say("[6] half-closed clients")
    body = score_body("a", "b")
    with Server(binary, TINY) as server:
        for label, request in (
                ("GET /health", b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"),
                ("POST /score", upload_head(len(body)) + body)):
            with socket.create_connection((HOST, server.port), timeout=10) as sock:
                sock.sendall(request)
                sock.shutdown(socket.SHUT_WR)
                got = statuses(read_until_closed(sock, 10))
            results.add(f"6 half-closed {label}", f"got {got or 'nothing'}", "[200]", got == [200])


# ---------------------------------------------------------------------------------------------
# Case 7


def tree_rss_mb(pid: int) -> float:
    """VmRSS of a process and its descendants, in MB (0 for what has gone)."""
    total = 0.0
    try:
        total = int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1)) / 1024
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            total += tree_rss_mb(int(child))
    except (OSError, AttributeError):
        pass
    return total


def descendants_rss_mb(pid: int) -> float:
    """VmRSS of a process's descendants (not its own), in MB."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    return sum(tree_rss_mb(int(child)) for child in children)


def run_measured(command: list[str], stdin: bytes = b"", timeout: float = CHILD_TIMEOUT) -> dict:
    """Runs a CLI command under /usr/bin/time -v (else a Python parent reading RUSAGE_CHILDREN):
    wall seconds, peak RSS in MB, exit status (None when killed at `timeout`), stdout, and the
    command's own stderr. RSS is also sampled, so a command killed at the timeout has a figure."""
    if Path("/usr/bin/time").exists():
        command = ["/usr/bin/time", "-v", *command]
    else:  # a parent of its own, so RUSAGE_CHILDREN sees this command alone
        command = [sys.executable, "-c", "import resource, subprocess, sys; "
                   "code = subprocess.run(sys.argv[1:]).returncode; "
                   "print(f'Maximum resident set size (kbytes): "
                   "{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr); "
                   "sys.exit(code)", *command]
    with tempfile.TemporaryFile() as stdin_file, tempfile.TemporaryFile() as out, \
            tempfile.TemporaryFile() as err:
        stdin_file.write(stdin)
        stdin_file.seek(0)
        start = time.monotonic()
        # Its own session, so a timeout kills the measured command too, not just its parent.
        process = subprocess.Popen(command, stdin=stdin_file, stdout=out, stderr=err, start_new_session=True)
        sampled = 0.0
        while process.poll() is None and time.monotonic() - start < timeout:
            sampled = max(sampled, descendants_rss_mb(process.pid))
            time.sleep(RSS_SAMPLE_EVERY)
        code = process.poll()
        if code is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    match = re.search(rb"Maximum resident set size \(kbytes\): (\d+)", stderr)
    rss_mb = max(sampled, int(match.group(1)) / 1024 if match else 0.0)
    # /usr/bin/time appends its report (after a "Command exited" line) to the command's own stderr.
    cut = re.search(rb"(Command exited with non-zero status \d+\n)?\tCommand being timed:|"
                    rb"Maximum resident set size \(kbytes\)", stderr)
    own = stderr[:cut.start()] if cut and code is not None else stderr
    return {"seconds": seconds, "rss_mb": rss_mb, "code": code, "stdout": stdout, "stderr": own}


def case_absurd_configs(binary: str, quick: bool, results: Results) -> None:
    say("[7] absurd configs")
    with tempfile.TemporaryDirectory(prefix="attack-config-") as temporary:
        model = Path(temporary) / "model"
        shutil.copytree(TINY, model)
        config = json.loads((model / "config.json").read_text())
        for layers in ABSURD_LAYERS:
            config["num_hidden_layers"] = layers
            (model / "config.json").write_text(json.dumps(config, indent=2))
            run = run_measured([binary, "score", "--model", str(model), "--prompt", "a", "--response", "b"],
                               timeout=CONFIG_SECONDS * (PATIENCE / 2 if quick else PATIENCE))
            message = run["stderr"].strip()
            killed = run["code"] is None
            figure = (f"{'killed at ' if killed else ''}{run['seconds']:.2f} s, {run['rss_mb']:.0f} MB, "
                      f"message {len(message)} B{' so far' if killed else ''}")
            ok = (not killed and run["code"] != 0 and run["seconds"] < CONFIG_SECONDS
                  and run["rss_mb"] < CONFIG_RSS_MB and len(message) < CONFIG_MESSAGE_BYTES)
            results.add(f"7 num_hidden_layers={layers}", figure,
                        f"refused, < {CONFIG_SECONDS} s, < {CONFIG_RSS_MB} MB, < {CONFIG_MESSAGE_BYTES} B", ok,
                        f"exit status {run['code']} (None: killed); peak RSS {run['rss_mb']:.0f} MB; message starts: "
                        f"{message[:160].decode(errors='replace')!r}")


# ---------------------------------------------------------------------------------------------
# Case 8


def case_small_ones(binary: str, quick: bool, results: Results) -> None:
    say("[8] request ids, blank stdin lines")
    with Server(binary, TINY) as server:
        conn = http.client.HTTPConnection(HOST, server.port, timeout=10)
        ids = []
        for _ in range(REQUEST_IDS):
            conn.request("GET", "/health")
            response = conn.getresponse()
            response.read()
            ids.append(response.getheader("X-Request-Id") or "")
        conn.close()
    prefix = 16  # hex digits: the first 64 random bits of an id
    shared = sum(a[:prefix] == b[:prefix] for a, b in zip(ids, ids[1:]))
    results.add("8 generated X-Request-Id", f"{len(set(ids))} unique, {shared} neighbours share a prefix",
                f"{REQUEST_IDS} unique, 0 share", len(set(ids)) == REQUEST_IDS and shared == 0,
                f"{len(ids)} ids from GET /health; prefix = the first {prefix} hex digits; "
                f"first two: {ids[0]}, {ids[1]}")

    valid = json.dumps({"prompt": "Hi", "response": "Hello!"})
    run = run_measured([binary, "score", "--model", str(TINY)], stdin=f"{valid}\n\n{valid}\n".encode())
    lines = run["stdout"].decode(errors="replace").splitlines()
    results.add("8 score stdin [valid, blank, valid]", f"{len(lines)} lines, exit {run['code']}", "3 lines",
                len(lines) == 3, f"stdout: {lines}")


# ---------------------------------------------------------------------------------------------

CASES = (case_pipelining, case_tokenizer, case_idle_lockout, case_uploads, case_large_request,
         case_half_closed, case_absurd_configs, case_small_ones)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=str(REPO / ".build/release/reward-server"))
    parser.add_argument("--quick", action="store_true", help="shorter pipelining and holds (~2 minutes)")
    parser.add_argument("--case", type=int, action="append", choices=range(1, len(CASES) + 1),
                        help="run only this case (repeatable); default all")
    args = parser.parse_args()
    if not Path(args.binary).exists():
        raise SystemExit(f"{args.binary} not found; build it: swift build -c release --product reward-server")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # case 3 holds over 4,100 sockets
    attack_model.ensure()  # made before the clock starts: it takes minutes the first time

    results = Results()
    started = time.monotonic()
    say(f"reward-server attacks: {args.binary}, {'quick' if args.quick else 'full'}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, descriptors {soft} -> {hard}")
    for number, case in enumerate(CASES, 1):
        if not args.case or number in args.case:
            try:
                case(args.binary, args.quick, results)
            except Exception as error:  # one broken case must not hide the others' figures
                results.add(f"{number} {case.__name__}", f"crashed: {type(error).__name__}", "runs", False,
                            str(error)[-2000:])
    say(f"\n{len(results.rows)} checks in {time.monotonic() - started:.0f} s, load {os.getloadavg()[0]:.2f}\n")
    say(results.table())
    if results.failed:
        say(f"\nFAILED: {len(results.failed)} of {len(results.rows)}")
        sys.exit(1)
    say(f"\nall {len(results.rows)} passed")


if __name__ == "__main__":
    main()
