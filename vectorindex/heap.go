package vectorindex

// pair is a graph node with its similarity to the current query.
type pair struct {
	s  float32
	id uint32
}

// maxHeap is a binary heap of pairs with the most similar on top: the
// candidate queue of the beam search. It is hand-written rather than built on
// container/heap so that push and pop avoid interface calls.
type maxHeap []pair

func (h *maxHeap) push(p pair) {
	a := append(*h, p)
	i := len(a) - 1
	for i > 0 {
		up := (i - 1) / 2
		if a[up].s >= p.s {
			break
		}
		a[i] = a[up]
		i = up
	}
	a[i] = p
	*h = a
}

func (h *maxHeap) pop() pair {
	a := *h
	top := a[0]
	n := len(a) - 1
	last := a[n]
	a = a[:n]
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && a[c+1].s > a[c].s {
			c++
		}
		if a[c].s <= last.s {
			break
		}
		a[i] = a[c]
		i = c
	}
	if n > 0 {
		a[i] = last
	}
	*h = a
	return top
}

// minHeap is a binary heap of pairs with the least similar on top: the result
// set of the beam search, whose top is the one to evict.
type minHeap []pair

func (h *minHeap) push(p pair) {
	a := append(*h, p)
	i := len(a) - 1
	for i > 0 {
		up := (i - 1) / 2
		if a[up].s <= p.s {
			break
		}
		a[i] = a[up]
		i = up
	}
	a[i] = p
	*h = a
}

func (h *minHeap) pop() pair {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	*h = a[:n]
	if n > 0 {
		h.down()
	}
	return top
}

// replaceTop swaps the least similar pair for p, which is cheaper than a pop
// followed by a push.
func (h *minHeap) replaceTop(p pair) {
	(*h)[0] = p
	h.down()
}

// down restores the heap order after the root changed.
func (h *minHeap) down() {
	a := *h
	n := len(a)
	p := a[0]
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && a[c+1].s < a[c].s {
			c++
		}
		if a[c].s >= p.s {
			break
		}
		a[i] = a[c]
		i = c
	}
	a[i] = p
}

// drainDesc empties h into dst[:len(h)], most similar first, and returns that
// slice.
func (h *minHeap) drainDesc(dst []pair) []pair {
	n := len(*h)
	dst = append(dst[:0], make([]pair, n)...)
	for i := n - 1; i >= 0; i-- {
		dst[i] = h.pop()
	}
	return dst
}
