//go:build linux

// Command firsttouch measures what this machine charges a process for the
// first write to new memory, which the ingest benchmark meets as kernel time
// under the index's arena (clear_page_erms) and the Go heap's page faults.
// It maps -mib MiB of anonymous memory, with transparent huge pages advised
// (as vectorindex's arenas) or not, waits -idle, then writes one byte in
// every 4 KiB page, either all at once or one -chunk at a time with -pace
// between chunks (as an index growing for half a minute beside other work),
// or asks the kernel to fault it all in (MADV_POPULATE_WRITE), and prints
// the process's CPU time for the touching alone:
//
//	go run ./bench/firsttouch -huge -mode all
//	go run ./bench/firsttouch -huge -mode paced -chunk 2 -pace 40ms
//	go run ./bench/firsttouch -huge=false -idle 8s
//
// On a virtual machine whose host backs guest memory only once touched, and
// takes it back when the guest frees it (free page reporting), the same
// pages can cost ten times more a few seconds later.
package main

import (
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const page = 4 << 10

func main() {
	mib := flag.Int("mib", 512, "MiB to map and touch")
	huge := flag.Bool("huge", true, "advise transparent huge pages (MADV_HUGEPAGE)")
	mode := flag.String("mode", "all", "all: touch every page in one pass; paced: one chunk at a time; populate: MADV_POPULATE_WRITE")
	chunk := flag.Int("chunk", 2, "with -mode paced: MiB touched at a time")
	pace := flag.Duration("pace", 40*time.Millisecond, "with -mode paced: pause after each chunk")
	idle := flag.Duration("idle", 0, "pause between mapping and touching")
	flag.Parse()
	if err := run(*mib, *huge, *mode, *chunk, *pace, *idle); err != nil {
		fmt.Fprintln(os.Stderr, "firsttouch:", err)
		os.Exit(1)
	}
}

func run(mib int, huge bool, mode string, chunk int, pace, idle time.Duration) error {
	if mib <= 0 || chunk <= 0 {
		return fmt.Errorf("-mib and -chunk must be positive")
	}
	size := mib << 20
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return fmt.Errorf("map %d MiB: %w", mib, err)
	}
	defer unix.Munmap(mem)
	if huge {
		if err := unix.Madvise(mem, unix.MADV_HUGEPAGE); err != nil {
			return fmt.Errorf("advise huge pages: %w", err)
		}
	}
	time.Sleep(idle)
	cpu0, start := cpuTime(), time.Now()
	switch mode {
	case "all":
		touch(mem)
	case "paced":
		step := chunk << 20
		for off := 0; off < size; off += step {
			touch(mem[off:min(off+step, size)])
			time.Sleep(pace)
		}
	case "populate":
		if err := unix.Madvise(mem, unix.MADV_POPULATE_WRITE); err != nil {
			return fmt.Errorf("populate: %w", err)
		}
	default:
		return fmt.Errorf("unknown -mode %q", mode)
	}
	cpu := cpuTime() - cpu0
	fmt.Printf("%d MiB, huge pages %t, %s: %.3f s of CPU (%.2f ms a MiB), %.3f s wall\n",
		mib, huge, mode, cpu.Seconds(), cpu.Seconds()*1e3/float64(mib), time.Since(start).Seconds())
	return nil
}

// touch writes one byte in every page of b.
func touch(b []byte) {
	for i := 0; i < len(b); i += page {
		b[i] = 1
	}
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
