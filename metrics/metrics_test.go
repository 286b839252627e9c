package metrics_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/veille/veille/metrics"
)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, err := io.ReadAll(rec.Result().Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// Counters are there at 0 before their first increment, so that rates and
// alerts over them work from the start.
func TestCountersStartAtZero(t *testing.T) {
	m := metrics.New()
	text := scrape(t, m)
	for _, line := range []string{
		`veille_ingest_failures_total 0`,
		`veille_ingest_items_total{result="added"} 0`,
		`veille_ingest_items_total{result="changed"} 0`,
		`veille_ingest_items_total{result="unchanged"} 0`,
		`veille_ingest_items_total{result="removed"} 0`,
		`veille_embed_errors_total{mode="query"} 0`,
		`veille_embed_errors_total{mode="passage"} 0`,
		`veille_chat_errors_total 0`,
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("no %s at start", line)
		}
	}
	m.IngestFailed()
	m.IngestFailed()
	if text := scrape(t, m); !strings.Contains(text, "veille_ingest_failures_total 2\n") {
		t.Errorf("two failed ingests not counted")
	}
}
