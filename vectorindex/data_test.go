package vectorindex

import (
	"math"
	"math/rand/v2"
	"slices"
)

// mixture draws unit vectors that resemble sentence embeddings: a Gaussian
// mixture with a shared mean direction, Zipf-sized clusters and power-law
// spectra, as in /work/shared/bench/ann/gen_data.py. Axes stand in for that
// script's random rotations: inner products are rotation invariant, and the
// within-cluster spectrum sits on shuffled axes so the two spectra differ.
type mixture struct {
	rng     *rand.Rand
	d       int
	centres [][]float32
	cum     []float64 // cumulative cluster weights
	within  []float32 // per-axis noise scale
}

func newMixture(seed uint64, d, nCentres int) *mixture {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	m := &mixture{rng: rng, d: d}
	between := spectrum(d, 1.0)
	m.within = spectrum(d, 0.5)
	rng.Shuffle(d, func(i, j int) { m.within[i], m.within[j] = m.within[j], m.within[i] })
	for i := range m.within {
		m.within[i] *= 0.85
	}
	mean := make([]float32, d)
	for i := range mean {
		mean[i] = float32(rng.NormFloat64())
	}
	normalise(mean)
	total := 0.0
	for c := range nCentres {
		v := make([]float32, d)
		for i := range v {
			v[i] = 0.45*mean[i] + between[i]*float32(rng.NormFloat64())
		}
		m.centres = append(m.centres, v)
		total += 1 / math.Pow(float64(c)+10, 0.9)
		m.cum = append(m.cum, total)
	}
	return m
}

// spectrum returns per-axis standard deviations with variances proportional
// to i^-decay and summing to 1.
func spectrum(d int, decay float64) []float32 {
	lam := make([]float64, d)
	sum := 0.0
	for i := range lam {
		lam[i] = math.Pow(float64(i+1), -decay)
		sum += lam[i]
	}
	out := make([]float32, d)
	for i := range lam {
		out[i] = float32(math.Sqrt(lam[i] / sum))
	}
	return out
}

func (m *mixture) draw(n int) [][]float32 {
	out := make([][]float32, n)
	flat := make([]float32, n*m.d)
	for k := range out {
		c := m.centres[min(len(m.centres)-1, sortSearch(m.cum, m.rng.Float64()*m.cum[len(m.cum)-1]))]
		sc := float32(0.6 + 0.8*m.rng.Float64())
		v := flat[k*m.d : (k+1)*m.d : (k+1)*m.d]
		for i := range v {
			v[i] = c[i] + sc*m.within[i]*float32(m.rng.NormFloat64())
		}
		normalise(v)
		out[k] = v
	}
	return out
}

func sortSearch(cum []float64, x float64) int {
	i, _ := slices.BinarySearch(cum, x)
	return i
}

func normalise(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}

// seqIDs returns ids that are sparse like real ones: 7, 10, 13, ...
func seqIDs(n int) []uint32 {
	ids := make([]uint32, n)
	for i := range ids {
		ids[i] = uint32(3*i + 7)
	}
	return ids
}
