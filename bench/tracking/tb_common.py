"""Shared helpers of the tracking benchmarks (HTTP client, percentiles, process-tree memory, server stop)."""
import http.client
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"


def pct(values, q):
    """Percentile with linear interpolation (numpy's default), values in any order."""
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * q / 100.0
    f = int(k)
    c = min(f + 1, len(v) - 1)
    return v[f] + (v[c] - v[f]) * (k - f)


class Api:
    """Keep-alive JSON client on http.client (which sets TCP_NODELAY on its socket)."""

    def __init__(self, url, timeout=120):
        hp = url.split("//", 1)[1].rstrip("/")
        host, port = hp.split(":")
        self.host, self.port, self.timeout = host, int(port), timeout
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def post_raw(self, path, body_bytes):
        try:
            self.conn.request("POST", path, body=body_bytes, headers={"Content-Type": "application/json"})
            r = self.conn.getresponse()
            data = r.read()
            return r.status, data
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            return 599, b""

    def post(self, path, obj):
        s, d = self.post_raw(path, json.dumps(obj).encode())
        if s != 200:
            raise RuntimeError(f"POST {path} -> {s}: {d[:300]!r}")
        return json.loads(d)

    def get(self, path):
        self.conn.request("GET", path)
        r = self.conn.getresponse()
        return r.status, r.read()


def create_experiment(url, name):
    return Api(url).post("/api/2.0/mlflow/experiments/create", {"name": name})["experiment_id"]


def create_run(api, exp_id, name=None):
    body = {"experiment_id": exp_id, "start_time": int(time.time() * 1000)}
    if name:
        body["run_name"] = name
    return api.post("/api/2.0/mlflow/runs/create", body)["run"]["info"]["run_id"]


# ---------------------------------------------------------------- process tree
def children_map():
    m = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                m.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return m


def tree_pids(pid):
    m, out, todo = children_map(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(m.get(p, []))
    return out


def proc_mem_kb(pid):
    """(rss_kb, pss_kb, cmdline) of one process."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return 0, 0, ""
    return rss, pss, cmd


def tree_mem(pid):
    procs = [(p,) + proc_mem_kb(p) for p in tree_pids(pid)]
    return {"rss_mb": sum(p[1] for p in procs) / 1024, "pss_mb": sum(p[2] for p in procs) / 1024,
            "procs": [{"pid": p[0], "rss_mb": round(p[1] / 1024, 1), "pss_mb": round(p[2] / 1024, 1),
                       "cmd": p[3][:120]} for p in procs]}


# ---------------------------------------------------------------- server control
def stop_server(p):
    """SIGTERM every process of the tree by PID (uvicorn supervisor stops its workers), then
    SIGKILL any survivor. `mlflow server` does not forward signals, so its child must be signalled."""
    pids = tree_pids(p.pid)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.time() + 15
    while time.time() < deadline:
        alive = [pid for pid in pids if os.path.exists(f"/proc/{pid}") and not _zombie(pid)]
        if not alive:
            break
        time.sleep(0.2)
    for pid in pids:
        if os.path.exists(f"/proc/{pid}") and not _zombie(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
    print(json.dumps({k: v for k, v in obj.items() if k not in ("procs", "latencies_ms")})[:600], file=sys.stderr)
