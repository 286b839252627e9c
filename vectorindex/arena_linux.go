package vectorindex

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on amd64 and arm64.
const hugePage = 2 << 20

// arena owns the memory of an index's node blocks once they outgrow a few
// huge pages. It is a private anonymous mapping, outside the Go heap, with
// transparent huge pages advised: the graph search reads blocks at random, so
// with 4 KiB pages nearly every block scored costs a TLB miss, and a build or
// Load of 100k nodes takes some 40,000 page faults. Linux's default THP mode
// ("madvise") grants huge pages only to regions that ask, and the Go heap's
// memory is usually touched before it could ask.
type arena struct {
	mem []byte // the current mapping; nil while the blocks live on the Go heap
}

// alloc returns an empty slice with room for at least words words. Small
// sizes, or a failed mapping, use the Go heap.
func (a *arena) alloc(words int) (nodes []uint32, mem []byte) {
	size := 4 * words
	if size < 2*hugePage {
		return make([]uint32, 0, words), nil
	}
	size = roundUp(size, hugePage)
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return make([]uint32, 0, words), nil
	}
	_ = unix.Madvise(mem, unix.MADV_HUGEPAGE) // advice only: without it the mapping still works
	return unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(mem))), size/4)[:0], mem
}

// grow returns nodes, whose memory the arena owns, with room for at least
// words words. A mapping is extended by the kernel (mremap), which moves
// page tables instead of copying the blocks: an index fed issue after issue
// would otherwise copy all its nodes at every growth. Blocks still on the Go
// heap are copied into a new mapping.
func (a *arena) grow(nodes []uint32, words int) []uint32 {
	if a.mem != nil {
		size := roundUp(4*words, hugePage)
		if mem, err := unix.Mremap(a.mem, size, unix.MREMAP_MAYMOVE); err == nil {
			a.mem = mem
			return unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(mem))), size/4)[:len(nodes)]
		}
	}
	grown, mem := a.alloc(words)
	grown = append(grown, nodes...)
	a.replace(mem)
	return grown
}

// replace makes mem the current mapping and unmaps the previous one. The
// caller holds the index's write lock, so no search still reads the old one.
func (a *arena) replace(mem []byte) {
	old := a.mem
	a.mem = mem
	if old != nil {
		_ = unix.Munmap(old)
	}
}

// free unmaps the current mapping; it runs as the index's cleanup.
func (a *arena) free() { a.replace(nil) }
