"""Tracking server benchmark: Puente and the MLflow tracking server side by side, in one run, with
the same load scripts and data, on SQLite and PostgreSQL. Writes results/*.json and ../RESULTS.md.

    /usr/bin/python3 bench/tracking/bench.py [--backends "sqlite postgres"] [--runs 10000]
        [--big-runs 100000] [--seconds 20] [--reps 3] [--skip-mlflow]

MLflow runs from its source tree: put it (and the placeholder modules of the setup script) on
PYTHONPATH, see bench/README.md. PostgreSQL: a server on 127.0.0.1:5432 with a superuser
puente/puente (scripts/ci/start-postgres.sh); databases are created fresh for each server.
Every server started here is stopped by PID, also on errors.
"""
import argparse
import datetime
import http.client
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import tb_common as tb  # noqa: E402

PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
RES = os.path.join(HERE, "results")
PG_ADMIN = "postgres://puente:puente@127.0.0.1:5432/postgres"
PORTS = {"mlflow": 5610, "puente": 5611}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run_json(cmd, timeout=3600):
    log("+", " ".join(cmd))
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, timeout=timeout).stdout
    return json.loads(out.strip().splitlines()[-1])


def pg_fresh(db):
    for stmt in (f"DROP DATABASE IF EXISTS {db}", f"CREATE DATABASE {db}"):
        subprocess.run(["psql", "-q", PG_ADMIN, "-c", stmt], check=True, stdout=subprocess.DEVNULL)


def server_spec(server, backend, workdir, tag):
    """Command, environment and health path of a server on a fresh store."""
    data = os.path.join(workdir, f"{server}-{backend}-{tag}")
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    port = PORTS[server]
    if server == "puente":
        env = dict(os.environ, PUENTE_LOG_LEVEL="warn")
        if backend == "postgres":
            db = f"puente_bench_{tag}"
            pg_fresh(db)
            env["PUENTE_DATABASE_URL"] = f"postgres://puente:puente@127.0.0.1:5432/{db}"
        cmd = ["node", os.path.join(ROOT, "bin", "puente.js"), "server", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data]
        return cmd, env, port
    if backend == "postgres":
        db = f"mlflow_bench_{tag}"
        pg_fresh(db)
        uri = f"postgresql://puente:puente@127.0.0.1:5432/{db}"
    else:
        uri = f"sqlite:///{data}/mlflow.db"
    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true")
    cmd = [PY, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
           "--backend-store-uri", uri, "--artifacts-destination", os.path.join(data, "art")]
    return cmd, env, port


def start(cmd, env, port, log_path, timeout=180):
    """Spawns a server; returns (process, seconds until the first 200 on GET /health)."""
    logf = open(log_path, "ab")
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, env=env)
    while time.perf_counter() - t0 < timeout:
        if p.poll() is not None:
            raise RuntimeError(f"server exited early ({p.returncode}); see {log_path}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/health")
            if c.getresponse().status == 200:
                c.close()
                return p, time.perf_counter() - t0
        except OSError:
            pass
        time.sleep(0.02)
    tb.stop_server(p)
    raise RuntimeError(f"server did not answer /health within {timeout} s")


def median(values):
    v = sorted(values)
    return v[len(v) // 2]


def measure(server, backend, a, workdir):
    """Start-up, idle memory, corpus creation, search, ingestion and memory after load of one server."""
    res = {"server": server, "backend": backend}
    log_path = os.path.join(workdir, f"{server}-{backend}.log")
    starts = []
    for i in range(3):
        cmd, env, port = server_spec(server, backend, workdir, f"start{i}")
        p, secs = start(cmd, env, port, log_path)
        starts.append(round(secs, 3))
        if i == 2:
            time.sleep(5)
            res["idle_rss_mb"] = round(tb.tree_mem(p.pid)["rss_mb"], 1)
        tb.stop_server(p)
    res["start_s"] = starts
    res["start_median_s"] = median(starts)

    cmd, env, port = server_spec(server, backend, workdir, "main")
    p, _ = start(cmd, env, port, log_path)
    url = f"http://127.0.0.1:{port}"
    try:
        pop = run_json([PY, os.path.join(HERE, "populate_search.py"), "--url", url, "--runs", str(a.runs),
                        "--clients", "4", "--max-seconds", "900", "--experiment", "search-corpus"])
        res["populate"] = pop
        res["search_10k"] = run_json([PY, os.path.join(HERE, "search_bench.py"), "--url", url,
                                      "--experiment-id", pop["experiment_id"], "--reps", "20",
                                      "--out", os.path.join(RES, f"{backend}_{server}_search.json")])
        ingest = []
        for i in range(a.reps):
            ingest.append(run_json([PY, os.path.join(HERE, "ingest.py"), "--url", url, "--kind", "raw", "--clients", "4",
                                    "--seconds", str(a.seconds), "--warmup", "3", "--server-pid", str(p.pid),
                                    "--experiment", f"ingest-{i}"]))
            time.sleep(2)
        res["ingest_runs"] = [{k: r[k] for k in ("points_per_s", "p50_ms", "p99_ms", "requests_err")} for r in ingest]
        res["ingest_median"] = sorted(ingest, key=lambda r: r["points_per_s"])[len(ingest) // 2]
        time.sleep(5)
        res["rss_after_load_mb"] = round(tb.tree_mem(p.pid)["rss_mb"], 1)
        if server == "puente" and a.big_runs > a.runs:
            more = run_json([PY, os.path.join(HERE, "populate_search.py"), "--url", url, "--runs", str(a.big_runs),
                             "--clients", "4", "--max-seconds", "1800", "--experiment", "search-corpus-big"])
            res["populate_big"] = more
            res["search_big"] = run_json([PY, os.path.join(HERE, "search_bench.py"), "--url", url,
                                          "--experiment-id", more["experiment_id"], "--reps", "20",
                                          "--out", os.path.join(RES, f"{backend}_{server}_search_big.json")])
    finally:
        tb.stop_server(p)
    return res


def mlflow_available():
    try:
        subprocess.run([PY, "-c", "import mlflow.server"], check=True, capture_output=True, timeout=120)
        return True
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        return False


def raw_insert_ratio():
    """In-process: log-batch over HTTP against a raw better-sqlite3 insert of the same rows."""
    out = subprocess.run(["npx", "tsx", os.path.join(ROOT, "bench", "tracking-bench.ts"), "--runs", "1000"],
                         check=True, capture_output=True, text=True, cwd=ROOT).stdout
    log(out)
    vals = {}
    for line in out.splitlines():
        if "Puente HTTP log-batch" in line:
            vals["http_points_per_s"] = float(line.split(":")[1].split("points")[0].replace(",", ""))
        if "raw better-sqlite3" in line:
            vals["raw_points_per_s"] = float(line.split(":")[1].split("points")[0].replace(",", ""))
    vals["ratio"] = vals["http_points_per_s"] / vals["raw_points_per_s"]
    return vals


def fmt(v, unit=""):
    if v is None:
        return "not measured"
    if isinstance(v, float):
        v = f"{v:,.1f}" if v < 1000 else f"{v:,.0f}"
    return f"{v}{unit}"


def report(results, raw, a, command):
    lines = ["# Benchmark results", "",
             f"Last run: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, "
             f"{os.cpu_count()} cores, {platform.machine()}, Node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}. "
             "Clients, servers and databases share the machine.", "",
             "Command (from the project root):", "", "```", command, "```", "",
             "Peer: the MLflow tracking server (`mlflow server --workers 2`, MLflow 3.6 from source), measured in the same run "
             "with the same load scripts (`bench/tracking/*.py`). Ratios are Puente ÷ MLflow for rates, MLflow ÷ Puente for times.", ""]
    for backend in a.backends.split():
        m, p = results.get((backend, "mlflow")), results.get((backend, "puente"))
        lines += [f"## Tracking on {'SQLite' if backend == 'sqlite' else 'PostgreSQL'}", "",
                  "| measurement | MLflow | Puente | ratio | goal | met |", "|---|---|---|---|---|---|"]

        def row(name, mv, pv, goal, better="higher", threshold=None, unit=""):
            ratio = None
            if mv and pv:
                ratio = pv / mv if better == "higher" else mv / pv
            met = "—"
            if threshold is not None and ratio is not None:
                met = "yes" if ratio >= threshold else "no"
            lines.append(f"| {name} | {fmt(mv, unit)} | {fmt(pv, unit)} | {fmt(ratio, '×') if ratio else '—'} | {goal} | {met} |")

        g = lambda r, *keys: (lambda v: v)(_dig(r, keys))
        row("log-batch ingestion, 1,000 points/request, 4 clients: points/s (median of runs)",
            g(m, "ingest_median", "points_per_s"), g(p, "ingest_median", "points_per_s"), "≥ 10×", threshold=10)
        row("same: request p50 ms", g(m, "ingest_median", "p50_ms"), g(p, "ingest_median", "p50_ms"), "", better="lower")
        row("run creation (runs/create + log-batch of 10 params, 10 metrics; 4 clients): runs/s",
            g(m, "populate", "runs_per_s"), g(p, "populate", "runs_per_s"), "≥ 10×", threshold=10)
        row(f"search `metrics.auc > 0.8 and params.model = 'gbdt'` by `metrics.auc DESC`, 100 of {a.runs:,} runs: p50 ms",
            g(m, "search_10k", "filter_order", "p50_ms"), g(p, "search_10k", "filter_order", "p50_ms"), "≥ 10× faster", better="lower", threshold=10)
        row("same: p99 ms", g(m, "search_10k", "filter_order", "p99_ms"), g(p, "search_10k", "filter_order", "p99_ms"), "", better="lower")
        row("search, order by `metrics.auc DESC` only: p50 ms", g(m, "search_10k", "order_only", "p50_ms"), g(p, "search_10k", "order_only", "p50_ms"), "", better="lower")
        row("start → first 200 on /health, s (median of 3, empty store)", g(m, "start_median_s"), g(p, "start_median_s"), "Puente ≤ 1 s", better="lower")
        row("idle RSS of the server process tree, MB", g(m, "idle_rss_mb"), g(p, "idle_rss_mb"), "Puente ≤ 150 MB", better="lower")
        row("RSS after the ingestion load, MB", g(m, "rss_after_load_mb"), g(p, "rss_after_load_mb"), "Puente ≤ 300 MB", better="lower")
        big = g(p, "search_big", "filter_order", "p50_ms")
        if big is not None:
            lines.append(f"| same search over {a.big_runs:,} runs: p50 ms | — | {fmt(big)} | — | ≤ 50 ms | {'yes' if big <= 50 else 'no'} |")
        lines.append("")
    if raw:
        lines += ["## Ingestion against a raw SQLite insert", "",
                  "`npx tsx bench/tracking-bench.ts`: 400,000 points through log-batch over HTTP (4 concurrent clients in a worker thread) "
                  "against a raw better-sqlite3 insert of the same rows into the same table in one process.", "",
                  "| Puente log-batch points/s | raw insert points/s | ratio | goal |", "|---|---|---|---|",
                  f"| {fmt(raw['http_points_per_s'])} | {fmt(raw['raw_points_per_s'])} | {raw['ratio']:.2f} | ≥ 0.33 |", ""]
    lines += ["Raw figures per measurement: `bench/tracking/results/`.", ""]
    with open(os.path.join(ROOT, "bench", "RESULTS.md"), "w") as f:
        f.write("\n".join(lines))


def _dig(obj, keys):
    for k in keys:
        if not isinstance(obj, dict) or k not in obj:
            return None
        obj = obj[k]
    return obj


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="sqlite postgres")
    ap.add_argument("--runs", type=int, default=10000)
    ap.add_argument("--big-runs", type=int, default=100000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--skip-mlflow", action="store_true")
    ap.add_argument("--skip-raw", action="store_true")
    a = ap.parse_args()
    command = "/usr/bin/python3 bench/tracking/bench.py " + " ".join(sys.argv[1:])
    os.makedirs(RES, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="puente-tracking-bench-")
    subprocess.run(["npm", "run", "build", "--silent"], check=True, cwd=ROOT)
    servers = ["puente"]
    if not a.skip_mlflow:
        if mlflow_available():
            servers.insert(0, "mlflow")
        else:
            log("MLflow is not importable with this PYTHONPATH: measuring Puente only (see bench/README.md)")
    results = {}
    for backend in a.backends.split():
        for server in servers:
            log(f"== {server} on {backend}")
            results[(backend, server)] = measure(server, backend, a, workdir)
            tb.write_json(os.path.join(RES, f"{backend}_{server}.json"), results[(backend, server)])
    raw = None if a.skip_raw else raw_insert_ratio()
    if raw:
        tb.write_json(os.path.join(RES, "raw_insert.json"), raw)
    report(results, raw, a, command)
    shutil.rmtree(workdir, ignore_errors=True)
    log("wrote bench/RESULTS.md")


if __name__ == "__main__":
    main()
