#!/usr/bin/env bash
# bench/ingest.sh: veille's ingest benchmark, offline and bounded in time.
#
# Builds veille and bench/ingest, writes a synthetic French-like archive of
# $N paragraphs with bench/gen (one issue a week, 50 paragraphs each; reused
# when already there), then runs bench/ingest: "veille ingest" end to end
# into a fresh data directory with the built-in embedder, the same again on
# the unchanged archive, the embedder alone and the raw vectorindex insert
# rate for the same vectors. Prints a Markdown table, the ratios and a JSON
# line.
#
#   bench/ingest.sh                 # 100,000 paragraphs
#   N=20000 bench/ingest.sh         # a quicker run
#   PAIRS=2 bench/ingest.sh         # then two more first ingests and AddBatch runs, alternated
#   SIDE=4 bench/ingest.sh          # then four first ingests, each run at the same time as an
#                                   # AddBatch run, a core each (needs taskset), for their CPU ratio
#   SHARED=4 bench/ingest.sh        # then four first ingests, each run at the same time as an
#                                   # AddBatch run, both free on both cores, for their CPU ratio
#   PROFILE=1 bench/ingest.sh       # instead: in-process archive.Ingest with CPU profiles, and
#                                   # the index inserts' share of its CPU samples
#
# Settings (environment): N (100000), SEED (1), GEN (archive folder, default
# /tmp/veille-ingest/n$N-s$SEED), OUT (binaries, logs and profiles, default
# /tmp/veille-ingest/run-<time>), TIMEOUT (bound of each veille run, 1h),
# PROFILE=1 (the harness run described above; profiles in $OUT), PAIRS (0: the
# number of extra alternated pairs, whose ratios and medians are printed),
# SIDE (0: the number of side-by-side rounds, whose CPU ratios and median
# are printed), SHARED (0: the same for rounds sharing both cores).
set -euo pipefail

main() {
	N=${N:-100000}
	SEED=${SEED:-1}
	GEN=${GEN:-/tmp/veille-ingest/n$N-s$SEED}
	OUT=${OUT:-/tmp/veille-ingest/run-$(date +%Y%m%d-%H%M%S)}
	TIMEOUT=${TIMEOUT:-1h}
	ROOT=$(cd "$(dirname "$0")/.." && pwd)

	mkdir -p "$OUT"
	cd "$ROOT"
	echo "building into $OUT" >&2
	if [[ ${PROFILE:-} != 1 ]]; then
		go build -o "$OUT/veille" ./cmd/veille
	fi
	go build -o "$OUT/bench-ingest" ./bench/ingest
	go build -o "$OUT/bench-gen" ./bench/gen
	"$OUT/bench-gen" -out "$GEN" -n "$N" -seed "$SEED"

	{
		echo "date: $(date -u +%FT%TZ)"
		echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
		echo "go: $(go version)"
		echo "archive: $GEN ($N paragraphs)"
	} | tee "$OUT/env.txt" >&2

	if [[ ${PROFILE:-} == 1 ]]; then
		"$OUT/bench-ingest" -harness -archive "$GEN" -work "$OUT/harness" -cpuprofile "$OUT/ingest.pprof" | tee "$OUT/harness.txt"
		rm -rf "$OUT/harness"
		index_share "$OUT/bench-ingest" "$OUT/ingest.pprof"
		echo
		echo "profiles: $OUT/ingest.pprof $OUT/ingest.pprof.reingest"
		echo "  go tool pprof -top $OUT/bench-ingest $OUT/ingest.pprof"
		return
	fi
	# The data directories go to $OUT/work (removed at the end); the logs of
	# the veille runs stay in $OUT.
	"$OUT/bench-ingest" -veille "$OUT/veille" -archive "$GEN" -work "$OUT/work" -timeout "$TIMEOUT" -pairs "${PAIRS:-0}" -side-by-side "${SIDE:-0}" -shared "${SHARED:-0}" | tee "$OUT/result.md"
	mv "$OUT"/work/*.log "$OUT"/ 2>/dev/null || true
	rm -rf "$OUT/work"
	echo
	echo "results: $OUT/result.md"
}

# index_share prints the share of the first ingest's CPU samples spent in the
# index's inserts (every stack through vectorindex but its snapshot), and the
# ingest's cost against those inserts, both from the one run: where the ratio
# against an AddBatch run minutes apart moves by 0.2 with the host's speed,
# this one moved by 0.01 to 0.07 over runs of one binary.
index_share() {
	local top
	top=$(go tool pprof -top -nodefraction=0 -nodecount=1000000 -focus='vectorindex' \
		-ignore='vectorindex.*(Save|Close|write)' "$1" "$2" 2>/dev/null)
	echo "$top" | awk '
	function secs(x) {
		sub(/,$/, "", x)
		if (x ~ /ms$/) return x / 1000
		if (x ~ /mins$/) return x * 60
		if (x ~ /hrs$/) return x * 3600
		return x + 0
	}
	/^Showing nodes accounting for/ {
		index_s = secs($5); total = secs($8)
		printf "index inserts: %.1f s of the ingest'"'"'s %.1f s of CPU samples (%.1f %%); the ingest costs %.3f× its index inserts\n", index_s, total, 100 * index_s / total, total / index_s
	}'
}

main "$@"
