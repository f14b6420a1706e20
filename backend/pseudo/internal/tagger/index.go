package tagger

// featureIndex maps feature hashes to weight rows with open addressing and
// linear probing. Feature hashes are already well mixed, so their low bits
// index the table directly: a lookup is a few comparisons, several times
// faster than a Go map, and detection spends most of its time here.
type featureIndex struct {
	keys []uint64
	rows []int32
	mask uint64
	n    int
	// zeroRow holds the row of the hash 0 (the empty-slot marker), -1 when
	// absent.
	zeroRow int32
}

func newFeatureIndex(n int) *featureIndex {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	return &featureIndex{keys: make([]uint64, size), rows: make([]int32, size), mask: uint64(size - 1), zeroRow: -1}
}

func (ix *featureIndex) put(h uint64, row int32) {
	if h == 0 {
		if ix.zeroRow < 0 {
			ix.n++
		}
		ix.zeroRow = row
		return
	}
	if 2*(ix.n+1) > len(ix.keys) {
		ix.grow()
	}
	for i := h & ix.mask; ; i = (i + 1) & ix.mask {
		switch ix.keys[i] {
		case 0:
			ix.keys[i], ix.rows[i] = h, row
			ix.n++
			return
		case h:
			ix.rows[i] = row
			return
		}
	}
}

func (ix *featureIndex) get(h uint64) (int32, bool) {
	if h == 0 {
		return ix.zeroRow, ix.zeroRow >= 0
	}
	for i := h & ix.mask; ; i = (i + 1) & ix.mask {
		switch ix.keys[i] {
		case h:
			return ix.rows[i], true
		case 0:
			return 0, false
		}
	}
}

func (ix *featureIndex) grow() {
	old := *ix
	*ix = *newFeatureIndex(2 * len(old.keys))
	ix.zeroRow = old.zeroRow
	if old.zeroRow >= 0 {
		ix.n = 1
	}
	for i, k := range old.keys {
		if k != 0 {
			ix.put(k, old.rows[i])
		}
	}
}

// len returns the number of features.
func (ix *featureIndex) len() int { return ix.n }

// each calls fn for every feature.
func (ix *featureIndex) each(fn func(h uint64, row int32)) {
	if ix.zeroRow >= 0 {
		fn(0, ix.zeroRow)
	}
	for i, k := range ix.keys {
		if k != 0 {
			fn(k, ix.rows[i])
		}
	}
}
