#!/usr/bin/env python3
"""Mixed-load fairness benchmark: what heavy clients do to light clients' latency, measured side by side
in one run on one server.

    swift build -c release --product reward-server
    python3 Scripts/mixed_load.py                 # bert-base-shaped model, 32 light + 4 heavy clients

Light clients send single-pair /score requests in a loop; heavy clients send 64-pair /score requests in
a loop. The run alternates phases on the same server process: light clients alone, then light and heavy
clients together, --cycles times, so both conditions see the same machine load as far as a shared
machine allows. At the end of a "with heavy" phase the heavy clients reset their connections, so the
server drops their queued pairs (those requests are counted as aborted, not as failures). A light
request counts for a phase only if it was sent and answered inside that phase's window, which opens
--settle seconds after the phase starts (for "alone", after the last heavy request is gone) and closes
when it ends. Heavy latencies are of every heavy request answered.

Clients act like real ones on 429: they wait the answer's Retry-After (the server refuses at admission a
request it cannot compute before its deadline beside the work already admitted, and says when to come
back) and send the same request again; those refusals are counted per kind, as retries. It prints light p50/p99 per condition,
the heavy requests' latency, how many heavy requests were served, refused (429) and timed out (504), the
server's peak RSS (VmHWM), and the ratio of the light p99 with heavy clients to the light p99 alone.
Exits 1 when that ratio exceeds --max-ratio (3), on any 5xx, or on any answer other than 200 and 429.

All pairs come from one distribution (prompt 4-12 words, response 6-20 words: 27 tokens on average,
15-40), light and heavy alike, so the heavy clients differ only in how many pairs they send at once.
The server runs with the product's defaults (batches of 32 pairs / 4096 tokens, 30 s request timeout,
--request-timeout to change it) except --max-request-tokens, fixed at 16384: its default comes from a
start-up measurement that a busy machine makes small enough to refuse the very requests measured here.
The model is the random bert-base-shaped one of Scripts/attack_model.py (made on first use; needs torch
and transformers then); --model takes any other.
A benchmark, not a test: run by hand, never by CI. Needs only the standard library beyond that.
"""
import argparse
import http.client
import json
import math
import os
import random
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_service import ROOT, WORDS, Server  # noqa: E402


def short_pairs(count, seed):
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        prompt = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))) + "?"
        response = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 20))) + "."
        pairs.append({"prompt": prompt, "response": response})
    return pairs


class Recorder:
    """Every answered request: (kind, sent, answered, status). Appends are atomic under the GIL."""

    def __init__(self):
        self.samples = []
        self.heavy_in_flight = 0
        self.lock = threading.Lock()

    def add(self, kind, sent, answered, status):
        self.samples.append((kind, sent, answered, status))


def post(conn_holder, port, path, body):
    """One POST on a keep-alive connection, reopened after a failure. Returns (status or an error name,
    the Retry-After seconds or None)."""
    try:
        conn_holder[0].request("POST", path, body, {"Content-Type": "application/json"})
        response = conn_holder[0].getresponse()
        response.read()
        retry_after = response.getheader("Retry-After")
        return response.status, int(retry_after) if retry_after and retry_after.isdigit() else None
    except (OSError, http.client.HTTPException) as error:
        conn_holder[0].close()
        conn_holder[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        return f"client error {type(error).__name__}", None


def wait_to_retry(seconds, keep_waiting):
    """Sleeps the server's Retry-After (1 s when it gave none), or until `keep_waiting()` turns false."""
    end = time.monotonic() + (seconds or 1)
    while keep_waiting() and (left := end - time.monotonic()) > 0:
        time.sleep(min(0.2, left))


def light_client(port, pairs, seed, stop, recorder):
    rng = random.Random(seed)
    conn = [http.client.HTTPConnection("127.0.0.1", port, timeout=600)]
    body = None
    while not stop.is_set():
        body = body or json.dumps(rng.choice(pairs))
        sent = time.monotonic()
        status, retry_after = post(conn, port, "/score", body)
        recorder.add("light", sent, time.monotonic(), status)
        if status == 429:
            wait_to_retry(retry_after, lambda: not stop.is_set())
        else:
            body = None
    conn[0].close()


def heavy_client(port, pairs, size, seed, stop, heavy_on, recorder, conn):
    """`conn` is a one-element list shared with `abort_heavy`, which resets it at a phase's end."""
    rng = random.Random(seed)
    body = None
    while not stop.is_set():
        if not heavy_on.wait(timeout=0.2):
            body = None
            continue
        body = body or json.dumps({"pairs": rng.sample(pairs, size)})
        with recorder.lock:
            recorder.heavy_in_flight += 1
        sent = time.monotonic()
        status, retry_after = post(conn, port, "/score", body)
        if not heavy_on.is_set() and status not in (200, 429):
            status = "aborted"
        recorder.add("heavy", sent, time.monotonic(), status)
        with recorder.lock:
            recorder.heavy_in_flight -= 1
        if status == 429:
            wait_to_retry(retry_after, lambda: heavy_on.is_set() and not stop.is_set())
        else:
            body = None
    conn[0].close()


def abort_heavy(connections, port):
    """Resets each heavy client's connection (RST, not FIN), which makes the server drop its queued pairs, and
    gives the client a fresh one for the next phase (a client waiting out a 429 holds no request)."""
    for conn in connections:
        sock = conn[0].sock
        conn[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        if sock is None:
            continue
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def percentile(values, fraction):
    """Nearest rank: the smallest value with at least `fraction` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def run_phases(args, server, recorder, heavy_on, heavy_connections):
    """Alternates the phases; returns the windows [(condition, start, end)] and the RSS samples."""
    windows, rss = [], []

    def wait(seconds):
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(1.0, left))
            rss.append(rss_kib(server.process.pid))

    for cycle in range(args.cycles):
        heavy_on.clear()
        abort_heavy(heavy_connections, server.port)
        while recorder.heavy_in_flight > 0:
            wait(0.2)
        wait(args.settle)
        start = time.monotonic()
        wait(args.phase_seconds)
        windows.append(("alone", start, time.monotonic()))
        heavy_on.set()
        wait(args.settle)
        start = time.monotonic()
        wait(args.phase_seconds)
        windows.append(("with heavy", start, time.monotonic()))
        print(f"cycle {cycle + 1}/{args.cycles} done, {len(recorder.samples)} answers so far", file=sys.stderr,
              flush=True)
    heavy_on.clear()
    abort_heavy(heavy_connections, server.port)
    return windows, rss


def summarize(samples, windows):
    """Latencies (s) per (kind, condition) for light requests sent and answered inside one window, and
    for every answered heavy request (all sent in "with heavy" phases)."""
    latencies = {}
    for kind, sent, answered, status in samples:
        if status != 200:
            continue
        if kind == "heavy":
            latencies.setdefault((kind, "with heavy"), []).append(answered - sent)
            continue
        for condition, start, end in windows:
            if start <= sent and answered <= end:
                latencies.setdefault((kind, condition), []).append(answered - sent)
                break
    return latencies


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/reward-server"))
    parser.add_argument("--model", help="model directory (default: Scripts/attack_model.py's bert-base)")
    parser.add_argument("--light-clients", type=int, default=32)
    parser.add_argument("--heavy-clients", type=int, default=4)
    parser.add_argument("--heavy-pairs", type=int, default=64)
    parser.add_argument("--phase-seconds", type=float, default=45)
    parser.add_argument("--settle", type=float, default=10, help="seconds before a phase's window opens")
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--max-ratio", type=float, default=3.0)
    parser.add_argument("--request-timeout", type=int, default=30, help="the server's, in seconds")
    parser.add_argument("--max-request-tokens", type=int, default=16384, help="the server's")
    args = parser.parse_args()
    if args.model:
        model = args.model
    else:
        import attack_model
        model = str(attack_model.ensure())

    pairs = short_pairs(512, seed=5)
    server_args = ["--request-timeout", str(args.request_timeout), "--max-request-tokens", str(args.max_request_tokens)]
    server = Server(args.binary, model, args.threads, 32, 4096, 1024, server_args)
    recorder, stop, heavy_on = Recorder(), threading.Event(), threading.Event()
    clients = [threading.Thread(target=light_client, args=(server.port, pairs, i, stop, recorder))
               for i in range(args.light_clients)]
    heavy_connections = [[http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)]
                         for _ in range(args.heavy_clients)]
    clients += [threading.Thread(target=heavy_client, args=(server.port, pairs, args.heavy_pairs, 1000 + i, stop,
                                                            heavy_on, recorder, heavy_connections[i]))
                for i in range(args.heavy_clients)]
    load_before = os.getloadavg()
    for client in clients:
        client.start()
    try:
        windows, rss = run_phases(args, server, recorder, heavy_on, heavy_connections)
    finally:
        stop.set()
        for client in clients:
            client.join()
    peak = rss_kib(server.process.pid, "VmHWM")
    exit_status = server.stop()
    load_after = os.getloadavg()

    latencies = summarize(recorder.samples, windows)
    failures, answers = {}, {}
    aborted = sum(1 for kind, _, _, status in recorder.samples if status == "aborted")
    for kind, _, _, status in recorder.samples:
        answers[(kind, status)] = answers.get((kind, status), 0) + 1
        if status not in (200, 429, "aborted"):
            failures[(kind, status)] = failures.get((kind, status), 0) + 1
    server_errors = sum(count for (_, status), count in failures.items() if isinstance(status, int) and status >= 500)
    window_seconds = {c: sum(e - s for cc, s, e in windows if cc == c) for c in ("alone", "with heavy")}

    print(f"model {model}; {args.light_clients} light clients (1 pair) and {args.heavy_clients} heavy clients "
          f"({args.heavy_pairs} pairs); {args.cycles} cycles of {args.phase_seconds:.0f} s per condition; "
          f"engine threads {args.threads}; request timeout {args.request_timeout} s; "
          f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print()
    print("| clients | condition | requests | per s | p50 (ms) | p99 (ms) |")
    print("|---|---|---:|---:|---:|---:|")
    for kind, condition in [("light", "alone"), ("light", "with heavy"), ("heavy", "with heavy")]:
        values = latencies.get((kind, condition), [])
        if not values:
            print(f"| {kind} | {condition} | 0 | | | |")
            continue
        print(f"| {kind} | {condition} | {len(values)} | {len(values) / window_seconds[condition]:.1f} | "
              f"{percentile(values, 0.5) * 1000:.0f} | {percentile(values, 0.99) * 1000:.0f} |")
    print()
    alone, mixed = latencies.get(("light", "alone")), latencies.get(("light", "with heavy"))
    ratio = percentile(mixed, 0.99) / percentile(alone, 0.99) if alone and mixed else math.inf
    p50_ratio = percentile(mixed, 0.5) / percentile(alone, 0.5) if alone and mixed else math.inf
    print(f"light p99 with heavy / alone: {ratio:.2f}x (limit {args.max_ratio:g}x); p50: {p50_ratio:.2f}x")
    print(f"server RSS: peak (VmHWM) {peak / 1024:.0f} MiB, last sample {rss[-1] / 1024:.0f} MiB; "
          f"exit status {exit_status}")
    print(f"heavy requests: {answers.get(('heavy', 200), 0)} served, {answers.get(('heavy', 429), 0)} refused "
          f"(429, each retried after its Retry-After), {answers.get(('heavy', 504), 0)} timed out (504), "
          f"{aborted} aborted at a phase's end; light requests refused (429): {answers.get(('light', 429), 0)}")
    print(f"answers other than 200 and 429: {failures or 'none'} (5xx: {server_errors})")
    sys.exit(0 if ratio <= args.max_ratio and not failures else 1)


if __name__ == "__main__":
    main()
