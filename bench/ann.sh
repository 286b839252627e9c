#!/usr/bin/env bash
# Side-by-side ANN benchmark: hnswlib compiled for this CPU against vectorindex,
# on the same files (see /work/shared/bench/ann/README.md).
#
#   bench/ann.sh                      # N=100000 D=384, M=16 efC=200, k=10
#   N=20000 D=384 bench/ann.sh        # smaller and quicker
#
# Env: N, D (data size), DATA (data dir, default /tmp/ann/n${N}_d${D}),
# SHARED (reference harness dir), OUT (run dir, default /tmp/ann/run-<time>).
# Installs libhnswlib-dev, g++ and python3-numpy when absent (needs root or
# sudo), generates the data when missing, then runs native hnswlib (1 and 2
# insert threads) and bench/ann (float32 with 1 and 2 build threads, int8)
# back to back and prints one table; the last line holds the wall-clock
# ratios, the line before it the same q/s ratios per CPU second of the query
# thread, which a busy machine disturbs far less.
set -euo pipefail

# The whole script is one function, so bash parses it before running it.
main() {
	N=${N:-100000}
	D=${D:-384}
	DATA=${DATA:-/tmp/ann/n${N}_d${D}}
	SHARED=${SHARED:-/work/shared/bench/ann}
	OUT=${OUT:-/tmp/ann/run-$(date +%Y%m%d-%H%M%S)}
	ROOT=$(cd "$(dirname "$0")/.." && pwd)
	PY=/usr/bin/python3

	sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

	missing=()
	[ -f /usr/include/hnswlib/hnswlib.h ] || missing+=(libhnswlib-dev)
	command -v g++ >/dev/null || missing+=(g++)
	"$PY" -c 'import numpy' 2>/dev/null || missing+=(python3-numpy)
	if [ ${#missing[@]} -gt 0 ]; then
		echo "installing ${missing[*]}" >&2
		sudo_ apt-get update -qq
		sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
	fi

	if [ ! -f "$DATA/meta.json" ]; then
		echo "generating N=$N D=$D into $DATA" >&2
		"$PY" "$SHARED/gen_data.py" --out "$DATA" --n "$N" --d "$D" >&2
	fi

	mkdir -p "$OUT"
	NATIVE=$OUT/hnswlib_native
	g++ -O3 -march=native -DNDEBUG -o "$NATIVE" "$SHARED/hnswlib_native.cpp" -lpthread
	(cd "$ROOT" && go build -o "$OUT/veille-ann" ./bench/ann)

	{
		echo "date: $(date -u +%FT%TZ)"
		echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
		echo "go: $(go version)"
		echo "data: $DATA ($(tr -d '\n ' <"$DATA/meta.json" | grep -o '"n":[0-9]*,"d":[0-9]*'))"
		echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	} | tee "$OUT/env.txt" >&2

	echo "native hnswlib, 1 thread" >&2
	# cputime.py adds the CPU time of the query thread to each line (cpu_qps).
	"$PY" "$ROOT/bench/ann/cputime.py" "$NATIVE" "$DATA" 16 200 1 | tee "$OUT/native.jsonl" >&2
	echo "native hnswlib, 2 insert threads (build line only)" >&2
	# The harness sweeps after the build line; only the build matters here.
	("$NATIVE" "$DATA" 16 200 2 || true) | head -n 1 | tee "$OUT/native2.jsonl" >&2
	echo "vectorindex float32, 1 thread" >&2
	"$OUT/veille-ann" -data "$DATA" -threads 1 | tee "$OUT/veille.jsonl" >&2
	echo "vectorindex float32, 2 build threads (build line only)" >&2
	"$OUT/veille-ann" -data "$DATA" -threads 2 -phases build | tee "$OUT/veille2.jsonl" >&2
	echo "vectorindex int8 (2 build threads; queries on one)" >&2
	"$OUT/veille-ann" -data "$DATA" -threads 2 -quant int8 | tee "$OUT/veille_int8.jsonl" >&2
	echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/env.txt" >&2

	echo
	cat "$OUT/env.txt"
	echo "results: $OUT"
	echo
	"$PY" "$ROOT/bench/ann/table.py" "$OUT"
}

main "$@"
