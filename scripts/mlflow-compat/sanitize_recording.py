#!/usr/bin/env python3
"""Replaces machine-specific paths in a recording, keeping every body's length.

Uploaded files can carry paths of the machine that recorded them (a pickled Python class keeps
the file name of its source). Each occurrence of an OLD string is overwritten by a placeholder of
exactly the same length, in JSON strings and in inline (base64) bodies, and sha256 is recomputed,
so sizes in artifact listings still agree with the bodies.

    sanitize_recording.py RECORDING.jsonl OLD [OLD...]
"""

import base64
import hashlib
import json
import sys


def placeholder(old):
    return "<redacted>".ljust(len(old), "_")[: len(old)]


def fix_str(s, olds):
    for old in olds:
        s = s.replace(old, placeholder(old))
    return s


def walk(value, olds):
    if isinstance(value, str):
        return fix_str(value, olds)
    if isinstance(value, list):
        return [walk(v, olds) for v in value]
    if isinstance(value, dict):
        return {k: walk(v, olds) for k, v in value.items()}
    return value


def fix_part(part, olds):
    if "json" in part:
        part["json"] = walk(part["json"], olds)
    body = part.get("body")
    if body and "base64" in body:
        raw = base64.b64decode(body["base64"])
        for old in olds:
            raw = raw.replace(old.encode(), placeholder(old).encode())
        body["base64"] = base64.b64encode(raw).decode("ascii")
        body["sha256"] = hashlib.sha256(raw).hexdigest()
        assert body["size"] == len(raw)


def main():
    path, olds = sys.argv[1], [o for o in sys.argv[2:] if o]
    olds.sort(key=len, reverse=True)  # longest first, so a prefix does not break a longer match
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            entry = json.loads(line)
            for key in ("request", "response"):
                if key in entry:
                    fix_part(entry[key], olds)
            out.append(json.dumps(entry, sort_keys=True))
    text = "\n".join(out) + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    decoded = text + "".join(
        base64.b64decode(m).decode("latin-1") for m in _inline_bodies(out)
    )
    for marker in ("/tmp/", "/root/", "/home/", "/work/"):
        if marker in decoded:
            print(f"warning: {path} still contains {marker!r}", file=sys.stderr)


def _inline_bodies(lines):
    for line in lines:
        entry = json.loads(line)
        for key in ("request", "response"):
            body = entry.get(key, {}).get("body")
            if body and "base64" in body:
                yield body["base64"]


if __name__ == "__main__":
    main()
