"""Serves one model folder as a Hugging Face Hub endpoint on 127.0.0.1, for Scripts/build-image.sh.

    python3 Scripts/static_hub.py MODEL_DIR REPO_ID PORT_FILE

Answers the calls the Hub client makes (Sources/Hub/HubAPI.swift):
  GET  /api/models/{repo}/revision/{revision}   -> {"sha": commit, "siblings": [{"rfilename": ...}]}
  HEAD /{repo}/resolve/{revision}/{path}         -> X-Repo-Commit, ETag (the file's sha256, as for LFS files),
                                                    Content-Length
  GET  the same path, with or without `Range: bytes=N-`.
Every file is served as an LFS file, so the client checks each one's sha256. Listens on a free port and
writes it to PORT_FILE once listening; stops on SIGTERM.
"""

import hashlib
import http.server
import json
import os
import signal
import sys
import urllib.parse

MODEL_DIR, REPO, PORT_FILE = sys.argv[1], sys.argv[2], sys.argv[3]
FILES = sorted(name for name in os.listdir(MODEL_DIR) if os.path.isfile(os.path.join(MODEL_DIR, name)))
SHA256 = {name: hashlib.sha256(open(os.path.join(MODEL_DIR, name), "rb").read()).hexdigest() for name in FILES}
COMMIT = hashlib.sha1("".join(SHA256[name] for name in FILES).encode()).hexdigest()


class Hub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        sys.stderr.write("static-hub: " + (format % args) + "\n")

    def answer(self, status, body=b"", headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def resolve(self):
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        prefix = f"/{REPO}/resolve/"
        if not path.startswith(prefix):
            return None
        revision, _, name = path[len(prefix):].partition("/")
        return name if revision in ("main", COMMIT) and name in SHA256 else None

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path in (f"/api/models/{REPO}/revision/main", f"/api/models/{REPO}/revision/{COMMIT}"):
            body = json.dumps({"sha": COMMIT, "siblings": [{"rfilename": name} for name in FILES]}).encode()
            return self.answer(200, body, {"Content-Type": "application/json"})
        name = self.resolve()
        if name is None:
            return self.answer(404, b"not found", {"X-Error-Code": "EntryNotFound"})
        data = open(os.path.join(MODEL_DIR, name), "rb").read()
        headers = {"X-Repo-Commit": COMMIT, "ETag": f'"{SHA256[name]}"'}
        start = 0
        range_header = self.headers.get("Range", "")
        if range_header.startswith("bytes=") and range_header.endswith("-"):
            start = int(range_header[len("bytes="):-1])
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            return self.answer(206, data[start:], headers)
        return self.answer(200, data, headers)

    def do_HEAD(self):
        name = self.resolve()
        if name is None:
            return self.answer(404, b"", {"X-Error-Code": "EntryNotFound"})
        size = os.path.getsize(os.path.join(MODEL_DIR, name))
        self.send_response(200)
        self.send_header("X-Repo-Commit", COMMIT)
        self.send_header("ETag", f'"{SHA256[name]}"')
        self.send_header("Content-Length", str(size))
        self.end_headers()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
with open(PORT_FILE, "w") as port_file:
    port_file.write(str(server.server_address[1]))
server.serve_forever()
