#!/usr/bin/env python3
"""A recording HTTP proxy for MLflow REST traffic (Python standard library only).

Forwards every request to a target server and appends one JSON line per exchange to a file:

    {"seq": 3,
     "request":  {"method": "POST", "path": "/api/2.0/mlflow/runs/create",
                  "query": [["k", "v"], ...], "content_type": "application/json", "json": {...}},
     "response": {"status": 200, "content_type": "application/json", "json": {...}}}

Bodies that are not JSON are written as {"size", "sha256"} plus "base64" when they are at most
--inline-limit bytes, so a recording stays small while still pinning the exact bytes.

A scenario script may mark where its steps begin by sending `POST /__scenario/step` with
`{"name": "..."}` to the proxy; the proxy writes `{"step": "..."}` and does not forward it.

    python3 record_proxy.py --target http://127.0.0.1:5055 --out run.jsonl --port-file port.txt

Lines are written when a response completes; a request that depends on an earlier answer is
only sent after that answer arrived, so the file order respects causality.
"""

import argparse
import base64
import hashlib
import http.client
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "content-length", "host",
}


def describe_body(raw, content_type, inline_limit):
    """JSON bodies as parsed JSON; anything else as size + sha256 (+ base64 when small)."""
    if not raw:
        return {}
    if "json" in (content_type or ""):
        try:
            return {"json": json.loads(raw.decode("utf-8"))}
        except (UnicodeDecodeError, ValueError):
            pass
    body = {"size": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
    if len(raw) <= inline_limit:
        body["base64"] = base64.b64encode(raw).decode("ascii")
    return {"body": body}


class Recorder:
    def __init__(self, path):
        self._lock = threading.Lock()
        self._seq = 0
        self._file = open(path, "a", encoding="utf-8")

    def next_seq(self):
        with self._lock:
            self._seq += 1
            return self._seq

    def write(self, entry):
        with self._lock:
            self._file.write(json.dumps(entry, sort_keys=True) + "\n")
            self._file.flush()


def make_handler(target, recorder, inline_limit):
    target_url = urllib.parse.urlsplit(target)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # keep the terminal quiet; the recording is the log
            pass

        def _read_body(self):
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().strip().split(b";")[0], 16)
                    if size == 0:
                        self.rfile.readline()
                        break
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                return b"".join(chunks)
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _reply(self, status, headers, body):
            self.send_response(status)
            for key, value in headers:
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _handle(self):
            raw = self._read_body()
            split = urllib.parse.urlsplit(self.path)
            if split.path == "/__scenario/step":
                recorder.write({"seq": recorder.next_seq(), "step": json.loads(raw or b"{}").get("name")})
                self._reply(200, [("Content-Type", "application/json")], b"{}")
                return
            seq = recorder.next_seq()
            content_type = self.headers.get("Content-Type")
            request = {
                "method": self.command,
                "path": split.path,
                "query": urllib.parse.parse_qsl(split.query, keep_blank_values=True),
            }
            if content_type:
                request["content_type"] = content_type
            request.update(describe_body(raw, content_type, inline_limit))

            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Host"] = target_url.netloc
            if raw or self.command in ("POST", "PUT", "PATCH", "DELETE"):
                headers["Content-Length"] = str(len(raw))
            conn = http.client.HTTPConnection(target_url.hostname, target_url.port, timeout=600)
            try:
                conn.request(self.command, self.path, body=raw or None, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                resp_headers = resp.getheaders()
                status = resp.status
            finally:
                conn.close()
            resp_type = resp.getheader("Content-Type")
            response = {"status": status}
            if resp_type:
                response["content_type"] = resp_type
            response.update(describe_body(body, resp_type, inline_limit))
            recorder.write({"seq": seq, "request": request, "response": response})
            self._reply(status, resp_headers, body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", required=True, help="server to forward to, e.g. http://127.0.0.1:5055")
    ap.add_argument("--out", required=True, help="JSON-lines file to append to")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--port-file", help="write the chosen port here once listening")
    ap.add_argument("--inline-limit", type=int, default=64 * 1024)
    a = ap.parse_args()

    server = ThreadingHTTPServer((a.host, a.port), make_handler(a.target, Recorder(a.out), a.inline_limit))
    server.daemon_threads = True
    if a.port_file:
        with open(a.port_file, "w", encoding="utf-8") as f:
            f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
