//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
)

// anyCore lets a child run on every core, as GOMAXPROCS and the system
// decide.
const anyCore = -1

// command returns the command running name with args, on the one core given
// (under taskset, with GOMAXPROCS=1) unless core is anyCore, and this
// process's environment.
func command(ctx context.Context, core int, name string, args ...string) *exec.Cmd {
	env := os.Environ()
	if core != anyCore {
		args = append([]string{"-c", strconv.Itoa(core), name}, args...)
		name = "taskset"
		env = append(env, "GOMAXPROCS=1")
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	return cmd
}

// runSideBySide runs o.sideBySide rounds of a first ingest and an AddBatch
// run (-index-only) started together, each alone on one of the first two
// cores, which swap at every round, then o.shared rounds of the two started
// together with both cores open to both, and records the ratios of their
// CPU times. Runs minutes apart compare two speeds of a shared host as much
// as two programs: on this benchmark's host the same one-core AddBatch took
// 60 s of CPU in one run and 48 s a quarter of an hour later, and the
// alternated pairs' ingest / AddBatch ratios spread from 1.12 to 1.51. Side
// by side, both meet the same host at the same time, and the ratio says
// what an ingest costs against inserting its vectors alone. The AddBatch
// run first parses and embeds (a few seconds), so its inserts lie within
// the ingest. The ingest's CPU time is its whole process's, start to exit.
func runSideBySide(ctx context.Context, o options, rep *report, work string) error {
	if o.sideBySide > 0 {
		if _, err := exec.LookPath("taskset"); err != nil {
			return fmt.Errorf("-side-by-side needs taskset (util-linux): %w", err)
		}
		if runtime.NumCPU() < 2 {
			return errors.New("-side-by-side needs two cores")
		}
	}
	var err error
	if rep.Sides, rep.SideRatios, err = together(ctx, o, work, o.sideBySide, true); err != nil {
		return err
	}
	if rep.Shared, rep.SharedRatios, err = together(ctx, o, work, o.shared, false); err != nil {
		return err
	}
	rep.MedianSide, rep.MedianShared = median(rep.SideRatios), median(rep.SharedRatios)
	return nil
}

// together runs rounds of a first ingest and an AddBatch run started at the
// same time, pinned to a core each (swapped every round) or both free on
// every core, and returns their phases, ingest then AddBatch for each round,
// and the ratios of their CPU times.
func together(ctx context.Context, o options, work string, rounds int, pinned bool) (phases []phase, ratios []float64, err error) {
	for k := range rounds {
		ingestCore, batCore, how := anyCore, anyCore, "sharing the cores"
		if pinned {
			ingestCore, batCore = k%2, 1-k%2
			how = fmt.Sprintf("core %d", ingestCore)
		}
		data := filepath.Join(work, fmt.Sprintf("data-together-%d", k+1))
		var (
			in, bat       phase
			inErr, batErr error
			wg            sync.WaitGroup
		)
		wg.Go(func() {
			in, _, inErr = firstIngest(ctx, o, data, fmt.Sprintf("veille ingest (first, side by side %d, %s)", k+1, how), work, ingestCore)
		})
		wg.Go(func() { bat, batErr = indexAddBatchFresh(ctx, o, batCore) })
		wg.Wait()
		if err := errors.Join(inErr, batErr); err != nil {
			return nil, nil, err
		}
		if err := os.RemoveAll(data); err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(os.Stderr, "  side by side %d, %s: ingest %.1f s CPU, AddBatch %.1f s CPU: %.3f\n", k+1, how, in.CPUS, bat.CPUS, in.CPUS/bat.CPUS)
		phases = append(phases, in, bat)
		ratios = append(ratios, in.CPUS/bat.CPUS)
	}
	return phases, ratios, nil
}
