package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/store"
	"github.com/veille/veille/vectorindex"
)

var crashSeed = flag.Uint64("crash.seed", 0, "seed of TestCrashRecovery (0: from the clock)")

// Bounds of TestCrashRecovery. Kills go on past crashMinKills while the
// kill phase has used less than crashKillBudget, up to crashMaxKills.
const (
	crashMinKills   = 20
	crashMaxKills   = 30
	crashKillBudget = 25 * time.Second
	crashDeadline   = 150 * time.Second // the whole test, build included: a hang fails instead of blocking CI
	crashFeeders    = 2                 // POST /v1/issues clients running while the server is killed
	crashCheckers   = 4                 // clients reading back and searching after a restart
	crashCleanEvery = 7                 // kills between two clean stops checked offline
	crashSnapHeader = 72                // bytes of the index snapshot's header, see vectorindex/snapshot.go
)

// TestCrashRecovery builds the real binary and runs it on one data directory
// again and again, killing it with SIGKILL while issues stream into it over
// HTTP. After each restart every acknowledged issue must be there with all its
// paragraphs and searchable, an unacknowledged one entirely there or entirely
// absent, and the index must hold exactly the stored items. Every few rounds
// (and at the end) the server is stopped cleanly and the store and the index
// snapshot are checked offline. Last, the snapshot is damaged in several ways:
// each time the server must say so, rebuild the index and serve correct
// results.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary for about a minute; skipped under -short")
	}
	began := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), crashDeadline)
	defer cancel()

	seed := cmp.Or(*crashSeed, uint64(time.Now().UnixNano()))
	t.Logf("seed %d (rerun with -crash.seed=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))

	bin := crashBuild(t, ctx)
	built := time.Since(began)
	data := t.TempDir()
	c := &crashCheck{t: t, ctx: ctx, data: data, gen: newCrashGen(seed), sent: map[string]*crashIssue{}}

	killStart := time.Now()
	kills := 0
	for kills < crashMinKills || (kills < crashMaxKills && time.Since(killStart) < crashKillBudget) {
		p := crashStart(t, ctx, bin, data)
		c.online(p)
		if kills > 0 && kills%crashCleanEvery == 0 {
			// A clean stop writes the snapshot that later restarts
			// reconcile with after their kills.
			p.term(t)
			c.offline()
			p = crashStart(t, ctx, bin, data)
		}
		c.stream(p, time.Duration(50+rng.IntN(351))*time.Millisecond)
		kills++
	}
	killPhase := time.Since(killStart)

	p := crashStart(t, ctx, bin, data)
	c.online(p)
	p.term(t)
	c.offline()

	// A damaged snapshot is detected and rebuilt, never served.
	damages := []struct {
		name string
		harm func(b []byte) []byte
	}{
		{"flipped bytes", func(b []byte) []byte {
			for range 8 {
				i := crashSnapHeader + rng.IntN(len(b)-crashSnapHeader) // the checksum must catch it
				b[i] ^= 0xff
			}
			return b
		}},
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }},
		{"header only", func(b []byte) []byte { return b[:crashSnapHeader] }},
		{"empty", func([]byte) []byte { return nil }},
		{"garbage", func(b []byte) []byte {
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			return b
		}},
	}
	snap := filepath.Join(data, "index.hnsw")
	for _, d := range damages {
		b, err := os.ReadFile(snap)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(snap, d.harm(b), 0o644); err != nil {
			t.Fatal(err)
		}
		p := crashStart(t, ctx, bin, data)
		if !strings.Contains(p.logs.String(), "index snapshot unusable, rebuilding") {
			t.Errorf("snapshot %s: no warning in the log:\n%s", d.name, p.logs)
		}
		c.online(p)
		p.term(t)
		c.offline()
	}

	t.Logf("crash test: %d SIGKILLs at random moments (50-400 ms into a stream of issue uploads from %d clients), kill phase %.1fs; "+
		"%d uploads began, %d were acknowledged, %d were cut by a kill (%d of those were found whole after the restart, the others absent, none in part); "+
		"%d issues (%d paragraphs) in the end. After each of %d restarts every acknowledged issue was read back whole and one of its paragraphs "+
		"searched for two of its words, found in the top 3 every time (%d reads, %d searches), and /v1/stats gave indexed == items == "+
		"the paragraphs of the stored issues; %d clean stops checked the store offline (every item has its vector, every vector its item, "+
		"every acknowledged paragraph is there) and the index snapshot (exactly the stored items); %d damaged snapshots "+
		"(flipped bytes, truncated, header only, empty, garbage) were each reported (\"index snapshot unusable, rebuilding\"), rebuilt and "+
		"searched correctly. Build %.1fs, whole test %.1fs.",
		kills, crashFeeders, killPhase.Seconds(),
		c.uploads, c.acks, c.inFlight, c.survived,
		len(c.sent), c.ackedItems(), c.rounds, c.reads, c.searches,
		c.offlines, len(damages), built.Seconds(), time.Since(began).Seconds())
}

// crashBuild builds veille into a temporary directory.
func crashBuild(t *testing.T, ctx context.Context) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "veille")
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// crashProc is a running veille serve.
type crashProc struct {
	cmd    *exec.Cmd
	base   string
	logs   *lockedWriter
	exited chan struct{} // closed once the process is gone
	err    error         // how it ended, set before exited is closed
	client *http.Client
}

var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// crashStart starts veille serve on data and waits until it listens.
func crashStart(t *testing.T, ctx context.Context, bin, data string) *crashProc {
	t.Helper()
	p := &crashProc{logs: &lockedWriter{w: &strings.Builder{}}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", data)
	env := []string{"VEILLE_SEARCH_PER_MINUTE=0", "VEILLE_ASK_PER_MINUTE=0", "VEILLE_MAX_CONCURRENT_ASK=0", "VEILLE_LOG_FORMAT=text"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VEILLE_") {
			env = append(env, kv)
		}
	}
	p.cmd.Env = env
	p.cmd.Stdout = io.Discard
	p.cmd.Stderr = p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if m := listeningRE.FindStringSubmatch(p.logs.String()); m != nil {
			p.base = "http://" + m[1]
			p.client = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
			return p
		}
		select {
		case <-p.exited:
			t.Fatalf("veille serve exited before listening: %v\n%s", p.err, p.logs)
		case <-ctx.Done():
			t.Fatalf("veille serve did not listen in time\n%s", p.logs)
		case <-tick.C:
		}
	}
}

// kill sends SIGKILL and waits for the process to go.
func (p *crashProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	p.client.CloseIdleConnections()
}

// term sends SIGTERM and expects a clean exit, snapshot written.
func (p *crashProc) term(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
		if p.err != nil {
			t.Fatalf("veille serve after SIGTERM: %v\n%s", p.err, p.logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("veille serve did not stop within 30s of SIGTERM\n%s", p.logs)
	}
	p.client.CloseIdleConnections()
}

// get GETs path and decodes its JSON body into out; it returns the status.
func (p *crashProc) get(ctx context.Context, path string, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+path, nil)
	if err != nil {
		return 0, err
	}
	res, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if res.StatusCode != http.StatusOK {
		return res.StatusCode, fmt.Errorf("GET %s: %d %s", path, res.StatusCode, body)
	}
	return res.StatusCode, json.Unmarshal(body, out)
}

// crashIssue is one generated issue.
type crashIssue struct {
	raw   string
	doc   ingest.Document // what the parser makes of raw: the expected issue
	words [][2]string     // per paragraph, two words found nowhere else
	acked bool            // a 2xx came back
}

// crashCheck holds what was sent and checks the server and the store.
type crashCheck struct {
	t    *testing.T
	ctx  context.Context
	data string
	gen  *crashGen

	mu     sync.Mutex
	sent   map[string]*crashIssue // by issue id: every issue whose upload began
	killed bool                   // the server of the current stream is being killed

	inFlight, survived                int // uploads not acknowledged; of those, found whole later
	uploads, acks                     int // uploads begun; answered 2xx
	reads, searches, offlines, rounds int
}

func (c *crashCheck) ackedItems() int {
	n := 0
	for _, is := range c.sent {
		if is.acked {
			n += len(is.doc.Items)
		}
	}
	return n
}

// stream uploads issues from several clients for d, then kills the server.
func (c *crashCheck) stream(p *crashProc, d time.Duration) {
	t := c.t
	t.Helper()
	var wg sync.WaitGroup
	c.killed = false
	for range crashFeeders {
		wg.Go(func() {
			for {
				is, err := c.next()
				if err != nil {
					t.Error(err)
					return
				}
				if is == nil {
					return // killed
				}
				if c.post(p, is) {
					c.mu.Lock()
					is.acked = true
					c.acks++
					c.mu.Unlock()
				}
			}
		})
	}
	time.Sleep(d)
	c.mu.Lock()
	c.killed = true
	c.mu.Unlock()
	p.kill(t)
	wg.Wait()
	for _, is := range c.sent {
		if !is.acked {
			c.inFlight++
		}
	}
}

// next makes an issue and records it as sent.
func (c *crashCheck) next() (*crashIssue, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.killed {
		return nil, nil // no upload starts after the kill: every unanswered one was in flight
	}
	is, err := c.gen.issue()
	if err != nil {
		return nil, err
	}
	if _, dup := c.sent[is.doc.Issue.ID]; dup {
		return nil, fmt.Errorf("generated issue id %s twice", is.doc.Issue.ID)
	}
	c.sent[is.doc.Issue.ID] = is
	c.uploads++
	return is, nil
}

// post uploads an issue and reports whether it was acknowledged.
func (c *crashCheck) post(p *crashProc, is *crashIssue) bool {
	req, err := http.NewRequestWithContext(c.ctx, http.MethodPost, p.base+"/v1/issues", strings.NewReader(is.raw))
	if err != nil {
		c.t.Error(err)
		return false
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	res, err := p.client.Do(req)
	if err != nil {
		return false // the server died under the request
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return false
	}
	if res.StatusCode != http.StatusCreated {
		c.t.Errorf("POST /v1/issues: %d %s", res.StatusCode, body)
		return false
	}
	var out struct {
		Added  int `json:"added"`
		Issues []struct {
			IssueID string `json:"issue_id"`
		} `json:"issues"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		c.t.Errorf("POST /v1/issues: %v: %s", err, body)
		return false
	}
	if len(out.Issues) != 1 || out.Issues[0].IssueID != is.doc.Issue.ID || out.Added != len(is.doc.Items) {
		c.t.Errorf("POST /v1/issues: got %s, want issue %s with %d items added", body, is.doc.Issue.ID, len(is.doc.Items))
	}
	return true
}

// online checks a freshly started server against what was sent.
func (c *crashCheck) online(p *crashProc) {
	t := c.t
	t.Helper()
	var list struct {
		Issues []struct {
			ID    string `json:"id"`
			Items int    `json:"items"`
		} `json:"issues"`
	}
	if _, err := p.get(c.ctx, "/v1/issues", &list); err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	items := 0
	for _, li := range list.Issues {
		is, ok := c.sent[li.ID]
		switch {
		case !ok:
			t.Errorf("the server lists issue %s, which was never sent", li.ID)
		case li.Items != len(is.doc.Items):
			t.Errorf("issue %s lists %d items, want %d", li.ID, li.Items, len(is.doc.Items))
		}
		present[li.ID] = true
		items += li.Items
	}
	ids := make([]string, 0, len(c.sent))
	for id := range c.sent {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var check []*crashIssue
	for _, id := range ids {
		is := c.sent[id]
		if !present[id] {
			if is.acked {
				t.Errorf("acknowledged issue %s is missing after a restart", id)
			}
			continue
		}
		if !is.acked {
			// Written before the kill but not answered: it must be whole,
			// and from now on it is as good as acknowledged.
			is.acked = true
			c.survived++
		}
		check = append(check, is)
	}
	// Each issue is read back and one of its paragraphs searched, the
	// paragraph turning with the rounds so that all are searched in time.
	c.rounds++
	var next atomic.Int64
	var wg sync.WaitGroup
	for range crashCheckers {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(check)); i = next.Add(1) - 1 {
				c.checkIssue(p, check[i], (c.rounds+int(i))%len(check[i].doc.Items))
			}
		})
	}
	wg.Wait()
	c.reads += len(check)
	c.searches += len(check)
	var st struct {
		Issues, Items, Indexed int
	}
	if _, err := p.get(c.ctx, "/v1/stats", &st); err != nil {
		t.Fatal(err)
	}
	if st.Issues != len(present) || st.Items != items || st.Indexed != items {
		t.Errorf("stats: %d issues, %d items, %d indexed; want %d issues and %d items, all indexed",
			st.Issues, st.Items, st.Indexed, len(present), items)
	}
	// Unacknowledged uploads that did not survive are forgotten: they
	// were never promised, and their ids must not linger.
	for id, is := range c.sent {
		if !is.acked {
			delete(c.sent, id)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// checkIssue reads an issue back whole and searches one of its paragraphs.
func (c *crashCheck) checkIssue(p *crashProc, is *crashIssue, k int) {
	t := c.t
	t.Helper()
	var got struct {
		ID    string `json:"id"`
		Items []struct {
			ID   string `json:"id"`
			Text string `json:"text"`
		} `json:"items"`
	}
	id := is.doc.Issue.ID
	if _, err := p.get(c.ctx, "/v1/issues/"+id, &got); err != nil {
		t.Errorf("issue %s: %v", id, err)
		return
	}
	if len(got.Items) != len(is.doc.Items) {
		t.Errorf("issue %s has %d items, want %d", id, len(got.Items), len(is.doc.Items))
		return
	}
	for i, it := range got.Items {
		if want := is.doc.Items[i]; it.ID != want.ID || it.Text != want.Text {
			t.Errorf("issue %s item %d = %s %q, want %s %q", id, i, it.ID, it.Text, want.ID, want.Text)
		}
	}
	w := is.words[k]
	var res struct {
		Hits []struct {
			ID string `json:"id"`
		} `json:"hits"`
	}
	q := url.Values{"q": {w[0] + " " + w[1]}, "k": {"3"}}
	if _, err := p.get(c.ctx, "/v1/search?"+q.Encode(), &res); err != nil {
		t.Errorf("search %s: %v", q.Get("q"), err)
		return
	}
	for _, h := range res.Hits {
		if h.ID == is.doc.Items[k].ID {
			return
		}
	}
	// Say whether the paragraph is ranked too low (retrieval) or not
	// found at all (not indexed: lost by a crash).
	rank, why := c.explain(p, q.Get("q"), is.doc.Items[k].ID)
	if rank == 0 {
		t.Errorf("search %q: item %s not in the top 100, so not indexed: %s", q.Get("q"), is.doc.Items[k].ID, why)
		return
	}
	t.Errorf("search %q: item %s not in the top 3 but #%d at k=100: %s", q.Get("q"), is.doc.Items[k].ID, rank, why)
}

// explain searches q with k=100 and returns the rank of the item with the
// given id (0 when absent) and the first hits with their scores.
func (c *crashCheck) explain(p *crashProc, q, id string) (int, string) {
	var res struct {
		Hits []struct {
			ID    string  `json:"id"`
			Score float32 `json:"score"`
		} `json:"hits"`
	}
	if _, err := p.get(c.ctx, "/v1/search?"+url.Values{"q": {q}, "k": {"100"}}.Encode(), &res); err != nil {
		return 0, err.Error()
	}
	rank := 0
	var b strings.Builder
	for i, h := range res.Hits {
		if h.ID == id {
			rank = i + 1
		}
		if i < 3 || h.ID == id {
			fmt.Fprintf(&b, "#%d %s %.3f; ", i+1, h.ID, h.Score)
		}
	}
	return rank, b.String()
}

// offline checks the store and the index snapshot of a cleanly stopped server.
func (c *crashCheck) offline() {
	t := c.t
	t.Helper()
	c.offlines++
	db, err := store.Open(filepath.Join(c.data, "badger"), store.Options{GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := archive.DeriveVectors(db); err != nil {
		t.Fatal(err)
	}
	items := map[uint32]string{}
	byID := map[string]bool{}
	if err := db.WalkItems(c.ctx, func(it store.Item) error {
		if prev, dup := items[it.Seq]; dup {
			return fmt.Errorf("items %s and %s share seq %d", prev, it.ID, it.Seq)
		}
		items[it.Seq] = it.ID
		byID[it.ID] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	vecs := map[uint32]bool{}
	if err := db.WalkVectors(c.ctx, func(seq uint32, vec []float32) error {
		vecs[seq] = true
		if _, ok := items[seq]; !ok {
			t.Errorf("vector %d has no item", seq)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for seq, id := range items {
		if !vecs[seq] {
			t.Errorf("item %s (seq %d) has no vector", id, seq)
		}
	}
	want := 0
	for _, is := range c.sent {
		if !is.acked {
			continue
		}
		want += len(is.doc.Items)
		for _, it := range is.doc.Items {
			if !byID[it.ID] {
				t.Errorf("acknowledged item %s is not in the store", it.ID)
			}
		}
	}
	if len(items) != want {
		t.Errorf("the store holds %d items, want %d", len(items), want)
	}
	ix, err := vectorindex.Load(filepath.Join(c.data, "index.hnsw"))
	if err != nil {
		t.Fatalf("index snapshot after a clean stop: %v", err)
	}
	got := ix.IDs()
	slices.Sort(got)
	seqs := make([]uint32, 0, len(items))
	for seq := range items {
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	if !slices.Equal(got, seqs) {
		t.Errorf("the index snapshot holds %d ids, the store %d items; they differ", len(got), len(seqs))
	}
	if t.Failed() {
		t.FailNow()
	}
}

// crashGen makes issues in the archive's raw format whose paragraphs each
// hold words found nowhere else, so a search for them has one right answer.
type crashGen struct {
	n    int
	rng  *rand.Rand
	seen map[string]bool
}

func newCrashGen(seed uint64) *crashGen {
	return &crashGen{rng: rand.New(rand.NewPCG(seed, 0x9e3779b9)), seen: map[string]bool{}}
}

// Letters of the made-up words, which alternate consonants and vowels and
// end with a consonant, so that a stemmer has no French ending to take off
// and two words rarely share a character n-gram.
const (
	crashConsonants = "bcdfghjklmnpqrstvwxz"
	crashVowels     = "aeiou"
)

// word returns a made-up word of ten letters never returned before.
func (g *crashGen) word() string {
	for {
		b := make([]byte, 10)
		for i := range b {
			if i%2 == 0 {
				b[i] = crashConsonants[g.rng.IntN(len(crashConsonants))]
			} else {
				b[i] = crashVowels[g.rng.IntN(len(crashVowels))]
			}
		}
		b[9] = crashConsonants[g.rng.IntN(len(crashConsonants))]
		if w := string(b); !g.seen[w] {
			g.seen[w] = true
			return w
		}
	}
}

var crashSentences = []string{
	"Le laboratoire %s a présenté un nouveau modèle de langage, que ses concurrents jugent prometteur pour %s.",
	"Selon les chiffres publiés cette semaine, la société %s a levé plusieurs centaines de millions d’euros auprès de %s.",
	"Les régulateurs européens examinent de près l’accord entre %s et le fournisseur de puces %s.",
	"Une étude indépendante montre que %s consomme moins d’énergie que prévu, à la surprise de %s.",
	"À Paris, la start-up %s recrute des chercheurs venus de %s pour accélérer ses travaux.",
}

// issue makes the next issue: 3 to 6 paragraphs, a unique headline line.
func (g *crashGen) issue() (*crashIssue, error) {
	g.n++
	n := g.n
	date := fmt.Sprintf("%d-%02d-%02d", 2024+n%3, 1+n%12, 1+n%28)
	head := g.word()
	var b strings.Builder
	fmt.Fprintf(&b, "date %s Chronique %s numéro %d / Les marchés et l’IA\n", date, head, n)
	paras := 3 + n%4
	words := make([][2]string, paras)
	for i := range paras {
		w := [2]string{g.word(), g.word()}
		words[i] = w
		fmt.Fprintf(&b, "\n"+crashSentences[(n+i)%len(crashSentences)]+" Le dossier reste ouvert.\n", w[0], w[1])
	}
	raw := b.String()
	docs, err := ingest.Parse("crash", []byte(raw), ingest.FormatRaw)
	if err != nil || len(docs) != 1 {
		return nil, fmt.Errorf("parse generated issue: %v (%d documents)\n%s", err, len(docs), raw)
	}
	if got := len(docs[0].Items); got != paras {
		return nil, fmt.Errorf("generated issue parses into %d items, want %d:\n%s", got, paras, raw)
	}
	for i, it := range docs[0].Items {
		if !strings.Contains(it.Text, words[i][0]) || !strings.Contains(it.Text, words[i][1]) {
			return nil, fmt.Errorf("generated paragraph %d parsed as %q", i, it.Text)
		}
	}
	return &crashIssue{raw: raw, doc: docs[0], words: words}, nil
}
