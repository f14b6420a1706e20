package tagger

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
)

// ErrFormat reports a model stream that is truncated, corrupt or of another
// feature version.
var ErrFormat = errors.New("tagger: invalid model data")

// ErrFeatureVersion reports a model trained with another feature set.
var ErrFeatureVersion = errors.New("tagger: model feature version not supported")

// WriteTo writes the model in a compact little-endian binary form (the
// caller compresses and frames it).
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriter(w)
	cw := &countingWriter{w: bw}
	le := binary.LittleEndian
	put := func(v any) { _ = binary.Write(cw, le, v) }
	put(uint32(FeatureVersion))
	put(uint32(len(m.Tags.Labels)))
	for _, l := range m.Tags.Labels {
		put(uint16(len(l)))
		cw.Write([]byte(l))
	}
	put(m.Temperature)
	hashes := make([]uint64, 0, m.index.len())
	m.index.each(func(h uint64, _ int32) { hashes = append(hashes, h) })
	slices.Sort(hashes)
	put(uint32(len(hashes)))
	buf := make([]byte, 8)
	for _, h := range hashes {
		le.PutUint64(buf, h)
		cw.Write(buf)
	}
	n := m.Tags.N()
	for _, h := range hashes {
		row, _ := m.index.get(h)
		r := int(row)
		for _, v := range m.W[r*n : (r+1)*n] {
			le.PutUint32(buf[:4], math.Float32bits(v))
			cw.Write(buf[:4])
		}
	}
	for _, v := range m.Trans {
		le.PutUint32(buf[:4], math.Float32bits(v))
		cw.Write(buf[:4])
	}
	if cw.err != nil {
		return cw.n, cw.err
	}
	return cw.n, bw.Flush()
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

// Write counts and remembers the first error.
func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// maxFeatures bounds what a model file may claim, so that a corrupt length
// cannot make the reader allocate without limit.
const maxFeatures = 50_000_000

// ReadModel reads a model written by WriteTo.
func ReadModel(r io.Reader) (*Model, error) {
	br := bufio.NewReader(r)
	le := binary.LittleEndian
	var u32 uint32
	get := func(v any) error {
		if err := binary.Read(br, le, v); err != nil {
			return fmt.Errorf("%w: %v", ErrFormat, err)
		}
		return nil
	}
	if err := get(&u32); err != nil {
		return nil, err
	}
	if u32 != FeatureVersion {
		return nil, fmt.Errorf("%w: feature version %d, this build reads %d", ErrFeatureVersion, u32, FeatureVersion)
	}
	if err := get(&u32); err != nil {
		return nil, err
	}
	if u32 == 0 || u32 > 64 {
		return nil, fmt.Errorf("%w: %d labels", ErrFormat, u32)
	}
	labels := make([]string, u32)
	for i := range labels {
		var l uint16
		if err := get(&l); err != nil {
			return nil, err
		}
		b := make([]byte, l)
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		labels[i] = string(b)
	}
	m := &Model{Tags: TagSet{Labels: labels}}
	if err := get(&m.Temperature); err != nil {
		return nil, err
	}
	if err := get(&u32); err != nil {
		return nil, err
	}
	if u32 > maxFeatures {
		return nil, fmt.Errorf("%w: %d features", ErrFormat, u32)
	}
	nf := int(u32)
	n := m.Tags.N()
	m.index = newFeatureIndex(nf)
	buf := make([]byte, 8)
	for i := 0; i < nf; i++ {
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		m.index.put(le.Uint64(buf), int32(i))
	}
	if m.index.len() != nf {
		return nil, fmt.Errorf("%w: duplicate features", ErrFormat)
	}
	m.W = make([]float32, nf*n)
	if err := readFloats(br, m.W); err != nil {
		return nil, err
	}
	m.Trans = make([]float32, (n+1)*n)
	if err := readFloats(br, m.Trans); err != nil {
		return nil, err
	}
	return m, nil
}

func readFloats(r io.Reader, dst []float32) error {
	buf := make([]byte, 4*4096)
	for len(dst) > 0 {
		k := min(len(dst), 4096)
		if _, err := io.ReadFull(r, buf[:4*k]); err != nil {
			return fmt.Errorf("%w: %v", ErrFormat, err)
		}
		for i := 0; i < k; i++ {
			v := math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("%w: non-finite weight", ErrFormat)
			}
			dst[i] = v
		}
		dst = dst[k:]
	}
	return nil
}
