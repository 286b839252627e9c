#!/usr/bin/python3
"""Side-by-side table of bench/ann.sh: hnswlib (native) against vectorindex.

  table.py DIR   # DIR holds native.jsonl, native2.jsonl, veille.jsonl, veille2.jsonl, veille_int8.jsonl

Queries/s are compared at matched recall: each sweep's (recall, q/s) points
are interpolated linearly at recall 0.95 and 0.99. Ratios are ours/native, so
above 1 is better for q/s and below 1 is better for time and memory. The last
line is machine-readable.
"""
import json
import math
import os
import sys

TARGETS = (0.95, 0.99)


def lines(path):
    out = []
    if not os.path.exists(path):
        return out
    for raw in open(path):
        raw = raw.strip()
        if raw.startswith("{"):
            try:
                out.append(json.loads(raw))
            except ValueError:
                pass
    return out


def phase(rows, name):
    return sorted((r for r in rows if r.get("phase") == name), key=lambda r: r["ef"])


def build(rows):
    for r in rows:
        if r.get("phase") == "build":
            return r
    return {}


def at_recall(points, target, key="qps"):
    """q/s at the given recall, interpolated between the sweep points around it."""
    pts = [(p["recall"], p[key]) for p in points if key in p]
    if not pts:
        return math.nan
    if pts[0][0] >= target:
        return pts[0][1]  # even the smallest ef reaches it
    for (r0, q0), (r1, q1) in zip(pts, pts[1:]):
        if r0 < target <= r1:
            if r1 == r0:
                return q1
            return q0 + (q1 - q0) * (target - r0) / (r1 - r0)
    return math.nan  # never reached


def ef_at(points, target):
    """Smallest swept ef whose recall reaches target."""
    for p in points:
        if p["recall"] >= target:
            return p["ef"]
    return None


def recall_at_ef(points, ef):
    for p in points:
        if p["ef"] == ef:
            return p["recall"]
    return math.nan


def ratio(a, b):
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return math.nan
    return a / b


def fmt(x, digits=1):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "."
    nat, nat2 = lines(os.path.join(d, "native.jsonl")), lines(os.path.join(d, "native2.jsonl"))
    f32, f32b2 = lines(os.path.join(d, "veille.jsonl")), lines(os.path.join(d, "veille2.jsonl"))
    i8 = lines(os.path.join(d, "veille_int8.jsonl"))
    nb, nb2, fb, fb2, ib = build(nat), build(nat2), build(f32), build(f32b2), build(i8)
    ns, fs, is_ = phase(nat, "search"), phase(f32, "search"), phase(i8, "search")

    rows = []  # (metric, native, float32, ratio, int8, ratio)
    q = {}
    for t in TARGETS:
        n, f, i = at_recall(ns, t), at_recall(fs, t), at_recall(is_, t)
        q[t] = (ratio(f, n), ratio(i, n))
        rows.append((f"q/s at recall {t}", fmt(n), fmt(f), fmt(q[t][0], 2), fmt(i), fmt(q[t][1], 2)))
    qc = {}
    for t in TARGETS:
        n, f, i = at_recall(ns, t, "cpu_qps"), at_recall(fs, t, "cpu_qps"), at_recall(is_, t, "cpu_qps")
        qc[t] = (ratio(f, n), ratio(i, n))
        rows.append((f"q/s per CPU second at recall {t}", fmt(n), fmt(f), fmt(qc[t][0], 2), fmt(i), fmt(qc[t][1], 2)))
    b1 = ratio(fb.get("build_s"), nb.get("build_s"))
    b2 = ratio(fb2.get("build_s"), nb.get("build_s"))
    rows.append(("build s, 1 thread", fmt(nb.get("build_s"), 2), fmt(fb.get("build_s"), 2), fmt(b1, 2), "", ""))
    rows.append(("build s, 2 threads (ratio vs native 1 thread)", fmt(nb2.get("build_s"), 2), fmt(fb2.get("build_s"), 2),
                 fmt(b2, 2), "", ""))
    rows.append(("build s, 2 threads, ratio vs native 2 threads", "", "",
                 fmt(ratio(fb2.get("build_s"), nb2.get("build_s")), 2), "", ""))
    mem = ratio(fb.get("mem_mb"), nb.get("mem_mb"))
    rows.append(("memory MB after build", fmt(nb.get("mem_mb")), fmt(fb.get("mem_mb")), fmt(mem, 2),
                 fmt(ib.get("mem_mb")), fmt(ratio(ib.get("mem_mb"), nb.get("mem_mb")), 2)))
    if ib.get("vec_bytes"):
        rows.append(("searched bytes per vector", fmt(4 * nb.get("d", 0), 0), fmt(fb.get("vec_bytes"), 0), "",
                     fmt(ib.get("vec_bytes"), 0), fmt(ratio(ib.get("vec_bytes"), 4 * nb.get("d", 0)), 2)))
    for key, label in (("save_s", "save s"), ("load_s", "load s")):
        rows.append((label, fmt(nb.get(key), 3), fmt(fb.get(key), 3), fmt(ratio(fb.get(key), nb.get(key)), 2),
                     fmt(ib.get(key), 3), fmt(ratio(ib.get(key), nb.get(key)), 2)))
    rows.append(("rebuild / load (ours, 1 thread)", fmt(ratio(nb.get("build_s"), nb.get("load_s"))),
                 fmt(ratio(fb.get("build_s"), fb.get("load_s"))), "", "", ""))
    for label, (ph_n, ph_o) in {"recall after 10% deletes, at the ef of 0.95": ("search_after_delete", "search_after_delete"),
                                "recall with 10% allowed, at the ef of 0.95": (None, "filter")}.items():
        vals = []
        for src, s in ((nat, ns), (f32, fs), (i8, is_)):
            ph = ph_o if src is not nat else ph_n
            ef = ef_at(s, 0.95)
            vals.append(f"{fmt(recall_at_ef(phase(src, ph), ef), 4)} (ef {ef})" if ph and ef else "n/a")
        rows.append((label, vals[0], vals[1], "", vals[2], ""))
    ex_f = [r for r in f32 if r.get("phase") == "exact"]
    ex_i = [r for r in i8 if r.get("phase") == "exact"]
    rows.append(("exact scan q/s (goal: 214)", "", fmt(ex_f[0]["qps"] if ex_f else None),
                 fmt(ratio(ex_f[0]["qps"], 214.0) if ex_f else None, 2),
                 fmt(ex_i[0]["qps"] if ex_i else None), ""))

    head = ("metric", "hnswlib native", "veille float32", "ratio", "veille int8", "ratio")
    widths = [max(len(str(r[c])) for r in rows + [head]) for c in range(len(head))]
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths)))
    print("-|-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(str(x).ljust(w) for x, w in zip(r, widths)))
    print()
    print("sweeps (ef: recall / q/s):")
    for name, s in (("native", ns), ("float32", fs), ("int8", is_)):
        print(f"  {name:8s}", "  ".join(f"{p['ef']}:{p['recall']:.4f}/{p['qps']:.0f}" for p in s))
    print()
    print("CPU-time ratios (steadier on a busy machine): "
          f"cpu_ratio@0.95={fmt(qc[0.95][0], 2)} cpu_ratio@0.99={fmt(qc[0.99][0], 2)} "
          f"int8_cpu_ratio@0.95={fmt(qc[0.95][1], 2)} int8_cpu_ratio@0.99={fmt(qc[0.99][1], 2)}")
    print(f"ratio@0.95={fmt(q[0.95][0], 2)} ratio@0.99={fmt(q[0.99][0], 2)} "
          f"int8_ratio@0.95={fmt(q[0.95][1], 2)} int8_ratio@0.99={fmt(q[0.99][1], 2)} "
          f"build_ratio={fmt(b1, 2)} build2_ratio={fmt(b2, 2)} mem_ratio={fmt(mem, 2)}")


if __name__ == "__main__":
    main()
