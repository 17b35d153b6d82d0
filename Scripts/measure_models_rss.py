"""Resident memory of a reward-server serving the models given, for the README's multi-model figures.

    python3 Scripts/measure_models_rss.py BINARY MODEL [MODEL ...]

Each MODEL is a `--model` value (a directory, or NAME=DIR for several). Starts `serve --threads 2`,
waits for /ready, reads /proc/PID/status, sends three 32-pair batches (~1,000 tokens) to each model,
reads it again, stops the server and prints one JSON line (MiB).
"""
import http.client
import json
import subprocess
import sys
import time

binary, models = sys.argv[1], sys.argv[2:]
arguments = [binary, "serve", "--port", "0", "--threads", "2", "--log-format", "json"]
for model in models:
    arguments += ["--model", model]
server = subprocess.Popen(arguments, stderr=subprocess.PIPE, text=True)
port = None
for line in server.stderr:
    if "listening" in line:
        port = int(json.loads(line)["port"])
        break
if port is None:
    sys.exit("the server did not start")


def call(method, path, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request(method, path, json.dumps(body) if body else None, {"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def memory():
    fields = {}
    for line in open(f"/proc/{server.pid}/status"):
        key, value = line.split(":", 1)
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            fields[key] = int(value.split()[0]) // 1024
    return fields


while call("GET", "/ready")[0] != 200:
    time.sleep(0.2)
ready = memory()
names = [m.split("=", 1)[0] if "=" in m and "/" not in m.split("=", 1)[0] else None for m in models]
pairs = [{"prompt": f"question {i} " + "word " * 12, "response": "answer " * 14 + str(i)} for i in range(32)]
for _ in range(3):
    for name in names:
        status, data = call("POST", "/score", {"pairs": pairs, **({"model": name} if name else {})})
        assert status == 200, data
loaded = memory()
server.terminate()
server.wait()
print(json.dumps({"models": models, "ready_MiB": ready, "after_batches_MiB": loaded}))
