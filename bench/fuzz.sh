#!/usr/bin/env bash
# bench/fuzz.sh: runs every fuzz target of the repository, one at a time.
#
# Finds the targets (each "func FuzzXxx" of a *_test.go file), runs each with
# "go test -fuzz" for $FUZZTIME, then prints a Markdown table: package,
# target, wall time, executions, new corpus entries and the result. A target
# that fails leaves the failing input in <package>/testdata/fuzz/<target>/
# (go test writes it there): every later "go test" runs it as a regression
# case, so commit it with the fix. The table lists those files. A target
# that only stops with Go 1.26's "context deadline exceeded" at the end of its
# time, no input written, is a known race in Go's fuzzing (go.dev/issue/75804)
# and is reported as ok, saying so.
#
#   bench/fuzz.sh                         # 3 minutes a target
#   FUZZTIME=30s bench/fuzz.sh            # a quick run
#   bench/fuzz.sh ./ingest ./dates        # the targets of some packages
#   TARGETS='^FuzzParse' bench/fuzz.sh    # the targets whose name matches
#
# Settings (environment): FUZZTIME (3m), MINIMIZETIME (10s), PARALLEL
# (fuzzing processes, default GOMAXPROCS), TARGETS (extended regexp on target
# names), OUT (logs, default /tmp/veille-fuzz/run-<time>). Exits 1 when a
# target failed.
#
# MINIMIZETIME bounds the minimizing of each new corpus entry and failing
# input. Go's default, 60s, let the slower targets (the HTML parser, uploads
# into a real archive) spend a whole one-minute run minimizing one input,
# with no new executions.
set -euo pipefail

main() {
	FUZZTIME=${FUZZTIME:-3m}
	MINIMIZETIME=${MINIMIZETIME:-10s}
	TARGETS=${TARGETS:-.}
	OUT=${OUT:-/tmp/veille-fuzz/run-$(date +%Y%m%d-%H%M%S)}
	ROOT=$(cd "$(dirname "$0")/.." && pwd)
	local parallel=()
	if [[ -n ${PARALLEL:-} ]]; then
		parallel=(-parallel "$PARALLEL")
	fi

	mkdir -p "$OUT"
	cd "$ROOT"
	local dirs=("$@")
	if ((${#dirs[@]} == 0)); then
		dirs=(.)
	fi

	local summary="$OUT/summary.md" failed=() n=0
	{
		echo "fuzzing $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $FUZZTIME a target (minimizing $MINIMIZETIME), $(go version | cut -d' ' -f3-), $(nproc) CPUs"
		echo
		echo "| package | target | wall (s) | executions | new corpus entries | result |"
		echo "|---|---|---:|---:|---:|---|"
	} | tee "$summary"
	while read -r pkg name; do
		n=$((n + 1))
		local log="$OUT/${pkg//\//_}.$name.log" corpus="$pkg/testdata/fuzz/$name"
		local before
		before=$(list "$corpus")
		local start=$SECONDS status=0
		go test -run "^$name\$" -fuzz "^$name\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$MINIMIZETIME" "${parallel[@]}" "./$pkg" >"$log" 2>&1 || status=$?
		local wall=$((SECONDS - start))
		local last execs interesting result
		last=$(grep -E '^fuzz: elapsed: .*execs: ' "$log" | tail -1 || true)
		execs=$(sed -nE 's/.*execs: ([0-9]+).*/\1/p' <<<"$last")
		interesting=$(sed -nE 's/.*new interesting: ([0-9]+).*/\1/p' <<<"$last")
		result=ok
		if ((status != 0)); then
			local added
			added=$(comm -13 <(echo "$before") <(list "$corpus") | tr '\n' ' ')
			if [[ -n $added ]]; then
				result="CRASHER: ${added% }"
				failed+=("$pkg $name")
			elif deadline_race "$log" "$name"; then
				result="ok (the fuzzing stopped with Go's deadline race, go.dev/issue/75804; no failing input)"
			else
				result="FAILED (log $log)"
				failed+=("$pkg $name")
			fi
		fi
		echo "| $pkg | $name | $wall | ${execs:--} | ${interesting:--} | $result |" | tee -a "$summary"
	done < <(targets "${dirs[@]}")

	echo | tee -a "$summary"
	if ((${#failed[@]} > 0)); then
		echo "${#failed[@]} of $n targets failed: ${failed[*]}" | tee -a "$summary"
		echo "logs and this summary in $OUT" >&2
		exit 1
	fi
	echo "$n targets, no failure" | tee -a "$summary"
	echo "logs and this summary in $OUT" >&2
}

# targets prints "package-dir target" for every fuzz target under the
# given folders whose name matches $TARGETS, sorted.
targets() {
	grep -rE --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]*\(' "$@" |
		sed -E 's#^(\./)?(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\($#\2 \3#' |
		awk -v re="$TARGETS" '$2 ~ re' | sort -u
}

# deadline_race reports whether a target's log ends the way Go 1.26's fuzzing
# coordinator sometimes stops at the end of -fuzztime (go.dev/issue/75804,
# fixed in Go 1.27): its only failure is "context deadline exceeded", with no
# failing input written. A crash or a failed check prints the input and its
# error instead.
deadline_race() {
	grep -A1 -E "^--- FAIL: $2 " "$1" | tail -1 | grep -qxE '[[:space:]]+context deadline exceeded' &&
		! grep -qE 'Failing input written to|failure while testing seed corpus' "$1"
}

# list prints the files of a corpus folder, sorted; nothing when absent.
list() {
	if [[ -d $1 ]]; then
		find "$1" -type f | sort
	fi
}

main "$@"
