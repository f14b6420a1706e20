package tagger

import "math"

// Calibrate chooses the temperature that makes the marginal probability of
// the gold tags most likely on the given sequences (held-out data when
// there is some), so that entity scores can be read as probabilities.
func (m *Model) Calibrate(seqs []Sequence) {
	if len(seqs) == 0 {
		return
	}
	best, bestT := math.Inf(1), float32(1)
	for _, temp := range []float32{0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64} {
		m.Temperature = temp
		d := m.NewDecoder()
		nll := 0.0
		for _, q := range seqs {
			T := q.To - q.From
			if T == 0 {
				continue
			}
			probs := make([]float64, T)
			d.em = grow(d.em, T*m.Tags.N())
			m.emissions(q.Feats, q.From, q.To, d.em)
			d.marginals(T, q.Gold, probs)
			for _, p := range probs {
				nll -= math.Log(max(p, 1e-9))
			}
		}
		if nll < best {
			best, bestT = nll, temp
		}
	}
	m.Temperature = bestT
}
