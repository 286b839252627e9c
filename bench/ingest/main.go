//go:build unix

// Command ingest is veille's ingest benchmark (bench/ingest.sh). On a folder
// of raw issues (bench/gen) it measures, in this order:
//
//  1. "veille ingest --data FRESH --json FOLDER" run as a child process, end
//     to end with the built-in embedder: wall time, CPU time and peak
//     resident memory (the child's ru_maxrss);
//  2. the same command again on the unchanged folder (the re-ingest);
//  3. the built-in embedder alone on the same passages (headline and text,
//     as the archive embeds them), on -workers goroutines;
//  4. the raw vectorindex insert rate for those vectors into a fresh index
//     with the archive's settings (int8 search codes, 1024 dims): Add from one
//     goroutine, as the archive adds them, then AddBatch on every core, in a
//     new process (-index-only) as the ingest runs in one.
//
// With -pairs it then alternates more first ingests and AddBatch runs
// (AddBatch first in every other pair), for the median of their ratios; with -side-by-side it runs first ingests and
// AddBatch runs at the same time, each alone on a core, and with -shared at
// the same time on both cores, for the median of their CPU ratios under the
// same host conditions (see runSideBySide).
//
// It prints a Markdown table, the ratios the ingest target is stated in, the
// load average at start and end, and one JSON line.
//
//	go build -o /tmp/veille ./cmd/veille
//	go run ./bench/ingest -veille /tmp/veille -archive /tmp/veille-ingest/n100000
//
// With -harness it instead ingests the folder in this process, calling
// archive.Ingest file by file in a bulk load as "veille ingest" does (but
// parsing every file, and on this goroutine), with a CPU profile
// (-cpuprofile) and the time spent in the embedder, then re-ingests it:
//
//	go run ./bench/ingest -harness -archive DIR -cpuprofile /tmp/ingest.pprof
//	go tool pprof -top /tmp/ingest.pprof
//
// With -beside it inserts the folder's vectors batch by batch, some batches
// alone and some with the rest of an ingest running beside them, and labels
// each batch's samples in the CPU profile (see runBeside):
//
//	go run ./bench/ingest -beside -archive DIR -cpuprofile /tmp/beside.pprof
//	go tool pprof -tags /tmp/beside.pprof
//
// It builds on Unix systems, whose getrusage gives a child's peak memory
// and the process's CPU time.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/embed"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/store"
	"github.com/veille/veille/vectorindex"
)

type options struct {
	archive, veille, work string
	workers               int
	timeout               time.Duration
	harness               bool
	cpuprofile            string
	skipBatch             bool
	pairs                 int
	sideBySide, shared    int
	reingestOnly          bool
	indexOnly             bool
	beside                bool
	jsonOut               bool
	dump                  string
}

func main() {
	var o options
	flag.StringVar(&o.archive, "archive", "", "folder of raw issues to ingest (required)")
	flag.StringVar(&o.veille, "veille", "", "veille binary for the end-to-end runs (required unless -harness)")
	flag.StringVar(&o.work, "work", "", "folder for the data directories (default: a new temporary folder, removed at the end)")
	flag.IntVar(&o.workers, "workers", 2, "goroutines of the embedder-alone run")
	flag.DurationVar(&o.timeout, "timeout", time.Hour, "bound of each veille run")
	flag.BoolVar(&o.harness, "harness", false, "ingest in this process (archive.Ingest) instead, for profiling")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "with -harness: write the first ingest's CPU profile here (the re-ingest's to FILE.reingest)")
	flag.BoolVar(&o.skipBatch, "skip-batch", false, "skip the AddBatch run")
	flag.IntVar(&o.pairs, "pairs", 0, "then this many more first ingests (each into a fresh data directory) and AddBatch runs, alternated (AddBatch first in every other pair), for the median of their ratios")
	flag.IntVar(&o.sideBySide, "side-by-side", 0, "then this many rounds of a first ingest and an AddBatch run at the same time, each on a core of its own, for the median of their CPU ratios (see runSideBySide)")
	flag.IntVar(&o.shared, "shared", 0, "then this many rounds of a first ingest and an AddBatch run at the same time, both free on every core, for the median of their CPU ratios (see runSideBySide)")
	flag.BoolVar(&o.reingestOnly, "reingest-only", false, "with -harness: only re-ingest, into the data directory -work (kept), which must hold the archive already")
	flag.BoolVar(&o.indexOnly, "index-only", false, "only embed the passages and time AddBatch (profiled with -cpuprofile), to compare with a -harness run")
	flag.BoolVar(&o.beside, "beside", false, "only embed the passages and insert them batch by batch, some with an ingest's other work beside, into the CPU profile -cpuprofile (see runBeside)")
	flag.BoolVar(&o.jsonOut, "json", false, "with -index-only: print the AddBatch step as JSON")
	flag.StringVar(&o.dump, "dump", "", "only embed the passages and write them to this folder in the ANN benchmark's files, for bench/ann.sh (see runDump)")
	flag.Parse()
	if o.archive == "" || (!o.harness && !o.indexOnly && !o.beside && o.dump == "" && o.veille == "") {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case o.harness:
		err = runHarness(ctx, o)
	case o.indexOnly:
		err = runIndexOnly(ctx, o)
	case o.beside:
		err = runBeside(ctx, o)
	case o.dump != "":
		err = runDump(ctx, o)
	default:
		err = runBench(ctx, o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ingest bench:", err)
		os.Exit(1)
	}
}

// phase is one measured step.
type phase struct {
	Name    string  `json:"name"`
	Items   int     `json:"items"`
	WallS   float64 `json:"wall_s"`
	CPUS    float64 `json:"cpu_s"`
	PerSec  float64 `json:"per_s"`
	PeakMiB float64 `json:"peak_rss_mib,omitempty"` // 0: not measured for this step alone
}

func newPhase(name string, items int, wall, cpu time.Duration, peakKiB int64) phase {
	return phase{Name: name, Items: items, WallS: wall.Seconds(), CPUS: cpu.Seconds(),
		PerSec: float64(items) / wall.Seconds(), PeakMiB: float64(peakKiB) / 1024}
}

// report is the JSON line.
type report struct {
	Date        string  `json:"date"`
	Archive     string  `json:"archive"`
	Files       int     `json:"files"`
	Paragraphs  int     `json:"paragraphs"`
	MeanChars   float64 `json:"mean_chars"`
	Cores       int     `json:"cores"`
	LoadStart   string  `json:"load_start"`
	LoadEnd     string  `json:"load_end"`
	Phases      []phase `json:"phases"`
	DataMiB     float64 `json:"data_dir_mib"`
	IngestVsAdd float64 `json:"ingest_over_index_add"`
	IngestVsBat float64 `json:"ingest_over_index_addbatch,omitempty"`
	// Pairs are the -pairs runs, each a first ingest and AddBatch (which ran
	// first in every other pair).
	Pairs        []phase   `json:"pairs,omitempty"`
	BatRatios    []float64 `json:"ingest_over_index_addbatch_runs,omitempty"` // the first run's, then each pair's
	MedianVsBat  float64   `json:"median_ingest_over_index_addbatch,omitempty"`
	MedianPerSec float64   `json:"median_first_ingest_per_s,omitempty"`
	// Sides are the -side-by-side rounds: a first ingest and AddBatch,
	// run at the same time on a core each.
	Sides      []phase   `json:"side_by_side,omitempty"`
	SideRatios []float64 `json:"side_by_side_cpu_ratios,omitempty"`
	MedianSide float64   `json:"median_side_by_side_cpu_ratio,omitempty"`
	// Shared are the -shared rounds: the same, both free on every core.
	Shared       []phase   `json:"shared,omitempty"`
	SharedRatios []float64 `json:"shared_cpu_ratios,omitempty"`
	MedianShared float64   `json:"median_shared_cpu_ratio,omitempty"`
	CPUVsAdd     float64   `json:"ingest_cpu_over_index_add_cpu"`
	FirstVsAgain float64   `json:"first_over_reingest"`
	BenchPeakMiB float64   `json:"bench_process_peak_rss_mib"`
}

func runBench(ctx context.Context, o options) error {
	work, cleanup, err := workDir(o.work)
	if err != nil {
		return err
	}
	defer cleanup()
	rep := report{Date: time.Now().UTC().Format(time.RFC3339), Archive: o.archive, Cores: runtime.GOMAXPROCS(0), LoadStart: loadavg()}
	fmt.Fprintf(os.Stderr, "load average at start: %s\n", rep.LoadStart)

	files, texts, err := archivePassages(o.archive)
	if err != nil {
		return err
	}
	rep.Files, rep.Paragraphs = len(files), len(texts)
	chars := 0
	for _, t := range texts {
		chars += len([]rune(t))
	}
	rep.MeanChars = float64(chars) / float64(len(texts))
	fmt.Fprintf(os.Stderr, "%d files, %d paragraphs, %.0f characters a passage on average\n", len(files), len(texts), rep.MeanChars)

	data := filepath.Join(work, "data")
	first, sum, err := firstIngest(ctx, o, data, "veille ingest (first)", work, anyCore)
	if err != nil {
		return err
	}
	if sum.Added != len(texts) {
		fmt.Fprintf(os.Stderr, "warning: veille added %d items, the parser found %d\n", sum.Added, len(texts))
	}
	again, sum2, err := runVeille(ctx, o, data, "veille ingest (unchanged, re-ingest)", work, anyCore)
	if err != nil {
		return err
	}
	if sum2.Unchanged != sum.Added || sum2.Added != 0 {
		fmt.Fprintf(os.Stderr, "warning: re-ingest summary %+v\n", sum2)
	}
	again.Items = sum2.Unchanged
	again.PerSec = float64(sum2.Unchanged) / again.WallS
	rep.DataMiB = float64(dirSize(data)) / (1 << 20)

	vecs, emb := embedAll(ctx, texts, o.workers)
	add, err := indexAdd(vecs)
	if err != nil {
		return err
	}
	rep.Phases = []phase{first, again, emb, add}
	if !o.skipBatch {
		bat, err := indexAddBatchFresh(ctx, o, anyCore)
		if err != nil {
			return err
		}
		rep.Phases = append(rep.Phases, bat)
		rep.IngestVsBat = first.WallS / bat.WallS
		if err := runPairs(ctx, o, &rep, first, work); err != nil {
			return err
		}
	}
	if err := runSideBySide(ctx, o, &rep, work); err != nil {
		return err
	}
	rep.IngestVsAdd = first.WallS / add.WallS
	rep.CPUVsAdd = first.CPUS / add.CPUS
	rep.FirstVsAgain = first.WallS / again.WallS
	rep.LoadEnd = loadavg()
	rep.BenchPeakMiB = float64(selfMaxRSS()) / 1024
	printReport(rep)
	return nil
}

// workDir returns dir, created, or a new temporary folder removed by cleanup.
func workDir(dir string) (string, func(), error) {
	if dir != "" {
		return dir, func() {}, os.MkdirAll(dir, 0o755)
	}
	d, err := os.MkdirTemp("", "veille-ingest-bench-")
	return d, func() { os.RemoveAll(d) }, err
}

// issueFiles lists the .txt files of dir, sorted, as veille would take them.
func issueFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".txt") && !strings.HasPrefix(d.Name(), ".") {
			out = append(out, p)
		}
		return nil
	})
	slices.Sort(out)
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("no .txt issue in %s", dir)
	}
	return out, err
}

// archivePassages returns the issue files of dir and what the archive embeds
// for each of their items.
func archivePassages(dir string) (files, texts []string, err error) {
	if files, err = issueFiles(dir); err != nil {
		return nil, nil, err
	}
	texts, err = passages(files)
	return files, texts, err
}

// passages parses files and returns what the archive embeds for each item.
func passages(files []string) ([]string, error) {
	var texts []string
	var buf bytes.Buffer
	for _, f := range files {
		docs, err := parseFile(&buf, f)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			for _, it := range d.Items {
				texts = append(texts, archive.PassageText(it))
			}
		}
	}
	return texts, nil
}

// parseFile reads the issue file at path into buf, as veille ingest reads
// its files, and parses it, its format detected.
func parseFile(buf *bytes.Buffer, path string) ([]ingest.Document, error) {
	data, err := ingest.ReadInto(buf, path)
	if err != nil {
		return nil, err
	}
	return ingest.Parse(path, data, ingest.FormatDetect)
}

// summary is the part of "veille ingest --json" output used here.
type summary struct {
	Files, Issues, Added, Changed, Unchanged, Removed, Failed, Embedded int
}

// firstIngest runs a first "veille ingest" into data, emptied before: a
// directory left there by an interrupted run would make it a re-ingest. The
// phase counts the items added.
func firstIngest(ctx context.Context, o options, data, name, work string, core int) (phase, summary, error) {
	if err := os.RemoveAll(data); err != nil {
		return phase{}, summary{}, err
	}
	in, sum, err := runVeille(ctx, o, data, name, work, core)
	if err != nil {
		return phase{}, summary{}, err
	}
	in.Items = sum.Added
	in.PerSec = float64(sum.Added) / in.WallS
	return in, sum, nil
}

// runVeille runs "veille ingest" on o.archive into data and measures it,
// on the one core given (with GOMAXPROCS=1) unless it is anyCore.
func runVeille(ctx context.Context, o options, data, name, work string, core int) (phase, summary, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	logName := filepath.Join(work, strings.NewReplacer(" ", "-", "(", "", ")", "", ",", "").Replace(name)+".log")
	logf, err := os.Create(logName)
	if err != nil {
		return phase{}, summary{}, err
	}
	defer logf.Close()
	cmd := command(ctx, core, o.veille, "ingest", "--data", data, "--json", "--log-level", "warn", o.archive)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, logf
	cmd.Env = append(cmd.Env, "VEILLE_EMBED_PROVIDER=builtin")
	fmt.Fprintf(os.Stderr, "%s: %s\n", name, strings.Join(cmd.Args, " "))
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return phase{}, summary{}, fmt.Errorf("%s: %w", name, err)
	}
	peak := watchPeak(cmd.Process.Pid)
	err = cmd.Wait()
	wall := time.Since(start)
	peakKiB := peak()
	if err != nil {
		return phase{}, summary{}, fmt.Errorf("%s: %w (log: %s)", name, err, logName)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	var sum summary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		return phase{}, summary{}, fmt.Errorf("%s: summary %q: %w", name, out.String(), err)
	}
	fmt.Fprintf(os.Stderr, "  %.1f s wall, %.1f s CPU, peak RSS %d MiB: %+v\n", wall.Seconds(), cpu.Seconds(), peakKiB/1024, sum)
	return newPhase(name, 0, wall, cpu, peakKiB), sum, nil
}

// watchPeak reads the peak resident memory (VmHWM) of process pid every
// 20 ms until the returned function is called, which returns the last
// reading in KiB. The child's own rusage cannot say: Go starts a child
// sharing this process's memory until its exec, and Linux counts that
// memory's peak in the child's ru_maxrss, so every child started once this
// process held the benchmark's vectors reported this process's peak.
func watchPeak(pid int) (stop func() int64) {
	status := fmt.Sprintf("/proc/%d/status", pid)
	var last atomic.Int64
	read := func() {
		data, err := os.ReadFile(status)
		if err != nil {
			return
		}
		for line := range strings.Lines(string(data)) {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				var kib int64
				if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kib); err == nil {
					last.Store(kib)
				}
			}
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	})
	return func() int64 {
		close(done)
		wg.Wait()
		return last.Load()
	}
}

// embedAll embeds texts with the built-in embedder on workers goroutines,
// in batches of 64 as the archive does.
func embedAll(ctx context.Context, texts []string, workers int) ([][]float32, phase) {
	emb := embed.NewBuiltin(0)
	vecs := make([][]float32, len(texts))
	const batch = 64
	var next atomic.Int64
	var wg sync.WaitGroup
	c0, start := cpuTime(), time.Now()
	for range workers {
		wg.Go(func() {
			for {
				lo := int(next.Add(batch)) - batch
				if lo >= len(texts) {
					return
				}
				hi := min(lo+batch, len(texts))
				out, err := emb.Embed(ctx, texts[lo:hi], embed.Passage)
				if err != nil {
					panic(err) // only on cancellation
				}
				copy(vecs[lo:hi], out)
			}
		})
	}
	wg.Wait()
	p := newPhase(fmt.Sprintf("built-in embedder alone, %d goroutines", workers), len(texts), time.Since(start), cpuTime()-c0, 0)
	fmt.Fprintf(os.Stderr, "embedder: %.1f s, %.0f paragraphs/s\n", p.WallS, p.PerSec)
	return vecs, p
}

// indexAdd inserts vecs into a fresh index one by one, from one goroutine.
func indexAdd(vecs [][]float32) (phase, error) {
	ix, err := vectorindex.New(vectorindex.Config{Dims: embed.DefaultDims, Quantization: archive.DefaultQuantization})
	if err != nil {
		return phase{}, err
	}
	runtime.GC()
	c0, start := cpuTime(), time.Now()
	for i, v := range vecs {
		if err := ix.Add(uint32(i+1), v); err != nil {
			return phase{}, err
		}
	}
	p := newPhase("vectorindex Add, 1 goroutine (index alone)", ix.Len(), time.Since(start), cpuTime()-c0, 0)
	fmt.Fprintf(os.Stderr, "index Add: %.1f s, %.0f vectors/s\n", p.WallS, p.PerSec)
	runtime.KeepAlive(ix)
	return p, nil
}

// runIndexOnly times AddBatch alone over the archive's embedded passages,
// under a CPU profile if asked: the index's share of a -harness profile,
// measured without the rest of the ingest beside it.
func runIndexOnly(ctx context.Context, o options) error {
	_, texts, err := archivePassages(o.archive)
	if err != nil {
		return err
	}
	vecs, _ := embedAll(ctx, texts, o.workers)
	fmt.Fprintf(os.Stderr, "load average at start: %s\n", loadavg())
	stop, err := startProfile(o.cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	p, err := indexAddBatch(vecs)
	if err != nil {
		return err
	}
	if o.jsonOut {
		return json.NewEncoder(os.Stdout).Encode(p)
	}
	fmt.Printf("%s: %d vectors in %.1f s wall, %.1f s CPU (%.0f/s); load average at end: %s\n", p.Name, p.Items, p.WallS, p.CPUS, p.PerSec, loadavg())
	return nil
}

// indexAddBatchFresh times AddBatch in a new process of this program
// (-index-only), as each veille ingest runs in a new process: a process
// that has built indexes before builds the next one partly in memory it has
// touched already. On the benchmark host, three AddBatch runs in new
// processes took 23.9–24.1 s (46.4–46.9 s of CPU), and three in the
// benchmark's own process, minutes before, 21.6–23.1 s (42.5–45.5 s).
//
// Given a core, it runs there alone (with GOMAXPROCS=1), its embedder on one
// goroutine.
func indexAddBatchFresh(ctx context.Context, o options, core int) (phase, error) {
	self, err := os.Executable()
	if err != nil {
		return phase{}, err
	}
	workers := o.workers
	if core != anyCore {
		workers = 1
	}
	cmd := command(ctx, core, self, "-index-only", "-json", "-archive", o.archive, "-workers", strconv.Itoa(workers))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return phase{}, fmt.Errorf("AddBatch in a new process: %w", err)
	}
	var p phase
	if err := json.Unmarshal(out, &p); err != nil {
		return phase{}, fmt.Errorf("AddBatch in a new process: %q: %w", out, err)
	}
	return p, nil
}

// runPairs runs o.pairs more first ingests, each into a fresh data directory,
// each paired with AddBatch alone in a new process, and records their
// ratios and the medians with the first run's: on a machine shared with
// other jobs, single runs vary by ±10 %, and alternating keeps the ratios
// fair. Every other pair runs AddBatch first, so that a host whose speed
// drifts, or that treats a process differently after another, favours
// neither side.
func runPairs(ctx context.Context, o options, rep *report, first phase, work string) error {
	if o.pairs <= 0 {
		return nil
	}
	rep.BatRatios = []float64{rep.IngestVsBat}
	rates := []float64{first.PerSec}
	for k := range o.pairs {
		ingest := func() (phase, error) {
			data := filepath.Join(work, fmt.Sprintf("data-%d", k+2))
			in, _, err := firstIngest(ctx, o, data, fmt.Sprintf("veille ingest (first, run %d)", k+2), work, anyCore)
			if err != nil {
				return phase{}, err
			}
			return in, os.RemoveAll(data)
		}
		var in, bat phase
		var err error
		if k%2 == 0 {
			if in, err = ingest(); err == nil {
				bat, err = indexAddBatchFresh(ctx, o, anyCore)
			}
		} else {
			if bat, err = indexAddBatchFresh(ctx, o, anyCore); err == nil {
				in, err = ingest()
			}
		}
		if err != nil {
			return err
		}
		rep.Pairs = append(rep.Pairs, in, bat)
		rep.BatRatios = append(rep.BatRatios, in.WallS/bat.WallS)
		rates = append(rates, in.PerSec)
	}
	rep.MedianVsBat, rep.MedianPerSec = median(rep.BatRatios), median(rates)
	return nil
}

// median returns the median of xs, 0 if it is empty.
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// indexAddBatch inserts vecs into a fresh index in one AddBatch call.
func indexAddBatch(vecs [][]float32) (phase, error) {
	ix, err := vectorindex.New(vectorindex.Config{Dims: embed.DefaultDims, Quantization: archive.DefaultQuantization})
	if err != nil {
		return phase{}, err
	}
	runtime.GC()
	ids := make([]uint32, len(vecs))
	for i := range ids {
		ids[i] = uint32(i + 1)
	}
	c0, start := cpuTime(), time.Now()
	if err := ix.AddBatch(ids, vecs); err != nil {
		return phase{}, err
	}
	p := newPhase(fmt.Sprintf("vectorindex AddBatch, %d cores", runtime.GOMAXPROCS(0)), ix.Len(), time.Since(start), cpuTime()-c0, 0)
	fmt.Fprintf(os.Stderr, "index AddBatch: %.1f s, %.0f vectors/s\n", p.WallS, p.PerSec)
	runtime.KeepAlive(ix)
	return p, nil
}

func printReport(r report) {
	fmt.Printf("Archive: %s: %d files, %d paragraphs (%.0f characters a passage on average); %d cores; load average %s at start, %s at end.\n\n",
		r.Archive, r.Files, r.Paragraphs, r.MeanChars, r.Cores, r.LoadStart, r.LoadEnd)
	fmt.Println("| Step | Items | Wall (s) | CPU (s) | Items/s | Peak RSS |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	for _, p := range r.Phases {
		peak := "–"
		if p.PeakMiB > 0 {
			peak = fmt.Sprintf("%.0f MiB", p.PeakMiB)
		}
		fmt.Printf("| %s | %d | %.1f | %.1f | %.0f | %s |\n", p.Name, p.Items, p.WallS, p.CPUS, p.PerSec, peak)
	}
	fmt.Println()
	first := r.Phases[0]
	fmt.Printf("- first ingest: **%.0f paragraphs/s** (target ≥ 2,000)\n", first.PerSec)
	fmt.Printf("- ingest time / index-alone time (Add, 1 goroutine): **%.2f** (target ≤ 1.25); in CPU time: %.2f\n", r.IngestVsAdd, r.CPUVsAdd)
	if r.IngestVsBat > 0 {
		fmt.Printf("- ingest time / index-alone time (AddBatch, %d cores): %.2f\n", r.Cores, r.IngestVsBat)
	}
	if len(r.Pairs) > 0 {
		fmt.Printf("- alternated runs (first ingest / AddBatch; AddBatch ran first in every other pair):")
		for i := 0; i < len(r.Pairs); i += 2 {
			fmt.Printf(" %.1f / %.1f s;", r.Pairs[i].WallS, r.Pairs[i+1].WallS)
		}
		fmt.Printf(" ingest / AddBatch %s: median **%.2f**; first ingest median **%.0f paragraphs/s**\n",
			fmtList(r.BatRatios), r.MedianVsBat, r.MedianPerSec)
	}
	printTogether("a core each", r.Sides, r.SideRatios, r.MedianSide)
	printTogether("sharing both cores", r.Shared, r.SharedRatios, r.MedianShared)
	fmt.Printf("- first ingest / re-ingest of the unchanged archive: **%.1f×** (target ≥ 20)\n", r.FirstVsAgain)
	fmt.Printf("- peak RSS of veille ingest: %.0f MiB (first), %.0f MiB (re-ingest); data directory %.0f MiB; this bench process %.0f MiB\n",
		first.PeakMiB, r.Phases[1].PeakMiB, r.DataMiB, r.BenchPeakMiB)
	fmt.Println()
	b, _ := json.Marshal(r)
	fmt.Println(string(b))
}

// printTogether prints the rounds of ingests and AddBatch runs made at the
// same time (see together), if any: their CPU times, ratios and median.
func printTogether(how string, phases []phase, ratios []float64, med float64) {
	if len(phases) == 0 {
		return
	}
	fmt.Printf("- side by side, %s (first ingest / AddBatch, CPU):", how)
	for i := 0; i < len(phases); i += 2 {
		fmt.Printf(" %.1f / %.1f s;", phases[i].CPUS, phases[i+1].CPUS)
	}
	fmt.Printf(" ratios %s: median **%.3f** (target ≤ 1.25)\n", fmtList(ratios), med)
}

func fmtList(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, ", ")
}

// runHarness ingests o.archive with archive.Ingest in this process, file by
// file as loadFiles in cmd/veille does, profiling and timing the embedder,
// then re-ingests it into the same data directory.
func runHarness(ctx context.Context, o options) error {
	if o.reingestOnly && o.work == "" {
		return errors.New("-reingest-only needs -work")
	}
	work, cleanup, err := workDir(o.work)
	if err != nil {
		return err
	}
	defer cleanup()
	files, err := issueFiles(o.archive)
	if err != nil {
		return err
	}
	fmt.Printf("load average at start: %s\n", loadavg())
	for round, name := range []string{"first", "re-ingest"} {
		if o.reingestOnly && round == 0 {
			continue
		}
		prof := o.cpuprofile
		if prof != "" && round == 1 {
			prof += ".reingest"
		}
		if err := harnessRound(ctx, work, files, name, prof); err != nil {
			return err
		}
	}
	fmt.Printf("load average at end: %s; peak RSS %d MiB\n", loadavg(), selfMaxRSS()/1024)
	return nil
}

// startProfile starts a CPU profile into path, unless path is empty; stop
// ends it.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func harnessRound(ctx context.Context, work string, files []string, name, prof string) error {
	stopProfile, err := startProfile(prof)
	if err != nil {
		return err
	}
	defer stopProfile()
	c0, start := cpuTime(), time.Now()
	db, err := store.Open(filepath.Join(work, "badger"), store.Options{Unsynced: true}) // as veille ingest
	if err != nil {
		return err
	}
	emb := &timedEmbedder{Builtin: embed.NewBuiltin(0)}
	arch, err := archive.Open(ctx, db, emb, archive.Config{SnapshotPath: filepath.Join(work, "index.hnsw"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		db.Close()
		return err
	}
	opened := time.Since(start)
	stop := arch.StartBulk()
	var res archive.Result
	var parse time.Duration
	added, unchanged := 0, 0
	var buf bytes.Buffer
	for _, f := range files {
		t := time.Now()
		docs, err := parseFile(&buf, f)
		if err != nil {
			return err
		}
		parse += time.Since(t)
		for _, d := range docs {
			if res, err = arch.Ingest(ctx, d); err != nil {
				return err
			}
			added += res.Added
			unchanged += res.Unchanged
		}
	}
	loaded := time.Now()
	if err := stop(); err != nil {
		return err
	}
	drained := time.Since(loaded)
	ingested := time.Since(start)
	t := time.Now()
	err = errors.Join(arch.Close(), db.Close())
	closed := time.Since(t)
	wall := time.Since(start)
	if err != nil {
		return err
	}
	items := added + unchanged
	fmt.Printf("%s: %d added, %d unchanged in %.1f s wall (%.0f paragraphs/s), %.1f s CPU\n",
		name, added, unchanged, wall.Seconds(), float64(items)/wall.Seconds(), (cpuTime() - c0).Seconds())
	fmt.Printf("  open %.2f s; parse %.2f s; embedder %.2f s (%d calls, %d texts); other ingest (plan, cache, store, index) %.2f s, of which the index catching up after the last file %.2f s; close (snapshot, store) %.2f s\n",
		opened.Seconds(), parse.Seconds(), emb.busy().Seconds(), emb.calls.Load(), emb.texts.Load(),
		(ingested - opened - parse - emb.busy()).Seconds(), drained.Seconds(), closed.Seconds())
	return nil
}

// timedEmbedder adds up the time spent in Embed calls (wall time, so
// overlapping calls count each).
type timedEmbedder struct {
	*embed.Builtin
	ns, calls, texts atomic.Int64
}

func (t *timedEmbedder) Embed(ctx context.Context, texts []string, mode embed.Mode) ([][]float32, error) {
	start := time.Now()
	v, err := t.Builtin.Embed(ctx, texts, mode)
	t.ns.Add(int64(time.Since(start)))
	t.calls.Add(1)
	t.texts.Add(int64(len(texts)))
	return v, err
}

func (t *timedEmbedder) busy() time.Duration { return time.Duration(t.ns.Load()) }

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// cpuTime is this process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// selfMaxRSS is this process's peak resident memory in KiB.
func selfMaxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
