package qa

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"sort"
)

// ModelFormatVersion is the version of the model file layout. LoadModel
// refuses other versions with a clear error instead of misreading them.
const ModelFormatVersion = 1

// modelMagic starts every model file.
var modelMagic = []byte("PIAF-QA-MODEL\n")

// maxModelBytes bounds what LoadModel reads, so that a wrong file (a
// multi-gigabyte dump) fails fast instead of exhausting memory.
const maxModelBytes = 1 << 30

// Save writes the model: magic, format version, a JSON header (ModelInfo:
// training data hash, hyper-parameters, metrics), the word weights, the
// non-zero feature weights and the word vectors, then a CRC-32 of all of it.
func (m *Model) Save(w io.Writer) error {
	var b bytes.Buffer
	b.Write(modelMagic)
	putU32(&b, ModelFormatVersion)
	header, err := json.Marshal(m.info)
	if err != nil {
		return err
	}
	putU32(&b, uint32(len(header)))
	b.Write(header)

	stems := make([]string, 0, len(m.idf.byStem))
	for s := range m.idf.byStem {
		stems = append(stems, s)
	}
	sort.Strings(stems)
	putF32(&b, m.idf.unseen)
	putU32(&b, uint32(len(stems)))
	for _, s := range stems {
		putU32(&b, uint32(len(s)))
		b.WriteString(s)
		putF32(&b, m.idf.byStem[s])
	}

	putU32(&b, uint32(len(m.weights)))
	nz := 0
	for _, v := range m.weights {
		if v != 0 {
			nz++
		}
	}
	putU32(&b, uint32(nz))
	for i, v := range m.weights {
		if v != 0 {
			putU32(&b, uint32(i))
			putF32(&b, v)
		}
	}

	if m.vectors == nil {
		putU32(&b, 0)
	} else {
		v := m.vectors
		putU32(&b, uint32(v.dim))
		keys := make([]uint64, 0, len(v.index))
		for k := range v.index {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(a, c int) bool { return keys[a] < keys[c] })
		putU32(&b, uint32(len(keys)))
		for _, k := range keys {
			binary.Write(&b, binary.LittleEndian, k)
			row := v.index[k]
			for _, x := range v.data[int(row)*v.dim : int(row+1)*v.dim] {
				putF32(&b, x)
			}
		}
	}
	putU32(&b, crc32.ChecksumIEEE(b.Bytes()))
	_, err = w.Write(b.Bytes())
	return err
}

// LoadModel reads a model written by Save. A file that is not a model, is
// truncated or corrupt, or has another format version gives a *ModelError
// (errors.Is(err, ErrBadModel)); it never panics on bad input.
func LoadModel(r io.Reader) (*Model, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxModelBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxModelBytes {
		return nil, &ModelError{Reason: "file larger than 1 GiB"}
	}
	if !bytes.HasPrefix(data, modelMagic) {
		return nil, &ModelError{Reason: "not a PIAF question-answering model (wrong magic bytes)"}
	}
	if len(data) < len(modelMagic)+8 {
		return nil, &ModelError{Reason: "truncated file"}
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	d := &decoder{buf: body[len(modelMagic):]}
	version := d.u32()
	if d.err == nil && version != ModelFormatVersion {
		return nil, &ModelError{Reason: fmt.Sprintf("format version %d, this build reads version %d", version, ModelFormatVersion)}
	}
	if crc32.ChecksumIEEE(body) != sum {
		return nil, &ModelError{Reason: "checksum mismatch (truncated or corrupt file)"}
	}
	m := &Model{}
	if err := json.Unmarshal(d.bytes(int(d.u32())), &m.info); err != nil && d.err == nil {
		return nil, &ModelError{Reason: "unreadable header: " + err.Error()}
	}
	m.params = m.info.Params

	m.idf = &idfTable{unseen: d.f32()}
	n := d.count(8)
	m.idf.byStem = make(map[string]float32, n)
	for i := 0; i < n && d.err == nil; i++ {
		s := string(d.bytes(int(d.u32())))
		m.idf.byStem[s] = d.f32()
	}

	size := int(d.u32())
	if d.err == nil && (size < 1<<10 || size > 1<<26 || size&(size-1) != 0 || size != 1<<m.params.HashBits) {
		return nil, &ModelError{Reason: fmt.Sprintf("invalid weight count %d", size)}
	}
	m.weights = make([]float32, size)
	nz := d.count(8)
	for i := 0; i < nz && d.err == nil; i++ {
		idx := d.u32()
		v := d.f32()
		if int(idx) >= size {
			return nil, &ModelError{Reason: "weight index out of range"}
		}
		m.weights[idx] = v
	}

	if dim := int(d.u32()); dim > 0 && d.err == nil {
		if dim > 4096 {
			return nil, &ModelError{Reason: "invalid vector size"}
		}
		rows := d.count(8 + 4*dim)
		v := &wordVectors{dim: dim, index: make(map[uint64]int32, rows), data: make([]float32, 0, rows*dim)}
		for i := 0; i < rows && d.err == nil; i++ {
			v.index[d.u64()] = int32(i)
			for k := 0; k < dim; k++ {
				v.data = append(v.data, d.f32())
			}
		}
		m.vectors = v
	}
	if d.err != nil {
		return nil, &ModelError{Reason: d.err.Error()}
	}
	if len(d.buf) != 0 {
		return nil, &ModelError{Reason: "trailing bytes after the model"}
	}
	if m.params.MaxAnswerTokens <= 0 || m.params.Features == 0 {
		return nil, &ModelError{Reason: "header lacks the model parameters"}
	}
	return m, nil
}

func putU32(b *bytes.Buffer, v uint32) {
	var x [4]byte
	binary.LittleEndian.PutUint32(x[:], v)
	b.Write(x[:])
}

func putF32(b *bytes.Buffer, v float32) { putU32(b, math.Float32bits(v)) }

// decoder reads little-endian values with bounds checks; the first error
// sticks and later reads return zero values.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.buf) {
		d.err = fmt.Errorf("truncated file")
		return nil
	}
	out := d.buf[:n]
	d.buf = d.buf[n:]
	return out
}

func (d *decoder) u32() uint32 {
	b := d.bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (d *decoder) u64() uint64 {
	b := d.bytes(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

func (d *decoder) f32() float32 { return math.Float32frombits(d.u32()) }

// count reads an element count and checks that the remaining bytes can hold
// that many elements of at least minSize bytes, so that a corrupt count
// cannot trigger a huge allocation.
func (d *decoder) count(minSize int) int {
	n := int(d.u32())
	if d.err == nil && n*minSize > len(d.buf) {
		d.err = fmt.Errorf("truncated file (count %d)", n)
		return 0
	}
	return n
}
