//go:build !linux

package vectorindex

// arena keeps the node blocks on the Go heap outside Linux.
type arena struct{}

// grow returns a copy of nodes with room for at least words words.
func (a *arena) grow(nodes []uint32, words int) []uint32 {
	return append(make([]uint32, 0, words), nodes...)
}

func (a *arena) free() {}
