#!/usr/bin/env bash
# Retrieval quality of veille against a bleve BM25 baseline, as BENCHMARKS.md
# reports it:
#
#   1. PIAF (../shared/data/piaf-fr-qa): `veille eval` (hybrid, vector,
#      lexical) with the STS headline pairs for the embedder's Spearman;
#   2. the PIAF corpus mixed with >= 5,000 French distractor paragraphs
#      (bench/distractors: Debian's manpages-fr and examples/archive), the
#      same PIAF questions;
#   3. the bleve v2 baseline (bench/bm25bleve: French analyzer, BM25) on both,
#      querying the text field (its default) and bleve's _all field (title and
#      text, its best configuration on PIAF).
#
# Every veille run ingests into a fresh data directory under a temporary
# directory, which is removed at the end (KEEP=1 keeps it). Prints one
# Markdown table, the Spearman line and the target checks; progress and logs
# go to stderr. Keyword figures are deterministic, vector ones vary by up to
# 0.01 (the HNSW graph is built by concurrent inserts); latencies depend on
# the machine's load.
#
#   bench/quality.sh                       # data from ../shared/data
#   DATA=/path/to/data bench/quality.sh
#
# Env: DATA (evaluation data dir), EMBED (extra flags for veille eval, e.g.
# "--embed-provider openai ..."; default: the built-in embedder), TIMEOUT
# (seconds allowed to each step, default 900), KEEP (keep the temp dir).
# Needs go and /usr/bin/python3; installs manpages-fr when absent.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${DATA:-$(cd "$ROOT/.." && pwd)/shared/data}
TIMEOUT=${TIMEOUT:-900}
PY=/usr/bin/python3
PIAF=$DATA/piaf-fr-qa
STS=$DATA/stsb-fr-headlines
for f in "$PIAF/corpus.jsonl" "$PIAF/queries.jsonl" "$STS/pairs.jsonl"; do
	[ -f "$f" ] || { echo "quality.sh: $f missing (set DATA)" >&2; exit 1; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/veille-quality.XXXXXX")
if [ -z "${KEEP:-}" ]; then
	trap 'rm -rf "$TMP"' EXIT
else
	echo "keeping $TMP" >&2
fi
step() { echo "== $* ($(date +%T))" >&2; }
bounded() { timeout --kill-after=10 "$TIMEOUT" "$@"; }

step "build veille and bm25bleve"
(cd "$ROOT" && go build -o "$TMP/veille" ./cmd/veille)
(cd "$ROOT/bench/bm25bleve" && go build -o "$TMP/bm25bleve" .)

step "distractors"
bounded "$PY" "$ROOT/bench/distractors/distractors.py" --out "$TMP/mix" --piaf "$PIAF/corpus.jsonl" >&2

# shellcheck disable=SC2086 # EMBED is a list of flags
veille_eval() { # name data-dir args...
	local name=$1 dir=$2
	shift 2
	step "veille eval $name"
	bounded "$TMP/veille" eval --data "$dir" --log-level warn ${EMBED:-} "$@" --json >"$TMP/$name.json"
}
bleve() { # name corpus fields
	step "bleve $1"
	bounded "$TMP/bm25bleve" -corpus "$2" -queries "$PIAF/queries.jsonl" -fields "$3" -json >"$TMP/$1.json"
}

veille_eval veille-piaf "$TMP/data-piaf" --corpus "$PIAF/corpus.jsonl" --queries "$PIAF/queries.jsonl" --pairs "$STS/pairs.jsonl"
veille_eval veille-mix "$TMP/data-mix" --corpus "$TMP/mix/mix.jsonl" --queries "$PIAF/queries.jsonl"
bleve bleve-piaf-text "$PIAF/corpus.jsonl" text
bleve bleve-piaf-all "$PIAF/corpus.jsonl" _all
bleve bleve-mix-text "$TMP/mix/mix.jsonl" text
bleve bleve-mix-all "$TMP/mix/mix.jsonl" _all

rev=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(cd "$ROOT" && git status --porcelain 2>/dev/null | grep -c . || true)
step "report"
"$PY" - "$TMP" "$PIAF" "$rev" "$dirty" <<'EOF'
import json, os, platform, sys

tmp, piaf, rev, dirty = sys.argv[1:5]

def load(name):
    with open(os.path.join(tmp, name + ".json"), encoding="utf-8") as f:
        return json.load(f)

def lines(path):
    with open(path, encoding="utf-8") as f:
        return sum(1 for l in f if l.strip())

def f3(v):
    return "-" if v is None else f"{v:.3f}"

def ms(ns):
    return f"{ns / 1e6:.2f} ms"

n_piaf = lines(os.path.join(piaf, "corpus.jsonl"))
n_mix = lines(os.path.join(tmp, "mix", "mix.jsonl"))
n_q = lines(os.path.join(piaf, "queries.jsonl"))
datasets = [("PIAF", "piaf", n_piaf), ("PIAF + distractors", "mix", n_mix)]

rows, spearman, hybrid, bleve_best = [], None, {}, {}
for label, key, n in datasets:
    ds = f"{label} ({n:,} passages)"
    for r in load("veille-" + key):
        m = r.get("Retrieval")
        if m is None:
            if r.get("Spearman") is not None:
                spearman = (r["Name"], r["Spearman"])
            continue
        name = r["Name"]
        mode = name.rsplit(" ", 1)[-1]
        if mode == "hybrid":
            hybrid[key] = m
        rows.append((ds, "veille " + name, m["recall_1"], m["recall_5"], m["recall_10"],
                     m["mrr_10"], m["ndcg_10"], ms(m["p50"])))
    for fields in ("text", "all"):
        b = load(f"bleve-{key}-{fields}")
        rows.append((ds, f"{b['engine']} {b['scoring']} on {b['fields']}", b["recall_at_1"],
                     b["recall_at_5"], b["recall_at_10"], b["mrr_at_10"], None,
                     f"{b['mean_query_us'] / 1000:.2f} ms (mean)"))
        if key not in bleve_best or b["recall_at_5"] > bleve_best[key]["recall_at_5"]:
            bleve_best[key] = b

print(f"veille {rev}{f' + {dirty} uncommitted files' if dirty != '0' else ''}, "
      f"{os.cpu_count()} CPUs ({platform.machine()}), {n_q:,} PIAF questions")
print()
print("| dataset | config | R@1 | R@5 | R@10 | MRR@10 | nDCG@10 | p50 |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for ds, cfg, r1, r5, r10, mrr, ndcg, lat in rows:
    print(f"| {ds} | {cfg} | {f3(r1)} | {f3(r5)} | {f3(r10)} | {f3(mrr)} | {f3(ndcg)} | {lat} |")
print()

def check(label, value, target, unit=""):
    d = value - target
    verdict = f"met by {d:.3f}" if d >= 0 else f"below by {-d:.3f}"
    if unit:
        verdict = f"met by {d:.1f}{unit}" if d >= 0 else f"below by {-d:.1f}{unit}"
        print(f"{label} = {value:.1f}{unit} (target ≥ {target:g}): {verdict}")
    else:
        print(f"{label} {value:.3f} (target ≥ {target:g}): {verdict}")

if spearman:
    print(f"STS headlines ({lines(os.path.join(os.path.dirname(piaf), 'stsb-fr-headlines', 'pairs.jsonl'))} pairs): "
          f"Spearman of {spearman[0]} {spearman[1]:.3f}")
print()
print("Targets:")
check("PIAF hybrid recall@5", hybrid["piaf"]["recall_5"], 0.88)
check("PIAF hybrid MRR@10", hybrid["piaf"]["mrr_10"], 0.79)
b = bleve_best["mix"]
check(f"mix: hybrid recall@5 − bleve recall@5 ({b['fields']}, the better bleve)",
      100 * (hybrid["mix"]["recall_5"] - b["recall_at_5"]), 5, " points")
if spearman:
    check("STS headlines Spearman", spearman[1], 0.72)
EOF
