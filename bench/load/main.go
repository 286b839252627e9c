// Command load is veille's load benchmark. It talks to a veille server
// already running on loopback, so that what it measures is the server as
// deployed: HTTP, JSON, the embedder, the index and the store.
//
// It has two modes (and -free-port, which prints a free loopback address).
//
//	load -gen DIR -paragraphs N
//
// writes a synthetic French-like archive of N paragraphs into DIR as raw
// issue files (20 paragraphs an issue), for "veille ingest DIR".
//
//	load -addr http://127.0.0.1:8080 -pid PID [-single 30s] [-duration 5m] [-concurrency 32]
//
// runs, in order: one client searching in a loop for -single (the latency
// of /v1/search on an idle server); then -concurrency clients mixing search,
// ask and similar for -duration while one more client keeps ingesting new
// issues. It prints a table per phase and route (count, errors, p50/p95/p99,
// throughput), the server's resident memory at start and end (from
// /proc/PID/status) and the load average, then the same as one JSON object
// (also written to -json when set).
//
// Every non-2xx answer and every transport error counts as an error. Rate
// limits must be off on the server (VEILLE_SEARCH_PER_MINUTE=0,
// VEILLE_ASK_PER_MINUTE=0, VEILLE_MAX_CONCURRENT_ASK=0), and writes come from
// loopback, which needs no admin key.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/veille/veille/bench/load/synth"
)

func main() {
	var o options
	flag.StringVar(&o.gen, "gen", "", "write a synthetic archive into this folder and exit")
	freePort := flag.Bool("free-port", false, "print a free loopback TCP address and exit")
	flag.IntVar(&o.paragraphs, "paragraphs", 100_000, "paragraphs of the synthetic archive (-gen)")
	flag.StringVar(&o.addr, "addr", "http://127.0.0.1:8080", "base URL of the running veille server (loopback)")
	flag.IntVar(&o.pid, "pid", 0, "process id of the server, for its resident memory (0: not measured)")
	flag.DurationVar(&o.single, "single", 30*time.Second, "duration of the one-client search loop (0 skips it)")
	flag.DurationVar(&o.duration, "duration", 5*time.Minute, "duration of the mixed load (0 skips it)")
	flag.IntVar(&o.concurrency, "concurrency", 32, "clients of the mixed load")
	flag.DurationVar(&o.ingestEvery, "ingest-every", time.Second, "pause between two issues ingested during the mixed load (negative: none)")
	flag.StringVar(&o.jsonOut, "json", "", "also write the JSON report to this file")
	flag.Uint64Var(&o.seed, "seed", 1, "random seed of the archive and the queries")
	flag.StringVar(&o.baseline, "baseline", "", "comma-separated label=ms pairs: in-process query times to compare the one-client search p50 with")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case *freePort:
		err = printFreePort()
	case o.gen != "":
		err = generate(o.gen, o.paragraphs, o.seed)
	default:
		err = runLoad(ctx, o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type options struct {
	gen, addr, jsonOut string
	baseline           string // label=ms pairs, see -baseline
	paragraphs, pid    int
	concurrency        int
	single, duration   time.Duration
	ingestEvery        time.Duration
	seed               uint64
}

// printFreePort prints a loopback address that was free a moment ago, for a
// server whose log level hides the line giving its address.
func printFreePort() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr())
	return ln.Close()
}

// ---- The synthetic archive ----

// paragraphsPerIssue is the size of a generated issue.
const paragraphsPerIssue = 20

// generate writes an archive of n paragraphs into dir.
func generate(dir string, n int, seed uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	g := synth.New(seed, 1)
	written := 0
	for i := 0; written < n; i++ {
		k := min(paragraphsPerIssue, n-written)
		path := filepath.Join(dir, fmt.Sprintf("issue-%06d.txt", i+1))
		if err := os.WriteFile(path, []byte(g.Issue(i+1, k, g.Date())), 0o644); err != nil {
			return err
		}
		written += k
	}
	fmt.Fprintf(os.Stderr, "wrote %d paragraphs in %d issues to %s\n", written, (n+paragraphsPerIssue-1)/paragraphsPerIssue, dir)
	return nil
}

// ---- The load ----

// route names the kinds of request, in report order.
var routes = []string{"search", "ask", "similar_item", "similar_text", "ingest"}

// recorder collects the latencies and errors of one phase.
type recorder struct {
	mu     sync.Mutex
	took   map[string][]time.Duration
	errs   map[string]int
	sample map[string]string // the first error of each route
}

func newRecorder() *recorder {
	return &recorder{took: map[string][]time.Duration{}, errs: map[string]int{}, sample: map[string]string{}}
}

func (r *recorder) add(route string, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.took[route] = append(r.took[route], d)
	if err != nil {
		r.errs[route]++
		if _, ok := r.sample[route]; !ok {
			r.sample[route] = err.Error()
		}
	}
}

// routeStats is one line of the report.
type routeStats struct {
	Route      string  `json:"route"`
	Count      int     `json:"count"`
	Errors     int     `json:"errors"`
	P50ms      float64 `json:"p50_ms"`
	P95ms      float64 `json:"p95_ms"`
	P99ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	PerSecond  float64 `json:"per_second"`
	FirstError string  `json:"first_error,omitempty"`
}

// phase is the report of one phase.
type phase struct {
	Name        string       `json:"name"`
	Clients     int          `json:"clients"`
	Seconds     float64      `json:"seconds"`
	Requests    int          `json:"requests"`
	Errors      int          `json:"errors"`
	PerSecond   float64      `json:"per_second"`
	Routes      []routeStats `json:"routes"`
	LoadAvgFrom string       `json:"load_avg_start"`
	LoadAvgTo   string       `json:"load_avg_end"`
}

func (r *recorder) phase(name string, clients int, elapsed time.Duration) phase {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := phase{Name: name, Clients: clients, Seconds: round(elapsed.Seconds(), 1)}
	for _, route := range routes {
		took := r.took[route]
		if len(took) == 0 {
			continue
		}
		slices.Sort(took)
		st := routeStats{
			Route: route, Count: len(took), Errors: r.errs[route],
			P50ms: ms(quantile(took, 0.50)), P95ms: ms(quantile(took, 0.95)), P99ms: ms(quantile(took, 0.99)),
			MaxMs: ms(took[len(took)-1]), PerSecond: round(float64(len(took))/elapsed.Seconds(), 1),
			FirstError: r.sample[route],
		}
		p.Routes = append(p.Routes, st)
		p.Requests += st.Count
		p.Errors += st.Errors
	}
	p.PerSecond = round(float64(p.Requests)/elapsed.Seconds(), 1)
	return p
}

// quantile returns the q-quantile of sorted durations (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return round(float64(d)/1e6, 3) }

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// report is the whole run, printed as JSON.
type report struct {
	Addr        string       `json:"addr"`
	Items       int          `json:"items_at_start"`
	ItemsEnd    int          `json:"items_at_end"`
	Dims        int          `json:"dims"`
	Embedder    string       `json:"embedder"`
	CPUs        int          `json:"cpus"`
	RSSStartMB  float64      `json:"rss_start_mb,omitempty"`
	RSSEndMB    float64      `json:"rss_end_mb,omitempty"`
	RSSPeakMB   float64      `json:"rss_peak_mb,omitempty"`
	Phases      []phase      `json:"phases"`
	IngestedNew int          `json:"issues_ingested_during_load"`
	Comparisons []comparison `json:"comparisons,omitempty"`
}

// comparison sets the one-client /v1/search p50 against an in-process
// baseline.
type comparison struct {
	Baseline   string  `json:"baseline"`
	BaselineMs float64 `json:"baseline_ms_per_query"`
	SearchP50  float64 `json:"search_p50_ms"`
	Speedup    float64 `json:"speedup"`
}

// compare parses -baseline against the single-client phase.
func compare(spec string, single phase) ([]comparison, error) {
	if spec == "" || len(single.Routes) == 0 {
		return nil, nil
	}
	p50 := single.Routes[0].P50ms
	var out []comparison
	for _, part := range strings.Split(spec, ",") {
		label, v, ok := strings.Cut(part, "=")
		msq, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || err != nil || msq <= 0 {
			return nil, fmt.Errorf("-baseline %q: want label=milliseconds", part)
		}
		out = append(out, comparison{Baseline: strings.TrimSpace(label), BaselineMs: msq, SearchP50: p50, Speedup: round(msq/p50, 1)})
	}
	return out, nil
}

// client is the benchmark's view of the server.
type client struct {
	base string
	http *http.Client
}

func (c *client) do(ctx context.Context, method, path, ctype string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, strings.SplitN(path, "?", 2)[0], res.StatusCode, bytes.TrimSpace(raw))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

type stats struct {
	Issues, Items, Indexed int
	Embedder               struct {
		Provider, Model string
		Dims            int
	}
}

type hits struct {
	Hits []struct {
		ID string `json:"id"`
	} `json:"hits"`
}

// worker issues one kind of request picked at random, as a client of the
// mixed load would.
type worker struct {
	c     *client
	g     synth.Gen
	items []string // item ids for similar_item
	rec   *recorder
}

func (w *worker) search(ctx context.Context) {
	q := url.Values{"q": {w.g.Query()}, "k": {"10"}}
	var out hits
	start := time.Now()
	err := w.c.do(ctx, http.MethodGet, "/v1/search?"+q.Encode(), "", nil, &out)
	w.record(ctx, "search", start, err)
}

func (w *worker) ask(ctx context.Context) {
	body, _ := json.Marshal(map[string]any{"question": w.g.Question()})
	start := time.Now()
	err := w.c.do(ctx, http.MethodPost, "/v1/ask", "application/json", body, nil)
	w.record(ctx, "ask", start, err)
}

func (w *worker) similarItem(ctx context.Context) {
	id := w.items[w.g.Rng.IntN(len(w.items))]
	start := time.Now()
	err := w.c.do(ctx, http.MethodGet, "/v1/items/"+url.PathEscape(id)+"/similar?k=10", "", nil, nil)
	w.record(ctx, "similar_item", start, err)
}

func (w *worker) similarText(ctx context.Context) {
	body, _ := json.Marshal(map[string]any{"text": w.g.Sentence(), "k": 10})
	start := time.Now()
	err := w.c.do(ctx, http.MethodPost, "/v1/similar", "application/json", body, nil)
	w.record(ctx, "similar_text", start, err)
}

// record counts a request, unless it was cut short by the end of the phase.
func (w *worker) record(ctx context.Context, route string, start time.Time, err error) {
	if err != nil && ctx.Err() != nil {
		return
	}
	w.rec.add(route, time.Since(start), err)
}

// mix is the mixed load: search most, then ask and the two similar routes.
func (w *worker) mix(ctx context.Context) {
	for ctx.Err() == nil {
		switch r := w.g.Rng.IntN(100); {
		case r < 60:
			w.search(ctx)
		case r < 80:
			w.ask(ctx)
		case r < 90:
			w.similarItem(ctx)
		default:
			w.similarText(ctx)
		}
	}
}

func runLoad(ctx context.Context, o options) error {
	u, err := url.Parse(o.addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-addr %s: the load runs on loopback only", o.addr)
	}
	c := &client{base: strings.TrimRight(o.addr, "/"), http: &http.Client{
		Timeout: time.Minute,
		Transport: &http.Transport{
			MaxIdleConns: o.concurrency + 8, MaxIdleConnsPerHost: o.concurrency + 8,
			IdleConnTimeout: time.Minute, DisableCompression: true,
		},
	}}
	if err := c.do(ctx, http.MethodGet, "/readyz", "", nil, nil); err != nil {
		return fmt.Errorf("server not ready: %w", err)
	}
	var st stats
	if err := c.do(ctx, http.MethodGet, "/v1/stats", "", nil, &st); err != nil {
		return err
	}
	rep := report{Addr: o.addr, Items: st.Items, Dims: st.Embedder.Dims, CPUs: runtime.NumCPU(),
		Embedder: st.Embedder.Provider + "/" + st.Embedder.Model}
	rng := rand.New(rand.NewPCG(o.seed, 7))

	// Item ids for the similar_item route, from searches.
	seed := &worker{c: c, g: synth.Gen{Rng: rng}, rec: newRecorder()}
	seen := map[string]bool{}
	for i := 0; i < 50 && len(seen) < 200; i++ {
		var h hits
		if err := c.do(ctx, http.MethodGet, "/v1/search?"+url.Values{"q": {seed.g.Query()}, "k": {"20"}}.Encode(), "", nil, &h); err != nil {
			return err
		}
		for _, x := range h.Hits {
			seen[x.ID] = true
		}
	}
	if len(seen) == 0 {
		return errors.New("the archive is empty: ingest one first")
	}
	items := make([]string, 0, len(seen))
	for id := range seen {
		items = append(items, id)
	}
	slices.Sort(items)

	rep.RSSStartMB, _ = rssMB(o.pid, "VmRSS")
	if o.single > 0 {
		w := &worker{c: c, g: synth.New(o.seed, 11), items: items, rec: newRecorder()}
		// An untimed second warms the connection and the server's caches.
		warm, cancel := context.WithTimeout(ctx, time.Second)
		for warm.Err() == nil {
			w.search(warm)
		}
		cancel()
		w.rec = newRecorder()
		load0 := loadAvg()
		pctx, cancel := context.WithTimeout(ctx, o.single)
		start := time.Now()
		for pctx.Err() == nil {
			w.search(pctx)
		}
		cancel()
		p := w.rec.phase("single client, /v1/search", 1, time.Since(start))
		p.LoadAvgFrom, p.LoadAvgTo = load0, loadAvg()
		rep.Phases = append(rep.Phases, p)
		if rep.Comparisons, err = compare(o.baseline, p); err != nil {
			return err
		}
	}
	if o.duration > 0 {
		rec := newRecorder()
		load0 := loadAvg()
		pctx, cancel := context.WithTimeout(ctx, o.duration)
		var wg sync.WaitGroup
		for i := range o.concurrency {
			w := &worker{c: c, g: synth.New(o.seed, uint64(100+i)), items: items, rec: rec}
			wg.Go(func() { w.mix(pctx) })
		}
		var ingested atomic.Int64
		if o.ingestEvery >= 0 {
			wg.Go(func() { ingestLoop(pctx, c, rec, o, &ingested) })
		}
		start := time.Now()
		wg.Wait()
		elapsed := time.Since(start)
		cancel()
		p := rec.phase(fmt.Sprintf("mixed, %d clients + 1 ingesting", o.concurrency), o.concurrency+1, elapsed)
		p.LoadAvgFrom, p.LoadAvgTo = load0, loadAvg()
		rep.Phases = append(rep.Phases, p)
		rep.IngestedNew = int(ingested.Load())
	}
	rep.RSSEndMB, _ = rssMB(o.pid, "VmRSS")
	rep.RSSPeakMB, _ = rssMB(o.pid, "VmHWM")
	if err := c.do(context.Background(), http.MethodGet, "/v1/stats", "", nil, &st); err == nil {
		rep.ItemsEnd = st.Items
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return write(rep, o.jsonOut)
}

// ingestLoop posts new issues (the archive's raw format, 8 paragraphs each)
// until ctx is done, pausing o.ingestEvery between two.
func ingestLoop(ctx context.Context, c *client, rec *recorder, o options, n *atomic.Int64) {
	g := synth.New(o.seed, 3)
	for i := 1; ctx.Err() == nil; i++ {
		body := g.Issue(1_000_000+i, 8, g.Date())
		start := time.Now()
		err := c.do(ctx, http.MethodPost, "/v1/issues", "text/plain; charset=utf-8", []byte(body), nil)
		if ctx.Err() != nil {
			return
		}
		rec.add("ingest", time.Since(start), err)
		if err == nil {
			n.Add(1)
		}
		select {
		case <-ctx.Done():
		case <-time.After(o.ingestEvery):
		}
	}
}

// write prints the report as tables, then as JSON.
func write(rep report, path string) error {
	fmt.Printf("veille load: %s, %d items (%s, %d dims), %d CPUs\n", rep.Addr, rep.Items, rep.Embedder, rep.Dims, rep.CPUs)
	if rep.RSSStartMB > 0 {
		fmt.Printf("server RSS: %.0f MB at start, %.0f MB at end (peak %.0f MB); %d items at end, %d issues ingested during the load\n",
			rep.RSSStartMB, rep.RSSEndMB, rep.RSSPeakMB, rep.ItemsEnd, rep.IngestedNew)
	}
	for _, p := range rep.Phases {
		fmt.Printf("\n%s: %.0fs, %d requests, %d errors, %.1f req/s; load average %s -> %s\n",
			p.Name, p.Seconds, p.Requests, p.Errors, p.PerSecond, p.LoadAvgFrom, p.LoadAvgTo)
		tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "route\tcount\terrors\tp50 ms\tp95 ms\tp99 ms\tmax ms\treq/s\t")
		for _, r := range p.Routes {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.1f\t%.1f\t\n", r.Route, r.Count, r.Errors, r.P50ms, r.P95ms, r.P99ms, r.MaxMs, r.PerSecond)
		}
		tw.Flush()
		for _, r := range p.Routes {
			if r.FirstError != "" {
				fmt.Printf("first %s error: %s\n", r.Route, r.FirstError)
			}
		}
	}
	for _, c := range rep.Comparisons {
		fmt.Printf("\none client, /v1/search over HTTP: p50 %.3f ms, %.0f× faster than %s (%.2f ms a query, in process)\n",
			c.SearchP50, c.Speedup, c.Baseline, c.BaselineMs)
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	fmt.Printf("\n%s\n", b)
	if path != "" {
		return os.WriteFile(path, append(b, '\n'), 0o644)
	}
	return nil
}

// rssMB reads a memory field (VmRSS, VmHWM) of /proc/PID/status, in MB.
func rssMB(pid int, field string) (float64, error) {
	if pid <= 0 {
		return 0, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest) // "123456 kB"
			if len(f) > 0 {
				kb, err := strconv.ParseFloat(f[0], 64)
				return round(kb/1024, 1), err
			}
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, field)
}

// loadAvg returns the 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
