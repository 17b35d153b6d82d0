#!/usr/bin/env python3
"""Start-up time and memory of `reward-server serve` on a bert-base-shaped model, per weights format.

    python3 Scripts/bench_startup.py --binary .build/release/reward-server --json .cache/bench/startup.json
    python3 Scripts/bench_startup.py --quick        # 3 runs, 8 pairs

Models: the two directories of Scripts/bench_models.py (made on first use): the same random
bert-base v2 reward model as model.safetensors (f32) and as pytorch_model.bin (f32, torch.save).

Start-up = wall time from just before the process is spawned to the first `GET /ready` that
answers 200; --port 0, so the port comes from the server's "listening" log line, after which /ready
is polled every millisecond. Median of --runs launches per format, after one untimed launch; the
page cache is warm (the weights file is read once before, so this is start-up without disk reads).
Where the time goes, as medians beside it: spawn -> the first log line ("loading model": process
and runtime start, flag parsing), and from the server's own "ready" log line loadSeconds (config,
weights, tokenizer and warm-up) and warmUpSeconds (the one warm-up forward pass).

Memory = VmRSS and VmHWM (peak RSS) of the serving process from /proc/PID/status, with RssAnon
(heap) and RssFile (mapped weights pages), read twice in the last launch: right after /ready, and
after serving --pairs mixed-length pairs (Scripts/bench_service.py's generator) as single-pair
POST /score requests from --clients concurrent keep-alive clients, so the engine runs batches
as large as the server's defaults allow. Target: RSS <= weights file size + 150 MB.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_models  # noqa: E402
import bench_service  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
STATUS_FIELDS = ("VmRSS", "VmHWM", "RssAnon", "RssFile")


def memory_kb(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in STATUS_FIELDS:
            values[name] = int(rest.split()[0])
    return values


def read_through(path: Path) -> None:
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


class Launch:
    """One `serve` process: spawned, watched until /ready answers 200, stopped with SIGTERM."""

    def __init__(self, binary: str, model: Path, threads: int):
        self.lines: list[str] = []
        self.first_line_s = None
        self.port_known = threading.Event()
        self.port = None
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [binary, "serve", "--model", str(model), "--port", "0", "--threads", str(threads)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read_log, daemon=True).start()

    def _read_log(self) -> None:
        for line in self.process.stderr:
            if self.first_line_s is None:  # "configuration": the runtime is up and the flags are parsed
                self.first_line_s = time.perf_counter() - self.started
            self.lines.append(line.rstrip("\n"))
            # The bound port: from the "listening" line (the configuration line shows the asked-for 0).
            match = re.search(r"\bport=(\d+)\b", line) if "listening" in line else None
            if match and self.port is None:
                self.port = int(match.group(1))
                self.port_known.set()
        self.port_known.set()  # the process ended

    def wait_ready(self, timeout: float = 120) -> float:
        """Seconds from spawn to the first 200 from /ready."""
        deadline = self.started + timeout
        if not self.port_known.wait(timeout) or self.port is None:
            raise SystemExit("server exited before listening:\n" + "\n".join(self.lines[-20:]))
        while time.perf_counter() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/ready")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.001)
        raise SystemExit("server not ready in time:\n" + "\n".join(self.lines[-20:]))

    def logged_seconds(self) -> dict[str, float]:
        """loadSeconds and warmUpSeconds from the "ready" log line."""
        for _ in range(1000):  # the line may still be in the pipe when /ready already answers
            for line in self.lines:
                if line.endswith(" ready"):
                    fields = dict(re.findall(r"\b(loadSeconds|warmUpSeconds)=([0-9.eE+-]+)", line))
                    return {k: float(v) for k, v in fields.items()}
            time.sleep(0.005)
        return {}

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def measure(fmt: str, directory: Path, args) -> dict:
    weights = directory / bench_models.FORMATS[fmt]
    read_through(weights)
    launches = []
    for run in range(args.runs + 1):
        launch = Launch(args.binary, directory, args.threads)
        seconds = launch.wait_ready()
        entry = {"seconds": seconds, "first_log_s": launch.first_line_s, **launch.logged_seconds()}
        last = run == args.runs
        if last:
            entry["memory_ready_kb"] = memory_kb(launch.process.pid)
            pairs = bench_service.workload(args.pairs, seed=1)
            elapsed, _, _ = bench_service.run_clients(launch.port, pairs, args.clients)
            entry["memory_served_kb"] = memory_kb(launch.process.pid)
            entry["served"] = {"pairs": len(pairs), "clients": args.clients, "seconds": elapsed}
        launch.stop()
        if run > 0:  # the first launch only warms the binary and the caches
            launches.append(entry)
        print(f"  {fmt} run {run}{' (untimed)' if run == 0 else ''}: {seconds:.3f} s", file=sys.stderr, flush=True)

    def med(key):
        values = [e[key] for e in launches if key in e]
        return statistics.median(values) if values else None

    last = launches[-1]
    return {"weights_file": weights.name, "weights_bytes": weights.stat().st_size,
            "ready_s": [e["seconds"] for e in launches], "median_ready_s": med("seconds"),
            "median_first_log_s": med("first_log_s"), "median_load_s": med("loadSeconds"),
            "median_warm_up_s": med("warmUpSeconds"),
            "memory_ready_kb": last["memory_ready_kb"], "memory_served_kb": last["memory_served_kb"],
            "served": last["served"]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary", default=str(REPO / ".build/release/reward-server"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, help="timed launches per format (median); default 5, quick 3")
    p.add_argument("--pairs", type=int, help="pairs served before the second memory reading; default 64, quick 8")
    p.add_argument("--clients", type=int, default=32, help="concurrent clients sending those pairs")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", type=Path, help="write the JSON result here instead of stdout")
    # Scripts/bench.sh passes its arguments to every part; the engine-only ones are not ours.
    args, _ = p.parse_known_args()
    args.runs = args.runs or (3 if args.quick else 5)
    args.pairs = args.pairs or (8 if args.quick else 64)

    directories = bench_models.ensure()
    result = {"settings": {"runs": args.runs, "threads": args.threads, "pairs": args.pairs,
                           "clients": args.clients, "page_cache": "warm",
                           "loadavg_start": list(os.getloadavg())},
              "formats": {}}
    for fmt, directory in directories.items():
        result["formats"][fmt] = measure(fmt, directory, args)
    result["settings"]["loadavg_end"] = list(os.getloadavg())
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
