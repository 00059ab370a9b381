"""Helpers shared by the scenario scripts: step markers, checks and deterministic file contents.

Only the standard library; the scenarios themselves use nothing but MLflow's public client API.
"""

import hashlib
import json
import os
import sys
import urllib.request

BIG_FILE_SIZE = 3 * 1024 * 1024


def big_file_bytes(size=BIG_FILE_SIZE):
    """Deterministic, non-repeating-looking bytes: byte i = (i * 7 + i // 4096) mod 251.

    The conformance test regenerates the same bytes to replay the upload (see
    test/conformance/replay.ts, `deterministicBytes`).
    """
    period = 251 * 4096  # f(i + period) == f(i)
    block = bytes(((i * 7 + i // 4096) % 251) for i in range(min(size, period)))
    out = bytearray()
    while len(out) < size:
        out += block
    return bytes(out[:size])


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def step(name):
    """Marks the start of a step in the recording, when run behind record_proxy.py."""
    url = os.environ.get("SCENARIO_STEP_URL")
    print(f"-- {name}", flush=True)
    if not url:
        return
    req = urllib.request.Request(url, data=json.dumps({"name": name}).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()


_failures = []


def check(condition, what):
    """Records a failed expectation and carries on, so one run reports every difference."""
    if condition:
        return
    _failures.append(what)
    print(f"   FAIL: {what}", flush=True)


def check_eq(actual, expected, what):
    check(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


def expect_error(fn, error_code, what):
    """Calls fn and checks that it raises an MlflowException with the given error_code."""
    from mlflow.exceptions import MlflowException

    try:
        fn()
    except MlflowException as e:
        check_eq(e.error_code, error_code, f"{what} error_code")
        return e
    except Exception as e:  # noqa: BLE001 - any other failure is a difference to report
        check(False, f"{what}: expected MlflowException({error_code}), got {type(e).__name__}: {e}")
        return e
    check(False, f"{what}: expected MlflowException({error_code}), nothing was raised")
    return None


def finish(scenario):
    if _failures:
        print(f"{scenario}: {len(_failures)} check(s) FAILED", flush=True)
        for f in _failures:
            print(f"  - {f}", flush=True)
        sys.exit(1)
    print(f"{scenario}: all checks passed", flush=True)
