package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// dumpQueryEvery is the spacing of the held-out passages that runDump
// writes as queries: every 100th, 1,000 of a 100,000-paragraph archive.
const dumpQueryEvery = 100

// dumpKGT is the number of exact neighbours written per query, as
// gen_data.py writes them.
const dumpKGT = 100

// runDump writes the archive's built-in vectors in the files of the ANN
// benchmark (/work/shared/bench/ann/README.md), so that bench/ann.sh can set
// natively compiled hnswlib and vectorindex side by side on the vectors an
// ingest indexes: every dumpQueryEvery-th passage is held out as a query,
// the others are the base, and the exact neighbours are found by scanning.
func runDump(ctx context.Context, o options) error {
	_, texts, err := archivePassages(o.archive)
	if err != nil {
		return err
	}
	vecs, _ := embedAll(ctx, texts, o.workers)
	var base, queries [][]float32
	for i, v := range vecs {
		if i%dumpQueryEvery == dumpQueryEvery-1 {
			queries = append(queries, v)
		} else {
			base = append(base, v)
		}
	}
	if len(base) < dumpKGT || len(queries) == 0 {
		return fmt.Errorf("dump: %d passages are too few", len(vecs))
	}
	gt := exactNeighbours(ctx, base, queries, dumpKGT)
	if err := ctx.Err(); err != nil {
		return err
	}
	// The neighbours once every id with id%10 == 3 is deleted, as the
	// harnesses delete them: the first ten others of the exact top 100.
	var gtDel []int32
	for q := range queries {
		n := 0
		for _, id := range gt[q*dumpKGT : (q+1)*dumpKGT] {
			if n == 10 {
				break
			}
			if id%10 != 3 {
				gtDel = append(gtDel, id)
				n++
			}
		}
		if n < 10 {
			return fmt.Errorf("dump: query %d has fewer than 10 neighbours left after deletes", q)
		}
	}
	if err := os.MkdirAll(o.dump, 0o755); err != nil {
		return err
	}
	for name, parts := range map[string][]any{
		"base.f32":   rows(base),
		"query.f32":  rows(queries),
		"gt.i32":     {gt},
		"gt_del.i32": {gtDel},
	} {
		if err := writeLE(filepath.Join(o.dump, name), parts...); err != nil {
			return err
		}
	}
	meta, err := json.Marshal(map[string]any{
		"n": len(base), "d": len(base[0]), "nq": len(queries), "k_gt": dumpKGT,
		"source": fmt.Sprintf("built-in embedder over %s, every %dth passage held out as a query", o.archive, dumpQueryEvery),
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(o.dump, "meta.json"), meta, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "dump: %d base vectors, %d queries, %d dimensions in %s\n", len(base), len(queries), len(base[0]), o.dump)
	return nil
}

// exactNeighbours returns, for each query, the ids (rows of base) of its k
// largest inner products, best first, queries after one another.
func exactNeighbours(ctx context.Context, base, queries [][]float32, k int) []int32 {
	gt := make([]int32, len(queries)*k)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			type hit struct {
				id int32
				s  float32
			}
			hits := make([]hit, len(base))
			for q := int(next.Add(1)) - 1; q < len(queries) && ctx.Err() == nil; q = int(next.Add(1)) - 1 {
				for i, b := range base {
					hits[i] = hit{int32(i), dot32(queries[q], b)}
				}
				slices.SortFunc(hits, func(a, b hit) int { return cmp.Or(cmp.Compare(b.s, a.s), cmp.Compare(a.id, b.id)) })
				for j := range k {
					gt[q*k+j] = hits[j].id
				}
			}
		})
	}
	wg.Wait()
	return gt
}

// dot32 returns the inner product of a and b, summed in float64.
func dot32(a, b []float32) float32 {
	var s float64
	for i, x := range a {
		s += float64(x) * float64(b[i])
	}
	return float32(s)
}

// rows returns vs's rows as parts for writeLE.
func rows(vs [][]float32) []any {
	parts := make([]any, len(vs))
	for i, v := range vs {
		parts[i] = v
	}
	return parts
}

// writeLE writes parts (slices of fixed-size numbers) one after the other,
// little-endian, to path.
func writeLE(path string, parts ...any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for _, p := range parts {
		if err := binary.Write(w, binary.LittleEndian, p); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
