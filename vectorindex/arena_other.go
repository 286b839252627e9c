//go:build !linux

package vectorindex

// arena keeps the node blocks on the Go heap outside Linux.
type arena struct{}

func (a *arena) alloc(words int) (nodes []uint32, mem []byte) { return make([]uint32, 0, words), nil }

func (a *arena) replace([]byte) {}

func (a *arena) free() {}
