#!/usr/bin/env python3
"""Soak test: the service at saturation for a fixed time, counting every non-200 answer and
sampling the server's RSS, to show it neither fails nor grows under sustained load.

    swift build -c release --product reward-server
    python3 Scripts/soak.py --seconds 600          # MiniLM-L6 + seeded v2 head, 32 clients
    python3 Scripts/soak.py --seconds 600 --mixed --model .cache/attack/bert-base-uncased

Clients are threads with keep-alive connections sending a mix of single /score, batch /score
(2-8 pairs) and /rank (2-8 responses). With --mixed they send the load of Scripts/mixed_load.py
instead: --clients single-pair clients and --heavy-clients clients of --heavy-pairs pairs each.
Clients act like real ones on 429: they wait the answer's Retry-After and send the same request again
(the server refuses at admission what it cannot compute before the deadline); those retries are counted.
RSS is read from /proc every 10 s; growth is measured from the end of the warm-up (--warmup
seconds) to the end. Exits non-zero on any answer other than 200 and 429 (so on any 5xx) or on growth
of 5% or more. Needs only the standard library (and Scripts/bench_service.py and Scripts/mixed_load.py
beside it).
"""
import argparse
import http.client
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_service import ROOT, Server, assemble_minilm, workload  # noqa: E402
from mixed_load import short_pairs, wait_to_retry  # noqa: E402

CLIENT_TIMEOUT = 600  # seconds; longer than any request timeout the server is given here


def request_for(rng, pairs):
    kind = rng.random()
    if kind < 0.5:
        return "/score", rng.choice(pairs)
    if kind < 0.8:
        return "/score", {"pairs": rng.sample(pairs, rng.randint(2, 8)), "alpha": rng.choice([1, 2.5, -1])}
    chosen = rng.sample(pairs, rng.randint(2, 8))
    return "/rank", {"prompt": chosen[0]["prompt"], "responses": [p["response"] for p in chosen], "top_k": 3}


def single_pair(rng, pairs):
    return "/score", rng.choice(pairs)


def heavy_request(size):
    return lambda rng, pairs: ("/score", {"pairs": rng.sample(pairs, size)})


def client(port, pairs, seed, stop, counts, lock, make_request=request_for, heavy_counts=None):
    """`heavy_counts`, when given, gets this client's answers too (the heavy clients of --mixed)."""
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    request = None
    while not stop.is_set():
        path, body = request = request or make_request(rng, pairs)
        retry_after = None
        try:
            conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            status = response.status
            retry_after = response.getheader("Retry-After")
        except (OSError, http.client.HTTPException) as error:
            status = f"client error {type(error).__name__}"
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
        with lock:
            counts[status] = counts.get(status, 0) + 1
            if heavy_counts is not None:
                heavy_counts[status] = heavy_counts.get(status, 0) + 1
        if status == 429:
            wait_to_retry(int(retry_after) if retry_after and retry_after.isdigit() else 1,
                          lambda: not stop.is_set())
        else:
            request = None
    conn.close()


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/reward-server"))
    parser.add_argument("--model", help="model directory (default: MiniLM-L6 with the seeded v2 head)")
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--warmup", type=int, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--mixed", action="store_true", help="single-pair clients plus heavy clients")
    parser.add_argument("--heavy-clients", type=int, default=4)
    parser.add_argument("--heavy-pairs", type=int, default=64)
    parser.add_argument("--request-timeout", type=int, help="the server's (default: its own, 30 s)")
    parser.add_argument("--max-request-tokens", type=int, help="the server's (default: measured at its start-up)")
    args = parser.parse_args()
    server_args = []
    if args.request_timeout:
        server_args += ["--request-timeout", str(args.request_timeout)]
    if args.max_request_tokens:
        server_args += ["--max-request-tokens", str(args.max_request_tokens)]
    scratch = tempfile.mkdtemp(prefix="soak-")
    try:
        model = args.model or assemble_minilm(scratch)
        server = Server(args.binary, model, args.threads, 32, 4096, 4096, server_args)
        pairs = short_pairs(512, seed=5) if args.mixed else workload(256, seed=3)
        light = single_pair if args.mixed else request_for
        stop, lock, counts, heavy_counts = threading.Event(), threading.Lock(), {}, {}
        threads = [threading.Thread(target=client, args=(server.port, pairs, i, stop, counts, lock, light))
                   for i in range(args.clients)]
        if args.mixed:
            threads += [threading.Thread(target=client, args=(server.port, pairs, 1000 + i, stop, counts, lock,
                                                              heavy_request(args.heavy_pairs), heavy_counts))
                        for i in range(args.heavy_clients)]
        for thread in threads:
            thread.start()
        start = time.monotonic()
        samples = []
        while (elapsed := time.monotonic() - start) < args.seconds:
            time.sleep(min(10, args.seconds - elapsed))
            samples.append((time.monotonic() - start, rss_kib(server.process.pid)))
            print(f"{samples[-1][0]:6.0f} s  RSS {samples[-1][1] / 1024:7.1f} MiB  requests {sum(counts.values())}",
                  flush=True)
        stop.set()
        for thread in threads:
            thread.join()
        peak = rss_kib(server.process.pid, "VmHWM")
        status = server.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    after_warmup = next(rss for t, rss in samples if t >= args.warmup)
    growth = (samples[-1][1] - after_warmup) / after_warmup
    total = sum(counts.values())
    errors = total - counts.get(200, 0) - counts.get(429, 0)
    server_errors = sum(count for status, count in counts.items() if isinstance(status, int) and status >= 500)
    print(f"{total} requests in {args.seconds} s ({total / args.seconds:.0f}/s), answers {counts}; "
          f"refused and retried (429): {counts.get(429, 0)}; 5xx: {server_errors}; load average {os.getloadavg()}")
    if args.mixed:
        print(f"heavy clients' answers: {heavy_counts}")
    print(f"RSS after {args.warmup} s warm-up {after_warmup / 1024:.1f} MiB, at the end {samples[-1][1] / 1024:.1f} MiB "
          f"(growth {growth:+.1%}), peak (VmHWM) {peak / 1024:.1f} MiB; server exit status {status}")
    sys.exit(0 if errors == 0 and growth < 0.05 and status == 0 else 1)


if __name__ == "__main__":
    main()
