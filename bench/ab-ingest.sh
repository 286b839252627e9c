#!/usr/bin/env bash
# bench/ab-ingest.sh: alternates "veille ingest" runs of two or more builds
# over the same archive, each into an empty data directory, and prints the
# wall and CPU time of each run, so that builds are compared on a noisy
# machine run by run rather than against figures from another hour.
#
#   bench/ab-ingest.sh ARCHIVE ROUNDS VEILLE_A VEILLE_B [VEILLE_C...]
#
# ARCHIVE is a folder of issues (bench/gen writes one, see bench/ingest.sh);
# each VEILLE is a veille binary (go build -o /tmp/veille-x ./cmd/veille,
# or from a git worktree for an older commit). Data directories go to a
# temporary folder, removed at the end.
set -euo pipefail

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

main() {
	if (($# < 4)); then
		sed -n '2,12p' "$0" >&2
		exit 2
	fi
	local archive=$1 rounds=$2
	shift 2
	for ((i = 1; i <= rounds; i++)); do
		for bin in "$@"; do
			rm -rf "$WORK/data"
			/usr/bin/time -f "%e %U %S" -o "$WORK/time" \
				"$bin" ingest --data "$WORK/data" --json --log-level warn "$archive" >/dev/null
			awk -v bin="$bin" -v round="$i" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
				'{ printf "%s round %d: %s s wall, %.1f s CPU, load %s\n", bin, round, $1, $2 + $3, load }' "$WORK/time"
		done
	done
}

main "$@"
