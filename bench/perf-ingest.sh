#!/usr/bin/env bash
# bench/perf-ingest.sh: how much of one real "veille ingest" its vector
# index inserts take, from a CPU profile of the command itself (perf), so
# that the ingest is weighed against its own inserts within one process, as
# the host's speed is the same for both there.
#
#   bench/perf-ingest.sh VEILLE ARCHIVE [ROUNDS]
#
# VEILLE is a veille binary, ARCHIVE a folder of issues (bench/gen writes
# one, see bench/ingest.sh), ROUNDS the number of ingests (1), each into an
# empty data directory. Prints, for each, the CPU seconds perf sampled, those
# under the index's inserts (AddBatch: its workers and its serial part), the
# rest and the ratio of all to the inserts, then where the rest went: the
# seconds under each of its parts' entry points (a part's callees count in
# it, so the built-in embedder includes its text analysis). Needs perf
# (Debian: linux-perf).
set -euo pipefail

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

main() {
	if (($# < 2)); then
		sed -n '2,16p' "$0" >&2
		exit 2
	fi
	local veille=$1 archive=$2 rounds=${3:-1}
	for ((i = 1; i <= rounds; i++)); do
		rm -rf "$WORK/data"
		perf record -q -o "$WORK/perf.data" -F 499 -g -- \
			"$veille" ingest --data "$WORK/data" --log-level warn "$archive" >/dev/null
		split "$WORK/perf.data" "$i"
	done
}

# split prints the seconds sampled in the profile $1 and the inserts' share.
split() {
	local total shares
	total=$(perf report -i "$1" --stdio 2>/dev/null | awk '/^# Event count/ && !t { t = $NF / 1e9 } END { print t }')
	shares=$(perf report -i "$1" --children --sort sym --stdio -g none 2>/dev/null |
		awk 'index($0, "vectorindex.(*Index).AddBatch.func2") && !w { w = $1 + 0 }
			index($0, "archive.(*Archive).followVectors") && !s { s = $1 + 0 }
			END { print w + s }')
	awk -v round="$2" -v t="$total" -v p="$shares" -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
		i = t * p / 100
		printf "round %d: %.2f s of CPU sampled, index inserts %.2f s, the rest %.2f s, all / inserts %.3f (load %s)\n", round, t, i, t - i, t / i, load
	}'
	perf report -i "$1" --children --sort sym --stdio -g none 2>/dev/null | awk -v t="$total" '
		BEGIN {
			n = split("embedder archive.(*Archive).embedPassages.func1 " \
				"keyword-index archive.(*Archive).followLexical " \
				"parsing main.parseFiles " \
				"store store.(*DB).Apply " \
				"badger-writes badger/v4.(*DB).doWrites.func1 " \
				"index-snapshot vectorindex.(*Index).Save " \
				"catalog-snapshot archive.(*Archive).saveCatalog " \
				"gc runtime.gcBgMarkWorker", kv, " ")
			for (k = 1; k < n; k += 2) part[kv[k + 1]] = kv[k]
		}
		$2 ~ /%$/ {
			for (sym in part) if (!(sym in seen) && substr($NF, length($NF) - length(sym) + 1) == sym) {
				seen[sym] = 1
				out = out sprintf(" %s %.2f s,", part[sym], t * $1 / 100)
			}
		}
		END { sub(/,$/, "", out); print "  the rest:" out }'
}

main "$@"
