//go:build linux

// Command ann is the Go side of the ANN benchmark in bench/ann.sh: it runs
// vectorindex on the files written by /work/shared/bench/ann/gen_data.py and
// prints JSON lines shaped like hnswlib_native.cpp's, so that one script can
// put the two side by side. It builds on Linux only, where it reads each
// thread's CPU time (RUSAGE_THREAD).
//
//	go run ./bench/ann -data /tmp/ann/ds1 [-quant int8] [-threads 2] [-efs 10,16,32]
//
// Lines: "build" (seconds, memory growth in MB, save and load seconds), one
// "search" line per ef (recall@10 against gt.i32, single-goroutine queries/s),
// "search_after_delete" lines after deleting every id with id%10 == 3 (against
// gt_del.i32), "filter" lines with 10% of the ids allowed (against an exact
// scan under the same filter) and an "exact" line (brute-force queries/s).
package main

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/veille/veille/vectorindex"
	"golang.org/x/sys/unix"
)

const k = 10

type meta struct {
	N   int `json:"n"`
	D   int `json:"d"`
	NQ  int `json:"nq"`
	KGT int `json:"k_gt"`
}

type data struct {
	meta
	base    []float32
	queries []float32
	gt      []int32 // NQ x KGT
	gtDel   []int32 // NQ x 10
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ann:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("data", "/tmp/ann/ds1", "data directory written by gen_data.py")
	quant := flag.String("quant", "", `vectorindex.Config.Quantization: "" (float32) or "int8"`)
	threads := flag.Int("threads", 1, "build goroutines (GOMAXPROCS while building)")
	m := flag.Int("M", 16, "links per node")
	efc := flag.Int("efc", 200, "efConstruction")
	efList := flag.String("efs", "10,12,16,24,32,48,64,128,256", "beam widths to sweep")
	phases := flag.String("phases", "build,search,exact,filter,delete", "phases to run (build always runs)")
	snap := flag.String("snapshot", "", "snapshot path for the save/load timing (default: a temporary file)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the search sweep here")
	from := flag.String("load", "", "load this snapshot instead of building (for profiling searches)")
	flag.Parse()

	efs, err := parseInts(*efList)
	if err != nil {
		return fmt.Errorf("-efs: %w", err)
	}
	want := make(map[string]bool)
	for _, p := range strings.Split(*phases, ",") {
		want[strings.TrimSpace(p)] = true
	}

	// Memory is the growth of the resident set over the build, less the
	// loaded base vectors, as in hnswlib_native.cpp.
	rss0 := rssMB()
	d, err := load(*dir)
	if err != nil {
		return err
	}
	lib := "veille"
	mode := cmp.Or(*quant, "float32")

	ix, err := vectorindex.New(vectorindex.Config{Dims: d.D, M: *m, EfConstruction: *efc, Quantization: *quant})
	if err != nil {
		return err
	}
	ids := make([]uint32, d.N)
	vecs := make([][]float32, d.N)
	for i := range ids {
		ids[i] = uint32(i)
		vecs[i] = d.base[i*d.D : (i+1)*d.D : (i+1)*d.D]
	}
	procs := runtime.GOMAXPROCS(*threads)
	start := time.Now()
	if *from != "" {
		ix, err = vectorindex.Load(*from)
	} else {
		err = ix.AddBatch(ids, vecs)
	}
	if err != nil {
		return err
	}
	build := time.Since(start).Seconds()
	runtime.GOMAXPROCS(procs)
	vecs = nil
	runtime.GC()
	debug.FreeOSMemory()
	mem := rssMB() - rss0 - float64(4*len(d.base))/(1<<20)
	huge := procKB("/proc/self/smaps_rollup", "AnonHugePages:") / 1024

	path := *snap
	if path == "" {
		tmp, err := os.MkdirTemp("", "ann")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		path = filepath.Join(tmp, "index.vix")
	}
	start = time.Now()
	if err := ix.Save(path); err != nil {
		return err
	}
	save := time.Since(start).Seconds()
	runtime.GC()
	start = time.Now()
	loaded, err := vectorindex.Load(path)
	if err != nil {
		return err
	}
	loadS := time.Since(start).Seconds()
	if loaded.Len() != ix.Len() || loaded.Config() != ix.Config() {
		return fmt.Errorf("loaded index differs")
	}
	loaded = nil
	if *snap == "" {
		os.Remove(path)
	}
	runtime.GC()
	vecBytes := 4 * d.D
	if mode == "int8" {
		vecBytes = (d.D + 63) / 64 * 64
	}
	emit(map[string]any{"lib": lib, "mode": mode, "phase": "build", "n": d.N, "d": d.D, "M": *m, "efc": *efc,
		"threads": *threads, "build_s": round(build, 3), "mem_mb": round(mem, 1), "vec_bytes": vecBytes,
		"huge_mb": round(huge, 1),
		"save_s":  round(save, 3), "load_s": round(loadS, 3)})

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if want["search"] {
		sweep(ix, d, lib, mode, "search", efs, nil, d.gt, d.KGT)
	}
	if want["exact"] {
		nq := min(d.NQ, 200)
		start := time.Now()
		for i := range nq {
			if _, err := ix.ExactSearch(d.query(i), k, nil); err != nil {
				return err
			}
		}
		dt := time.Since(start).Seconds()
		emit(map[string]any{"lib": lib, "mode": mode, "phase": "exact", "qps": round(float64(nq)/dt, 1)})
	}
	if want["filter"] {
		// Allow every id with id%10 == 7: 10% of the index, above the
		// exact-scan threshold, so the graph search serves it.
		var allowed []uint32
		for i := 7; i < d.N; i += 10 {
			allowed = append(allowed, uint32(i))
		}
		f := vectorindex.NewFilter(allowed)
		truth := make([]int32, d.NQ*k)
		for i := range d.NQ {
			hits, err := ix.ExactSearch(d.query(i), k, f)
			if err != nil {
				return err
			}
			for j, h := range hits {
				truth[i*k+j] = int32(h.ID)
			}
		}
		sweep(ix, d, lib, mode, "filter", efs, f, truth, k)
	}
	if want["delete"] {
		for i := 3; i < d.N; i += 10 {
			ix.Delete(uint32(i))
		}
		sweep(ix, d, lib, mode, "search_after_delete", efs, nil, d.gtDel, k)
	}
	return nil
}

// sweep prints recall@10 and queries/s for each ef, timing one pass over the
// queries after a 50-query warm-up, like the native harness.
func sweep(ix *vectorindex.Index, d *data, lib, mode, phase string, efs []int, f *vectorindex.Filter, truth []int32, stride int) {
	res := make([][]vectorindex.Hit, d.NQ)
	// The thread's CPU time is reported too: on a shared, busy machine it
	// tracks the work done better than the wall clock does.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, ef := range efs {
		for i := range min(50, d.NQ) {
			_, _ = ix.SearchEf(d.query(i), k, ef, f)
		}
		cpu0 := threadCPU()
		start := time.Now()
		for i := range d.NQ {
			res[i], _ = ix.SearchEf(d.query(i), k, ef, f)
		}
		dt := time.Since(start).Seconds()
		cpu := threadCPU() - cpu0
		hit := 0
		for i, hits := range res {
			want := truth[i*stride : i*stride+k]
			for _, h := range hits {
				for _, w := range want {
					if int32(h.ID) == w {
						hit++
						break
					}
				}
			}
		}
		emit(map[string]any{"lib": lib, "mode": mode, "phase": phase, "ef": ef,
			"recall": round(float64(hit)/float64(d.NQ*k), 4), "qps": round(float64(d.NQ)/dt, 1),
			"cpu_qps": round(float64(d.NQ)/cpu, 1)})
	}
}

func (d *data) query(i int) []float32 { return d.queries[i*d.D : (i+1)*d.D : (i+1)*d.D] }

func load(dir string) (*data, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return nil, err
	}
	d := &data{}
	if err := json.Unmarshal(raw, &d.meta); err != nil {
		return nil, fmt.Errorf("meta.json: %w", err)
	}
	if d.base, err = readF32(filepath.Join(dir, "base.f32"), d.N*d.D); err != nil {
		return nil, err
	}
	if d.queries, err = readF32(filepath.Join(dir, "query.f32"), d.NQ*d.D); err != nil {
		return nil, err
	}
	if d.gt, err = readI32(filepath.Join(dir, "gt.i32"), d.NQ*d.KGT); err != nil {
		return nil, err
	}
	if d.gtDel, err = readI32(filepath.Join(dir, "gt_del.i32"), d.NQ*k); err != nil {
		return nil, err
	}
	return d, nil
}

func readF32(path string, n int) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) != 4*n {
		return nil, fmt.Errorf("%s: %d bytes, want %d", path, len(b), 4*n)
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

func readI32(path string, n int) ([]int32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) != 4*n {
		return nil, fmt.Errorf("%s: %d bytes, want %d", path, len(b), 4*n)
	}
	v := make([]int32, n)
	for i := range v {
		v[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

// threadCPU returns the calling thread's user and system time in seconds.
func threadCPU() float64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return math.NaN()
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// rssMB returns the resident set size in MiB.
func rssMB() float64 { return procKB("/proc/self/status", "VmRSS:") / 1024 }

// procKB returns the kB value of the line starting with key in a /proc file.
func procKB(path, key string) float64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return math.NaN()
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb
			}
		}
	}
	return math.NaN()
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

func emit(v map[string]any) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}
