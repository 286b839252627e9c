// Package metrics exposes veille's Prometheus metrics: HTTP request
// latencies, ingest counts, archive and index sizes, embedding and chat
// latencies and errors, Badger sizes and value-log GC runs. It owns its
// registry, so tests can make as many as they like.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is a registry with veille's collectors. Its methods are safe for
// concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	requests  *prometheus.HistogramVec
	ingested  *prometheus.CounterVec
	ingestErr prometheus.Counter
	embedDur  *prometheus.HistogramVec
	embedErr  *prometheus.CounterVec
	chatDur   prometheus.Histogram
	chatErr   prometheus.Counter
}

// New registers veille's collectors and the Go and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "veille_http_request_duration_seconds",
		Help:    "Time to serve an HTTP request, by route, method and status.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "method", "status"})
	m.ingested = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "veille_ingest_items_total",
		Help: "Items handled by ingests, by result: added, changed, unchanged, removed.",
	}, []string{"result"})
	m.ingestErr = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "veille_ingest_failures_total",
		Help: "Issues or files whose ingest failed.",
	})
	m.embedDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "veille_embed_duration_seconds",
		Help:    "Time of one embedding call, by mode (query or passage).",
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
	}, []string{"mode"})
	m.embedErr = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "veille_embed_errors_total",
		Help: "Embedding calls that failed, by mode.",
	}, []string{"mode"})
	m.chatDur = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "veille_chat_duration_seconds",
		Help:    "Time of one chat-model answer.",
		Buckets: prometheus.ExponentialBuckets(0.05, 2, 12),
	})
	m.chatErr = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "veille_chat_errors_total",
		Help: "Chat-model calls that failed (the answer fell back to extraction).",
	})
	m.reg.MustRegister(m.requests, m.ingested, m.ingestErr, m.embedDur, m.embedErr, m.chatDur, m.chatErr)
	// Every label value is there from the start, at 0, so that a rate or
	// an alert over a counter works before its first increment.
	for _, r := range ingestResults {
		m.ingested.WithLabelValues(r)
	}
	for _, mode := range embedModes {
		m.embedErr.WithLabelValues(mode)
	}
	return m
}

// The label values of veille_ingest_items_total and of the embedding
// metrics (embed.Mode's names).
var (
	ingestResults = []string{"added", "changed", "unchanged", "removed"}
	embedModes    = []string{"query", "passage"}
)

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveRequest records one HTTP request.
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Observe(d.Seconds())
}

// ObserveIngest counts the items of one ingest or delete.
func (m *Metrics) ObserveIngest(added, changed, unchanged, removed int) {
	m.ingested.WithLabelValues("added").Add(float64(added))
	m.ingested.WithLabelValues("changed").Add(float64(changed))
	m.ingested.WithLabelValues("unchanged").Add(float64(unchanged))
	m.ingested.WithLabelValues("removed").Add(float64(removed))
}

// IngestFailed counts one failed ingest: a file of an upload or of an
// ingest job that could not be ingested, or an upload refused whole.
func (m *Metrics) IngestFailed() { m.ingestErr.Inc() }

// ObserveEmbed records one embedding call.
func (m *Metrics) ObserveEmbed(mode string, d time.Duration, err error) {
	m.embedDur.WithLabelValues(mode).Observe(d.Seconds())
	if err != nil {
		m.embedErr.WithLabelValues(mode).Inc()
	}
}

// ObserveChat records one chat-model call.
func (m *Metrics) ObserveChat(d time.Duration, err error) {
	m.chatDur.Observe(d.Seconds())
	if err != nil {
		m.chatErr.Inc()
	}
}

// Gauges are read at scrape time.
type Gauges struct {
	Issues, Items func() float64 // archive size
	IndexVectors  func() float64 // live vectors in the HNSW index
	IndexBytes    func() float64 // memory held by the index
	BadgerLSM     func() float64 // bytes of Badger's LSM tree
	BadgerVLog    func() float64 // bytes of Badger's value log
	GCRuns        func() float64 // value-log GC rewrites so far
}

// Watch registers gauges read from the archive at every scrape; nil
// functions are skipped.
func (m *Metrics) Watch(g Gauges) {
	gauge := func(name, help string, f func() float64) {
		if f != nil {
			m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
		}
	}
	gauge("veille_issues", "Issues in the archive.", g.Issues)
	gauge("veille_items", "Items (paragraphs) in the archive.", g.Items)
	gauge("veille_index_vectors", "Live vectors in the HNSW index.", g.IndexVectors)
	gauge("veille_index_bytes", "Memory held by the HNSW index, in bytes.", g.IndexBytes)
	gauge("veille_badger_lsm_bytes", "Size of Badger's LSM tree, in bytes.", g.BadgerLSM)
	gauge("veille_badger_vlog_bytes", "Size of Badger's value log, in bytes.", g.BadgerVLog)
	if g.GCRuns != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "veille_badger_gc_runs_total", Help: "Badger value-log files rewritten by GC.",
		}, g.GCRuns))
	}
}
