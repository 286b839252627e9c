#!/usr/bin/env bash
# bench/load.sh: veille's load benchmark, on loopback and bounded in time.
#
# Builds veille, writes a synthetic archive of $PARAGRAPHS paragraphs and
# ingests it with "veille ingest" into a fresh data directory, times
# chromem-go's exhaustive scan on $PARAGRAPHS random vectors, starts
# "veille serve" on 127.0.0.1 (rate limits off), then runs bench/load: one
# client searching in a loop for $SINGLE, then $CONCURRENCY clients mixing
# search, ask and similar for $DURATION while one more keeps ingesting
# issues. Prints the tables and the JSON report; stops the server.
#
#   bench/load.sh                                # 100,000 paragraphs, 5 minutes
#   PARAGRAPHS=20000 DURATION=30s bench/load.sh  # a quick run
#
# Settings (environment): PARAGRAPHS (100000), DURATION (5m), SINGLE (30s),
# CONCURRENCY (32), CHROMEM_DIMS (384: the dims of the figure the issue
# quotes; the server's own dims are timed as well), WORK (a new temporary
# folder; kept when set), KEEP=1 keeps the temporary folder.
set -euo pipefail

PARAGRAPHS=${PARAGRAPHS:-100000}
DURATION=${DURATION:-5m}
SINGLE=${SINGLE:-30s}
CONCURRENCY=${CONCURRENCY:-32}
CHROMEM_DIMS=${CHROMEM_DIMS:-384}
KEEP=${KEEP:-}
if [[ -z ${WORK:-} ]]; then
	WORK=$(mktemp -d -t veille-load.XXXXXX)
else
	KEEP=1
	mkdir -p "$WORK"
fi

cd "$(dirname "$0")/.."
server=
cleanup() {
	if [[ -n $server ]] && kill -0 "$server" 2>/dev/null; then
		kill -TERM "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	if [[ -z $KEEP ]]; then
		rm -rf "$WORK"
	else
		echo "kept $WORK" >&2
	fi
}
trap cleanup EXIT

step() { printf '\n== %s (load average %s)\n' "$*" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2; }

step "build"
go build -o "$WORK/veille" ./cmd/veille
go build -o "$WORK/load" ./bench/load
(cd bench/load/chromem && go build -o "$WORK/chromem" .)

step "generate $PARAGRAPHS paragraphs"
"$WORK/load" -gen "$WORK/archive" -paragraphs "$PARAGRAPHS"

step "ingest"
start=$SECONDS
timeout 60m "$WORK/veille" ingest --data "$WORK/data" --log-level warn "$WORK/archive" >"$WORK/ingest.out" 2>"$WORK/ingest.log" || {
	tail -20 "$WORK/ingest.log" >&2
	exit 1
}
ingest_s=$((SECONDS - start))
tail -3 "$WORK/ingest.out" >&2
echo "ingested in ${ingest_s}s; data dir $(du -sh "$WORK/data" | cut -f1)" >&2
dims=$("$WORK/veille" stats --data "$WORK/data" --log-level warn 2>/dev/null | grep -oE '[0-9]+ dims' | grep -oE '[0-9]+' || true)
dims=${dims:-1024}

# chromem-go runs before the server starts, so the two never share the CPUs.
baseline=
for d in $(printf '%s\n' "$CHROMEM_DIMS" "$dims" | sort -un); do
	step "chromem-go, $PARAGRAPHS x $d"
	out=$(timeout 20m "$WORK/chromem" -n "$PARAGRAPHS" -dims "$d" -queries 30)
	msq=$(sed -E 's/.*"ms_per_query":([0-9.]+).*/\1/' <<<"$out")
	baseline+="${baseline:+,}chromem-go ${PARAGRAPHS}x${d}=$msq"
done

step "serve"
# At log level warn the server does not log its address: give it a free one.
addr=$("$WORK/load" -free-port)
VEILLE_SEARCH_PER_MINUTE=0 VEILLE_ASK_PER_MINUTE=0 VEILLE_MAX_CONCURRENT_ASK=0 \
	"$WORK/veille" serve --addr "$addr" --data "$WORK/data" --log-level warn 2>"$WORK/serve.log" &
server=$!
for i in $(seq 600); do
	curl -fsS "http://$addr/readyz" >/dev/null 2>&1 && break
	kill -0 "$server" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
	[[ $i == 600 ]] && { echo "the server was not ready within 5 minutes" >&2; exit 1; }
	sleep 0.5
done
echo "veille serving on $addr (pid $server)" >&2

step "load: single $SINGLE, then $CONCURRENCY clients for $DURATION"
# The load stops itself after SINGLE + DURATION; timeout is a backstop.
timeout 3h "$WORK/load" -addr "http://$addr" -pid "$server" -single "$SINGLE" -duration "$DURATION" \
	-concurrency "$CONCURRENCY" -baseline "$baseline" -json "$WORK/load.json"

step "stop"
kill -TERM "$server"
wait "$server" || true
server=
if grep -E 'level=(ERROR|WARN)' "$WORK/serve.log" | head -5 | grep -q .; then
	echo "server warnings and errors (first 5):" >&2
	grep -E 'level=(ERROR|WARN)' "$WORK/serve.log" | head -5 >&2
fi
echo "ingest of $PARAGRAPHS paragraphs: ${ingest_s}s" >&2
