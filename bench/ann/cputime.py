#!/usr/bin/python3
"""Run a benchmark command and add its main thread's CPU time to its JSON lines.

  cputime.py CMD [ARGS...]

Each JSON line the command prints is passed through with "cpu_s", the CPU
seconds its main thread had used when the line appeared (from
/proc/PID/task/PID/schedstat, in nanoseconds). For "search*" lines it also adds
"cpu_qps": the queries of that sweep point (NQ timed plus min(50, NQ) warm-up,
as hnswlib_native.cpp runs them) per CPU second of the thread since the
previous line. On a busy shared machine this tracks the work done far better
than the wall clock. NQ comes from the meta.json of the data directory given
as the command's first argument.
"""
import json
import os
import subprocess
import sys


def cpu_ns(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/schedstat") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def main():
    cmd = sys.argv[1:]
    nq = None
    if len(cmd) > 1 and os.path.exists(os.path.join(cmd[1], "meta.json")):
        nq = json.load(open(os.path.join(cmd[1], "meta.json")))["nq"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1)
    last = cpu_ns(p.pid)
    for line in p.stdout:
        now = cpu_ns(p.pid)
        try:
            d = json.loads(line)
        except ValueError:
            sys.stdout.write(line)
            continue
        if now is not None:
            d["cpu_s"] = round(now / 1e9, 3)
            if nq and str(d.get("phase", "")).startswith("search") and last is not None and now > last:
                d["cpu_qps"] = round((nq + min(50, nq)) / ((now - last) / 1e9), 1)
        last = now
        print(json.dumps(d), flush=True)
    sys.exit(p.wait())


if __name__ == "__main__":
    main()
