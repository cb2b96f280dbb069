package mbuf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
)

// A model-based test of the whole API: random sequences of operations on
// a few packets, each mirrored on a flat []byte (and a map of tags), and
// after every step every packet must equal its model: bytes, length,
// segments, checksum, tags. Clones share storage with the packets they
// came from, so every write also proves copy-on-write. Failed operations
// must leave the packet as it was (except Pullup and Pulldown, which free
// it as NetBSD does). At the end everything is freed and nothing may be
// left allocated.
func TestModel(t *testing.T) {
	seqs := 400
	if testing.Short() {
		seqs = 60
	}
	before := liveCounts()
	for seed := uint64(0); seed < uint64(seqs); seed++ {
		m := &model{t: t, rng: rand.New(rand.NewPCG(seed, 13))}
		m.run(60)
	}
	if after := liveCounts(); after != before {
		t.Fatalf("left allocated: %v, before %v", after, before)
	}
}

const modelPackets = 4

type model struct {
	t    *testing.T
	rng  *rand.Rand
	p    [modelPackets]Packet
	ref  [modelPackets][]byte
	tags [modelPackets]map[uint16]string
	step int
	op   string
}

func (m *model) fatalf(format string, args ...any) {
	m.t.Helper()
	m.t.Fatalf("seed step %d op %s: %s", m.step, m.op, fmt.Sprintf(format, args...))
}

func (m *model) randBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(m.rng.Uint32())
	}
	return b
}

func (m *model) randLen() int {
	switch m.rng.IntN(4) {
	case 0:
		return m.rng.IntN(16)
	case 1:
		return m.rng.IntN(HeaderDataSize + 50)
	default:
		return m.rng.IntN(6000)
	}
}

func (m *model) run(steps int) {
	for i := range m.p {
		m.tags[i] = map[uint16]string{}
		if m.rng.IntN(2) == 0 {
			m.set(i, m.randBytes(m.randLen()))
		}
	}
	for m.step = 0; m.step < steps; m.step++ {
		m.once()
		for i := range m.p {
			m.check(i)
		}
	}
	for i := range m.p {
		m.p[i].Free()
	}
}

// set makes packet i hold data (freeing what it held).
func (m *model) set(i int, data []byte) {
	m.p[i].Free()
	p, err := New(data)
	if err != nil {
		m.fatalf("New: %v", err)
	}
	m.p[i] = p.Take()
	m.ref[i] = data
	m.tags[i] = map[uint16]string{}
}

func (m *model) empty(i int) {
	m.ref[i] = nil
	m.tags[i] = map[uint16]string{}
}

func (m *model) once() {
	i := m.rng.IntN(modelPackets)
	j := m.rng.IntN(modelPackets)
	p, ref := &m.p[i], m.ref[i]
	size := len(ref)
	live := p.Valid()
	off := m.rng.IntN(size + 1)
	n := m.rng.IntN(size - off + 1)
	switch k := m.rng.IntN(22); k {
	case 0:
		m.op = "New"
		m.set(i, m.randBytes(m.randLen()))
	case 1:
		m.op = "Append"
		d := m.randBytes(m.randLen())
		m.must(p.Append(d))
		m.ref[i] = append(slices.Clone(ref), d...)
	case 2:
		m.op = "Prepend"
		d := m.randBytes(m.randLen())
		m.must(p.Prepend(d))
		m.ref[i] = append(d, ref...)
	case 3:
		m.op = "TrimFront"
		m.must(p.TrimFront(n))
		m.ref[i] = ref[n:]
		if err := p.TrimFront(size - n + 1); !errors.Is(err, ErrRange) {
			m.fatalf("TrimFront past the end: %v", err)
		}
	case 4:
		m.op = "Truncate"
		m.must(p.Truncate(off))
		m.ref[i] = ref[:off]
	case 5:
		m.op = "Adj"
		d := m.rng.IntN(2*size+3) - size - 1
		m.must(p.Adj(d))
		if d >= 0 {
			m.ref[i] = ref[min(d, size):]
		} else {
			m.ref[i] = ref[:max(size+d, 0)]
		}
	case 6:
		m.op = "Header"
		n = min(n, ClusterSize)
		h, err := p.Header(n)
		m.must(err)
		if len(h) != n || !bytes.Equal(h, ref[:n]) {
			m.fatalf("Header(%d) differs", n)
		}
		if n > 0 {
			h[n-1] ^= 0x5a // writable in place
			m.ref[i] = slices.Clone(ref)
			m.ref[i][n-1] ^= 0x5a
		}
	case 7:
		m.op = "Header past the end"
		if _, err := p.Header(size + 1 + m.rng.IntN(3)); !errors.Is(err, ErrRange) && !errors.Is(err, ErrTooBig) {
			m.fatalf("Header past the end: %v", err)
		}
	case 8:
		m.op = "Pullup"
		l := min(n, HeaderDataSize)
		err := p.Pullup(l)
		if err != nil {
			m.fatalf("Pullup(%d): %v", l, err)
		}
	case 9:
		m.op = "Pulldown"
		l := min(n, HeaderDataSize)
		seg, err := p.Pulldown(off, l)
		if !live {
			m.must(err)
			break
		}
		if err != nil {
			m.fatalf("Pulldown(%d, %d): %v", off, l, err)
		}
		if !bytes.Equal(seg, ref[off:off+l]) {
			m.fatalf("Pulldown differs")
		}
		if l > 0 {
			seg[0] ^= 0xa5
			m.ref[i] = slices.Clone(ref)
			m.ref[i][off] ^= 0xa5
		}
	case 10:
		m.op = "WriteAt"
		d := m.randBytes(m.randLen() / 2)
		at := off
		if m.rng.IntN(4) == 0 && live {
			at = size + m.rng.IntN(100) // a gap, zero-filled
		}
		k, err := p.WriteAt(d, int64(at))
		if !live && at != 0 {
			if !errors.Is(err, ErrRange) {
				m.fatalf("WriteAt on an empty packet at %d: %v", at, err)
			}
			break
		}
		m.must(err)
		if k != len(d) {
			m.fatalf("WriteAt wrote %d of %d", k, len(d))
		}
		nr := slices.Clone(ref)
		for len(d) > 0 && len(nr) < at+len(d) {
			nr = append(nr, 0)
		}
		if len(d) > 0 {
			copy(nr[at:], d)
		}
		m.ref[i] = nr
	case 11:
		m.op = "ReadAt"
		b := make([]byte, n+m.rng.IntN(3))
		k, err := p.ReadAt(b, int64(off))
		if !bytes.Equal(b[:k], ref[off:off+k]) {
			m.fatalf("ReadAt differs")
		}
		if k < len(b) && err != io.EOF || k == len(b) && err != nil && !(len(b) > 0 && off == size) {
			m.fatalf("ReadAt(%d at %d): %d, %v", len(b), off, k, err)
		}
	case 12:
		m.op = "Copy"
		if i == j {
			break
		}
		c, err := p.Copy(off, n)
		m.must(err)
		m.p[j].Free()
		m.p[j] = c.Take()
		m.ref[j] = ref[off : off+n]
		m.tags[j] = maps(m.tags[i])
		if !live {
			m.empty(j)
		}
	case 13:
		m.op = "Clone/Dup"
		if i == j {
			break
		}
		var c Packet
		var err error
		if m.rng.IntN(2) == 0 {
			c, err = p.Clone()
		} else {
			c, err = p.Dup()
		}
		m.must(err)
		m.p[j].Free()
		m.p[j] = c.Take()
		m.ref[j] = ref
		m.tags[j] = maps(m.tags[i])
	case 14:
		m.op = "Split"
		if i == j {
			break
		}
		tail, err := p.Split(off)
		m.must(err)
		m.p[j].Free()
		m.p[j] = tail.Take()
		m.ref[i], m.ref[j] = ref[:off], ref[off:]
		m.tags[j] = map[uint16]string{}
		if !live {
			m.empty(j)
		}
	case 15:
		m.op = "Cat"
		if i == j {
			if err := p.Cat(&m.p[j]); live && !errors.Is(err, ErrInvalid) {
				m.fatalf("Cat to itself: %v", err)
			}
			break
		}
		m.must(p.Cat(&m.p[j]))
		if !live {
			m.tags[i] = m.tags[j]
		}
		m.ref[i] = append(slices.Clone(ref), m.ref[j]...)
		m.empty(j)
	case 16:
		m.op = "Free"
		p.Free()
		p.Free()
		m.empty(i)
	case 17:
		m.op = "SetTag"
		id := uint16(1 + m.rng.IntN(3))
		v := string(m.randBytes(m.rng.IntN(20)))
		err := p.SetTag(id, []byte(v))
		if !live {
			if !errors.Is(err, ErrInvalid) {
				m.fatalf("SetTag on an empty packet: %v", err)
			}
			break
		}
		m.must(err)
		m.tags[i][id] = v
	case 18:
		m.op = "DeleteTag"
		id := uint16(1 + m.rng.IntN(3))
		_, had := m.tags[i][id]
		if got := p.DeleteTag(id); got != had {
			m.fatalf("DeleteTag(%d) = %v, model %v", id, got, had)
		}
		delete(m.tags[i], id)
	case 19:
		m.op = "ReadFrom"
		d := m.randBytes(m.randLen())
		k, err := p.ReadFrom(bytes.NewReader(d))
		m.must(err)
		if int(k) != len(d) {
			m.fatalf("ReadFrom read %d of %d", k, len(d))
		}
		m.ref[i] = append(slices.Clone(ref), d...)
	case 20:
		m.op = "WriteTo"
		var buf bytes.Buffer
		k, err := p.WriteTo(&buf)
		m.must(err)
		if int(k) != size || !bytes.Equal(buf.Bytes(), ref) {
			m.fatalf("WriteTo differs")
		}
	case 21:
		m.op = "stale copy"
		if !live {
			break
		}
		q := dupHandle(p)
		switch m.rng.IntN(3) {
		case 0: // p frees: q is stale
			p.Free()
			m.empty(i)
		case 1: // p gets a new first mbuf: q is stale
			d := m.randBytes(ClusterSize + 1) // more than any leading space
			m.must(p.Prepend(d))
			m.ref[i] = append(d, ref...)
		case 2: // p moves out and back: q is stale only if the head changed; skip
			return
		}
		if q.Len() != 0 || q.Valid() {
			m.fatalf("stale copy still valid")
		}
		if _, err := q.ReadAt(make([]byte, 1), 0); !errors.Is(err, ErrFreed) {
			m.fatalf("stale copy ReadAt: %v", err)
		}
		if err := q.Append([]byte("x")); !errors.Is(err, ErrFreed) {
			m.fatalf("stale copy Append: %v", err)
		}
		q.Free() // must do nothing
	}
}

func maps(src map[uint16]string) map[uint16]string {
	dst := map[uint16]string{}
	for k, v := range src {
		dst[k] = v
	}
	return dst
}

func (m *model) must(err error) {
	m.t.Helper()
	if err != nil {
		m.fatalf("%v", err)
	}
}

// check compares packet i with its model in every way it can be read.
func (m *model) check(i int) {
	m.t.Helper()
	p, ref := &m.p[i], m.ref[i]
	if p.Len() != len(ref) {
		m.fatalf("packet %d: Len %d, model %d", i, p.Len(), len(ref))
	}
	if got := p.Bytes(); !bytes.Equal(got, ref) && len(ref) > 0 {
		m.fatalf("packet %d: bytes differ (%s)", i, p)
	}
	var all []byte
	for b := range p.All() {
		all = append(all, b...)
	}
	if !bytes.Equal(all, ref) && len(ref) > 0 {
		m.fatalf("packet %d: All differs", i)
	}
	if sum, err := p.Checksum(0, len(ref)); err != nil || sum != naiveSum(ref) {
		m.fatalf("packet %d: checksum %#x, %v", i, sum, err)
	}
	for id := uint16(1); id <= 3; id++ {
		v, ok := p.Tag(id)
		want, wok := m.tags[i][id]
		if ok != wok || string(v) != want {
			m.fatalf("packet %d: tag %d = %q %v, model %q %v", i, id, v, ok, want, wok)
		}
	}
	segLen := 0
	for _, s := range p.Segments() {
		segLen += s.Len
		if s.Len != len(s.Data) {
			m.fatalf("packet %d: segment length %d, data %d", i, s.Len, len(s.Data))
		}
	}
	if segLen != len(ref) {
		m.fatalf("packet %d: segments hold %d bytes, model %d", i, segLen, len(ref))
	}
}
