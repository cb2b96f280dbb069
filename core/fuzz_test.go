package core

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// FuzzOps decodes bytes into a sequence of chain operations over four
// packet slots and checks every slot against a flat byte model after each
// step (bytes, pkthdr.len, every mbuf live and its data inside its
// buffer). Provoked violations
// must leave the chain untouched. At the end everything is freed and the
// leak census must be empty. Each input runs twice: on plain pools, and
// on pools in debug mode, where the quarantine check must find no write
// into freed memory. The op language is shared with the
// libFuzzer target over the C API (fuzz/fuzz_mbuf.c) and described in
// docs/misuse.md; seeds live in testdata/fuzz/FuzzOps.
//
//	make test-fuzz   20 s of each target;   make fuzz-long   10 min each
func FuzzOps(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzMu.Lock()
		defer fuzzMu.Unlock()
		runBoth(t, data)
	})
}

// runBoth runs an input on plain pools (freed objects reused at once) and,
// for one input in four (chosen by hash, so a failure reproduces), on
// debug pools, where any write of the library into a freed mbuf or
// cluster shows up in the quarantine check.
func runBoth(t *testing.T, data []byte) {
	runOps(t, fuzzPools(t), data)
	if crc32.ChecksumIEEE(data)%4 != 0 {
		return // debug pools are slow (poison, quarantine): a quarter of the inputs
	}
	d := fuzzDebugPools(t)
	before := len(d.DebugReports())
	runOps(t, d, data)
	d.DebugFlush()
	if r := d.DebugReports(); len(r) != before {
		t.Fatalf("the library wrote into freed memory: %s", r[before:])
	}
}

// TestFuzzSeeds runs the seeds and a few derived inputs in plain go test.
func TestFuzzSeeds(t *testing.T) {
	fuzzMu.Lock()
	defer fuzzMu.Unlock()
	for _, s := range fuzzSeeds() {
		runBoth(t, s)
		runOps(t, fuzzDebugPools(t), s)
	}
	fuzzDebugPools(t).DebugFlush()
	if r := fuzzDebugPools(t).DebugReports(); len(r) != 0 {
		t.Fatalf("the library wrote into freed memory: %s", r)
	}
}

// TestWriteFuzzCorpus writes the seeds and the committed inputs as raw
// files for the libFuzzer target: MBUF_WRITE_CORPUS=fuzz/corpus go test
// -run TestWriteFuzzCorpus ./core (run from the repository root: the path
// is taken relative to core/).
func TestWriteFuzzCorpus(t *testing.T) {
	dir := os.Getenv("MBUF_WRITE_CORPUS")
	if dir == "" {
		t.Skip("MBUF_WRITE_CORPUS not set")
	}
	ins := fuzzSeeds()
	files, _ := filepath.Glob("testdata/fuzz/FuzzOps/*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// go test fuzz v1 / []byte("...")
		_, lit, ok := strings.Cut(string(b), "[]byte(")
		if !ok {
			continue
		}
		s, err := strconv.Unquote(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(lit), ")")))
		if err != nil {
			t.Fatal(f, err)
		}
		ins = append(ins, []byte(s))
	}
	for _, in := range ins {
		name := filepath.Join("..", dir, fmt.Sprintf("%x", sha256.Sum256(in))[:16])
		if err := os.WriteFile(name, in, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var (
	fuzzMu        sync.Mutex
	fuzzOnce      sync.Once
	fuzzP, fuzzDP *Pools
)

// one pool set per process: creating pools reserves gigabytes of address
func fuzzPools(t *testing.T) *Pools {
	fuzzOnce.Do(func() {
		p, err := New(nil, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		d, err := New(nil, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		d.EnableDebug(false)
		fuzzP, fuzzDP = p, d
	})
	return fuzzP
}

func fuzzDebugPools(t *testing.T) *Pools {
	fuzzPools(t)
	return fuzzDP
}

// Op codes (first byte of each op, modulo numOps) and their argument bytes.
const (
	opCreate       = iota // slot, len16, flags, seed
	opFree                // slot
	opCopy                // src, dst, off16, len16, mode (1 deep, 0x80 M_COPYALL)
	opSplit               // src, dst, at16
	opAdj                 // slot, req16 (signed)
	opPullup              // slot, n16
	opPrepend             // slot, n16, seed
	opCopyback            // slot, off16, n16, seed
	opCopybackCow         // slot, off16, n16, seed
	opMakeWritable        // slot, off16, n16, mode (0x80 M_COPYALL)
	opCat                 // dst, src
	opPulldown            // slot, off16, n16
	opCopyup              // slot, n16, dstoff
	opCopydata            // slot, off16, n16
	opMisuse              // slot, kind
	opCopypacket          // src, dst
	opTag                 // slot, id, len % 32, seed: m_tag_get + m_tag_prepend
	opExtAdd              // slot, len16 % 4097, mode (1 M_EXT_RW), seed: MEXTADD storage
	opHostile             // slot, kind % numHostile, sel, arg: hostile values (below)
	numOps
)

// Kinds of opHostile: values a careless or hostile caller passes, and
// damage it does to a chain. Each call must report a violation and change
// nothing, or give the model's result; the damaged field is restored
// after the call. The C target (fuzz/fuzz_mbuf.c) runs each input with
// the fast paths on and off, and the two runs must agree.
const (
	hostAdjExtreme  = iota // m_adj by INT_MIN (arg odd) or INT_MAX: all trimmed
	hostOverflow           // off+len past INT_MAX (arg % 6 picks the call)
	hostSelfHeader         // m_move_pkthdr(m, m)
	hostSelfCat            // m_cat(m, m)
	hostNegLen             // mbuf sel%n gets a negative m_len; then read (arg)
	hostLongLen            // its m_len past the end of its buffer; then read
	hostDataOutside        // its m_data before or past its buffer; then read
	hostCycle              // the last m_next back to mbuf sel%n; then read
	hostFreedMember        // a freed mbuf linked at the end; then read
	hostNullSource         // m_copyback from NULL
	numHostile
)

// hostileRead is the read after a damage: arg % 3 picks m_copym of
// everything, or m_copydata / m_copym of bytes [arg, arg + sel) of it.
const hostileReads = 3

const fuzzMaxOps = 64

type fuzzReader struct {
	b []byte
	i int
}

func (r *fuzzReader) more() bool { return r.i < len(r.b) }
func (r *fuzzReader) u8() int {
	if r.i >= len(r.b) {
		return 0
	}
	r.i++
	return int(r.b[r.i-1])
}
func (r *fuzzReader) u16() int { return r.u8() | r.u8()<<8 }

type fuzzState struct {
	t     *testing.T
	p     *Pools
	m     [4]*Mbuf
	b     [4][]byte
	tags  [4][]fuzzTag // the head's packet tags, first to last
	trace []string
}

type fuzzTag struct {
	id   uint16
	data []byte
}

// external storage of opExtAdd: Go memory kept alive until released
var fuzzExt struct {
	sync.Mutex
	bufs map[uintptr][]byte
}

func pattern8(seed, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seed + i*7)
	}
	return b
}

func runOps(t *testing.T, p *Pools, data []byte) {
	s := &fuzzState{t: t, p: p}
	r := &fuzzReader{b: data}
	defer s.cleanup()
	for n := 0; n < fuzzMaxOps && r.more(); n++ {
		s.step(r)
		s.check()
	}
}

func (s *fuzzState) fail(format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("%s\nops: %s", fmt.Sprintf(format, args...), strings.Join(s.trace, "; "))
}

func (s *fuzzState) drop(i int) { s.m[i], s.b[i], s.tags[i] = nil, nil, nil }

func (s *fuzzState) put(i int, m *Mbuf, b []byte) {
	if s.m[i] != nil {
		s.p.Freem(s.m[i])
	}
	s.m[i], s.b[i], s.tags[i] = m, b, nil
}

// call runs f; a violation fails the run.
func (s *fuzzState) call(what string, f func()) {
	s.trace = append(s.trace, what)
	if v := Catch(what, f); v != nil {
		s.fail("%s: unexpected violation: %v", what, v)
	}
}

func (s *fuzzState) step(r *fuzzReader) {
	p := s.p
	switch r.u8() % numOps {
	case opCreate:
		i, n, flags, seed := r.u8()&3, r.u16()%4097, r.u8(), r.u8()
		var m *Mbuf
		s.call(fmt.Sprintf("create s%d len %d flags %#x", i, n, flags), func() {
			switch flags & 3 {
			case 0:
				m = p.GetHdr(M_DONTWAIT, MT_DATA)
			case 1:
				m = p.GetCl(M_DONTWAIT, MT_DATA, M_PKTHDR)
			case 2:
				m = p.Get(M_DONTWAIT, MT_DATA)
			default:
				m = p.GetCl(M_DONTWAIT, MT_DATA, 0)
			}
			if m.Flags&M_PKTHDR != 0 {
				m.Pkt().Len = 0
			}
			m.Len = 0
			p.Copyback(m, 0, n, pattern8(seed, n))
		})
		s.put(i, m, pattern8(seed, n))
	case opFree:
		i := r.u8() & 3
		if s.m[i] != nil {
			s.call(fmt.Sprintf("freem s%d", i), func() { p.Freem(s.m[i]) })
			s.drop(i)
		}
	case opCopy:
		src, dst, off, n, mode := r.u8()&3, r.u8()&3, r.u16(), r.u16(), r.u8()
		if s.m[src] == nil {
			return
		}
		l := len(s.b[src])
		off %= l + 1
		n %= l - off + 1
		if mode&0x80 != 0 {
			n = M_COPYALL
		}
		var c *Mbuf
		s.call(fmt.Sprintf("copy s%d->s%d off %d len %d mode %#x", src, dst, off, n, mode), func() {
			if mode&1 != 0 {
				c = p.Dup(s.m[src], off, n, M_DONTWAIT)
			} else {
				c = p.Copym(s.m[src], off, n, M_DONTWAIT)
			}
		})
		want := append([]byte(nil), s.b[src][off:]...)
		if n != M_COPYALL {
			want = want[:n]
		}
		if c == nil {
			if len(want) != 0 {
				s.fail("copy returned NULL for %d bytes", len(want))
			}
			return
		}
		if hdr := c.Flags&M_PKTHDR != 0; hdr != (off == 0 && s.m[src].Flags&M_PKTHDR != 0) {
			s.fail("copy from off %d: header %v", off, hdr)
		}
		if dst == src {
			p.Freem(c)
			return
		}
		tags := s.tags[src]
		s.put(dst, c, want)
		if c.Flags&M_PKTHDR != 0 {
			s.tags[dst] = tags
		}
	case opSplit:
		src, dst, at := r.u8()&3, r.u8()&3, r.u16()
		if s.m[src] == nil || src == dst {
			return
		}
		at %= len(s.b[src]) + 1
		var tail *Mbuf
		s.call(fmt.Sprintf("split s%d at %d -> s%d", src, at, dst), func() { tail = p.Split(s.m[src], at, M_DONTWAIT) })
		if tail == nil {
			return // allocation failure: the chain is restored
		}
		b := s.b[src]
		s.b[src] = b[:at:at]
		s.put(dst, tail, append([]byte(nil), b[at:]...))
	case opAdj:
		i, req := r.u8()&3, int(int16(r.u16()))
		if s.m[i] == nil {
			return
		}
		s.call(fmt.Sprintf("adj s%d %d", i, req), func() { p.Adj(s.m[i], req) })
		b := s.b[i]
		if req >= 0 {
			s.b[i] = b[min(req, len(b)):]
		} else {
			s.b[i] = b[:len(b)-min(-req, len(b))]
		}
	case opPullup:
		i, n := r.u8()&3, r.u16()%(MHLEN+64)
		if s.m[i] == nil {
			return
		}
		var m *Mbuf
		s.call(fmt.Sprintf("pullup s%d %d", i, n), func() { m = p.Pullup(s.m[i], n) })
		if m == nil {
			if n <= min(len(s.b[i]), MHLEN) {
				s.fail("pullup %d of %d bytes failed", n, len(s.b[i]))
			}
			s.drop(i) // the chain was freed
			return
		}
		if int(m.Len) < n {
			s.fail("pullup %d: first mbuf holds %d", n, m.Len)
		}
		s.m[i] = m
	case opPrepend:
		i, n, seed := r.u8()&3, r.u16()%(MHLEN+1), r.u8()
		if s.m[i] == nil {
			return
		}
		m := s.m[i]
		s.call(fmt.Sprintf("M_PREPEND s%d %d", i, n), func() {
			if m.LeadingSpace() >= n {
				m.Data -= uintptr(n)
				m.Len += int32(n)
			} else {
				m = p.Prepend(m, n, M_DONTWAIT)
			}
			if m != nil && m.Flags&M_PKTHDR != 0 {
				m.Pkt().Len += int32(n)
			}
		})
		if m == nil {
			s.drop(i)
			return
		}
		copy(bytesAt(m.Data, n), pattern8(seed, n))
		s.m[i] = m
		s.b[i] = append(pattern8(seed, n), s.b[i]...)
	case opCopyback:
		i, off, n, seed := r.u8()&3, r.u16(), r.u16()%3000, r.u8()
		if s.m[i] == nil {
			return
		}
		l := len(s.b[i])
		off %= l + 64
		n = max(n, 1) // a gap alone does not grow pkthdr.len
		src := pattern8(seed, n)
		before := s.snapshot(i)
		s.trace = append(s.trace, fmt.Sprintf("copyback s%d off %d len %d", i, off, n))
		if v := Catch("m_copyback", func() { p.Copyback(s.m[i], off, n, src) }); v != nil {
			if !strings.Contains(v.Msg, "read-only") || !s.hasReadOnly(i) {
				s.fail("copyback: %v", v)
			}
			s.unchanged(i, before)
			return
		}
		b := s.b[i]
		if off > l {
			b = append(b, make([]byte, off-l)...)
		}
		if off+n > len(b) {
			b = append(b, make([]byte, off+n-len(b))...)
		}
		copy(b[off:], src)
		s.b[i] = b
	case opCopybackCow:
		i, off, n, seed := r.u8()&3, r.u16(), r.u16(), r.u8()
		if s.m[i] == nil {
			return
		}
		l := len(s.b[i])
		off %= l + 1
		n %= l - off + 1
		src := pattern8(seed, n)
		var m *Mbuf
		s.call(fmt.Sprintf("copyback_cow s%d off %d len %d", i, off, n), func() { m = p.CopybackCow(s.m[i], off, n, src, M_DONTWAIT) })
		if m == nil {
			s.fail("copyback_cow failed")
		}
		s.m[i] = m
		copy(s.b[i][off:], src)
	case opMakeWritable:
		i, off, n, mode := r.u8()&3, r.u16(), r.u16(), r.u8()
		if s.m[i] == nil {
			return
		}
		l := len(s.b[i])
		off %= l + 1
		n %= l - off + 1
		if mode&0x80 != 0 {
			n = M_COPYALL
		}
		var e int
		s.call(fmt.Sprintf("makewritable s%d off %d len %d", i, off, n), func() { e = p.MakeWritable(&s.m[i], off, n, M_DONTWAIT) })
		if e != 0 {
			s.fail("makewritable: %d", e)
		}
		end := l
		if n != M_COPYALL {
			end = off + n
		}
		s.noReadOnlyIn(i, off, end)
	case opCat:
		dst, src := r.u8()&3, r.u8()&3
		if s.m[dst] == nil || s.m[src] == nil || dst == src || len(s.b[dst])+len(s.b[src]) > 20000 {
			return
		}
		s.call(fmt.Sprintf("cat s%d s%d", dst, src), func() {
			if s.m[dst].Flags&M_PKTHDR != 0 {
				s.m[dst].Pkt().Len += int32(len(s.b[src]))
			}
			if s.m[src].Flags&M_PKTHDR != 0 {
				p.TagDeleteChain(s.m[src], nil)
				s.m[src].Flags &^= M_PKTHDR
			}
			p.Cat(s.m[dst], s.m[src])
		})
		s.b[dst] = append(s.b[dst], s.b[src]...)
		s.drop(src)
	case opPulldown:
		i, off, n := r.u8()&3, r.u16(), r.u16()%(MCLBYTES+64)
		if s.m[i] == nil {
			return
		}
		l := len(s.b[i])
		off %= l + 8
		var x *Mbuf
		var o int
		s.call(fmt.Sprintf("pulldown s%d off %d len %d", i, off, n), func() { x, o = p.Pulldown(s.m[i], off, n, true) })
		if x == nil {
			// NULL (chain freed) for a region past the end, too long, or
			// starting at the end (no non-empty mbuf holds it), as in 2007
			if off+n <= l && n <= MCLBYTES && off < l {
				s.fail("pulldown failed on [%d, %d) of %d bytes", off, off+n, l)
			}
			s.drop(i)
			return
		}
		if off+n > l || o < 0 || o+n > int(x.Len) || !bytes.Equal(bytesAt(x.Data+uintptr(o), n), s.b[i][off:off+n]) {
			s.fail("pulldown [%d, %d): region not contiguous at offset %d of an mbuf of %d", off, off+n, o, x.Len)
		}
	case opCopyup:
		i, n, dstoff := r.u8()&3, r.u16()%(MHLEN+32), r.u8()%64
		if s.m[i] == nil {
			return
		}
		var m *Mbuf
		s.call(fmt.Sprintf("copyup s%d %d dstoff %d", i, n, dstoff), func() { m = p.Copyup(s.m[i], n, dstoff) })
		if m == nil {
			if n <= len(s.b[i]) && n+dstoff <= MHLEN {
				s.fail("copyup %d dstoff %d of %d bytes failed", n, dstoff, len(s.b[i]))
			}
			s.drop(i)
			return
		}
		if int(m.Len) < n || m.RawLeadingSpace() < dstoff {
			s.fail("copyup: first mbuf len %d lead %d", m.Len, m.RawLeadingSpace())
		}
		s.m[i] = m
	case opCopydata:
		i, off, n := r.u8()&3, r.u16(), r.u16()
		if s.m[i] == nil {
			return
		}
		l := len(s.b[i])
		off %= l + 1
		n %= l - off + 1
		got := make([]byte, n)
		s.call(fmt.Sprintf("copydata s%d off %d len %d", i, off, n), func() { p.CopyData(s.m[i], off, n, got) })
		if !bytes.Equal(got, s.b[i][off:off+n]) {
			s.fail("copydata [%d, %d) differs", off, off+n)
		}
	case opMisuse:
		i, kind := r.u8()&3, r.u8()%5
		if s.m[i] == nil {
			return
		}
		m, l := s.m[i], len(s.b[i])
		before := s.snapshot(i)
		s.trace = append(s.trace, fmt.Sprintf("misuse %d on s%d", kind, i))
		v := Catch("misuse", func() {
			switch kind {
			case 0:
				p.Copym(m, l+1, 1, M_DONTWAIT)
			case 1:
				p.CopyData(m, 0, l+1, make([]byte, l+1))
			case 2:
				p.Copym(m, 0, -1, M_DONTWAIT)
			case 3:
				p.CopybackCow(m, l, 1, []byte{1}, M_DONTWAIT)
			default:
				p.Pullup(m, -1)
			}
		})
		if v == nil {
			s.fail("misuse %d not detected", kind)
		}
		s.unchanged(i, before)
	case opCopypacket:
		src, dst := r.u8()&3, r.u8()&3
		if s.m[src] == nil || src == dst {
			return
		}
		if s.m[src].Flags&M_PKTHDR == 0 {
			before := s.snapshot(src)
			if Catch("m_copypacket", func() { p.CopyPacket(s.m[src], M_DONTWAIT) }) == nil {
				s.fail("m_copypacket without a header was accepted")
			}
			s.unchanged(src, before)
			return
		}
		var c *Mbuf
		s.call(fmt.Sprintf("copypacket s%d -> s%d", src, dst), func() { c = p.CopyPacket(s.m[src], M_DONTWAIT) })
		if c == nil {
			s.fail("copypacket failed")
		}
		tags := s.tags[src]
		s.put(dst, c, append([]byte(nil), s.b[src]...))
		s.tags[dst] = tags
	case opTag:
		i, id, n, seed := r.u8()&3, r.u8(), r.u8()%32, r.u8()
		if s.m[i] == nil || s.m[i].Flags&M_PKTHDR == 0 {
			return
		}
		s.call(fmt.Sprintf("tag s%d id %d len %d", i, id, n), func() {
			t := p.TagGet(id, n, M_NOWAIT)
			copy(t.Payload(), pattern8(seed, n))
			p.TagPrepend(s.m[i], t)
		})
		s.tags[i] = append([]fuzzTag{{uint16(id), pattern8(seed, n)}}, s.tags[i]...)
	case opHostile:
		i, kind, sel, arg := r.u8()&3, r.u8()%numHostile, r.u8(), r.u8()
		if s.m[i] != nil {
			s.hostile(i, kind, sel, arg)
		}
	case opExtAdd:
		i, n, mode, seed := r.u8()&3, r.u16()%4097, r.u8(), r.u8()
		buf := pattern8(seed, max(n, 1))
		var m *Mbuf
		s.call(fmt.Sprintf("extadd s%d len %d mode %#x", i, n, mode), func() {
			m = p.GetHdr(M_DONTWAIT, MT_DATA)
			a := uintptr(unsafe.Pointer(&buf[0]))
			fuzzExt.Lock()
			if fuzzExt.bufs == nil {
				fuzzExt.bufs = map[uintptr][]byte{}
			}
			fuzzExt.bufs[a] = buf
			fuzzExt.Unlock()
			p.ExtAddGo(m, a, len(buf), mode&1 != 0, func() {
				fuzzExt.Lock()
				delete(fuzzExt.bufs, a)
				fuzzExt.Unlock()
			})
			m.Len, m.Pkt().Len = int32(n), int32(n)
		})
		s.put(i, m, append([]byte(nil), buf[:n]...))
	}
}

const (
	intMax = 1<<31 - 1
	intMin = -1 << 31
)

// hostile runs one opHostile (see its kinds).
func (s *fuzzState) hostile(i, kind, sel, arg int) {
	p, m, l := s.p, s.m[i], len(s.b[i])
	s.trace = append(s.trace, fmt.Sprintf("hostile %d s%d sel %d arg %d", kind, i, sel, arg))
	switch kind {
	case hostAdjExtreme:
		req := intMax
		if arg&1 != 0 {
			req = intMin
		}
		s.call(fmt.Sprintf("adj s%d %d", i, req), func() { p.Adj(m, req) })
		s.b[i] = s.b[i][:0]
		return
	case hostOverflow:
		before := s.snapshot(i)
		var res *Mbuf
		v := Catch("overflow", func() {
			switch arg % 6 {
			case 0:
				p.CopyData(m, intMax-2, 8, make([]byte, 8))
			case 1:
				res = p.Copym(m, 1, intMax, M_DONTWAIT)
			case 2:
				res = p.Split(m, intMax, M_DONTWAIT)
			case 3:
				p.CopyData(m, 0, intMin, nil)
			case 4:
				res = p.Pullup(m, intMax)
			default:
				res, _ = p.Pulldown(m, intMax, 4, true)
			}
		})
		switch arg % 6 {
		case 2: // not a violation: NULL, the chain as it was
			if v != nil || res != nil {
				s.fail("split at INT_MAX: %v, %v", v, res)
			}
			s.unchanged(i, before)
		case 4, 5: // not a violation: fails, and frees the chain (as in 2007)
			if v != nil || res != nil {
				s.fail("pullup/pulldown of INT_MAX: %v, %v", v, res)
			}
			s.drop(i)
		default:
			if v == nil {
				s.fail("overflow %d not detected", arg%6)
			}
			s.unchanged(i, before)
		}
		return
	case hostSelfHeader, hostSelfCat, hostNullSource:
		before := s.snapshot(i)
		v := Catch("self", func() {
			switch kind {
			case hostSelfHeader:
				p.MovePkthdr(m, m)
			case hostSelfCat:
				p.Cat(m, m)
			default:
				p.Copyback(m, 0, 1+arg, nil)
			}
		})
		if v == nil {
			s.fail("hostile %d not detected", kind)
		}
		s.unchanged(i, before)
		return
	}
	// Damage one mbuf (or link), read, repair.
	var ms []*Mbuf
	for x := m; x != nil; x = x.Next {
		ms = append(ms, x)
	}
	x := ms[sel%len(ms)]
	last := ms[len(ms)-1]
	before := s.snapshot(i)
	savedLen, savedData := x.Len, x.Data
	var freed *Mbuf
	switch kind {
	case hostNegLen:
		x.Len = -1 - int32(arg)
	case hostLongLen: // one byte or more past the end of its buffer
		end := x.DatEnd()
		if x.Flags&M_EXT != 0 {
			end = x.Ext().Buf + x.Ext().Size
		}
		x.Len = int32(end-x.Data) + 1 + int32(arg)
	case hostDataOutside:
		if arg&1 != 0 {
			x.Data = x.DatAddr() - 1 - uintptr(arg)
		} else {
			x.Data = x.DatEnd() + 1 + uintptr(arg)
			if x.Flags&M_EXT != 0 {
				x.Data = x.Ext().Buf + x.Ext().Size + 1 + uintptr(arg)
			}
		}
	case hostCycle:
		last.Next = x
	case hostFreedMember:
		freed = p.Get(M_DONTWAIT, MT_DATA)
		p.Free(freed)
		last.Next = freed
	}
	off, n := arg%(l+1), sel%(l+1)
	n = min(n, l-off)
	var got []byte
	var res *Mbuf
	v := Catch("read", func() {
		switch arg % hostileReads {
		case 0:
			res = p.Copym(m, 0, M_COPYALL, M_DONTWAIT)
		case 1:
			got = make([]byte, n)
			p.CopyData(m, off, n, got)
		default:
			res = p.Copym(m, off, n, M_DONTWAIT)
		}
	})
	x.Len, x.Data = savedLen, savedData
	last.Next = nil
	if v == nil && arg%hostileReads == 0 {
		s.fail("m_copym of a damaged chain (hostile %d) not refused", kind)
	}
	s.unchanged(i, before)
	if v != nil {
		return
	}
	if arg%hostileReads == 1 && !bytes.Equal(got, s.b[i][off:off+n]) {
		s.fail("m_copydata past damage (hostile %d): bytes differ", kind)
	}
	if res != nil {
		if !bytes.Equal(chainBytes(res), s.b[i][off:off+n]) {
			s.fail("m_copym past damage (hostile %d): bytes differ", kind)
		}
		p.Freem(res)
	}
}

// snapshot records a chain's shape and bytes.
func (s *fuzzState) snapshot(i int) string {
	var b strings.Builder
	for m := s.m[i]; m != nil; m = m.Next {
		fmt.Fprintf(&b, "%#x:%#x:%d:%#x|", Addr(m), m.Data, m.Len, m.Flags)
	}
	return b.String() + string(chainBytes(s.m[i]))
}

func (s *fuzzState) unchanged(i int, before string) {
	if s.snapshot(i) != before {
		s.fail("a violation changed the chain of s%d", i)
	}
}

func (s *fuzzState) hasReadOnly(i int) bool {
	for m := s.m[i]; m != nil; m = m.Next {
		if m.ReadOnly() {
			return true
		}
	}
	return false
}

// noReadOnlyIn checks that no mbuf holding bytes of [off, end) is read-only.
func (s *fuzzState) noReadOnlyIn(i, off, end int) {
	if off >= end {
		return
	}
	pos := 0
	for m := s.m[i]; m != nil; m = m.Next {
		lo, hi := pos, pos+int(m.Len)
		if m.Len > 0 && lo < end && hi > off && m.ReadOnly() {
			s.fail("m_makewritable left a read-only mbuf over [%d, %d)", lo, hi)
		}
		pos = hi
	}
}

func (s *fuzzState) check() {
	for i := range s.m {
		m, want := s.m[i], s.b[i]
		if m == nil {
			continue
		}
		if v := Catch("check", func() { s.p.CheckChain("check", m) }); v != nil {
			s.fail("s%d: %v", i, v)
		}
		if m.Flags&M_PKTHDR != 0 && int(m.Pkt().Len) != len(want) {
			s.fail("s%d: pkthdr.len %d, model %d", i, m.Pkt().Len, len(want))
		}
		var tags []fuzzTag
		if m.Flags&M_PKTHDR != 0 {
			for t := m.Pkt().Tags; t != nil && len(tags) <= len(s.tags[i]); t = t.Next {
				tags = append(tags, fuzzTag{t.ID, append([]byte(nil), t.Payload()...)})
			}
		}
		if fmt.Sprint(tags) != fmt.Sprint(s.tags[i]) {
			s.fail("s%d: tags %v, model %v", i, tags, s.tags[i])
		}
		for n, k := m, 0; n != nil; n, k = n.Next, k+1 {
			// (no check that only the head has M_PKTHDR: m_pulldown of
			// a shared head mbuf duplicates the header mid-chain, as in
			// 2007; see core/pulldown.go)
			lo, hi := n.DatAddr(), n.DatEnd()
			if n.Flags&M_EXT != 0 {
				lo, hi = n.Ext().Buf, n.Ext().Buf+n.Ext().Size
			} else if n.Flags&M_PKTHDR != 0 {
				lo = n.PktDatAddr()
			}
			if n.Len < 0 || n.Data < lo || n.Data+uintptr(n.Len) > hi {
				s.fail("s%d: mbuf %d: data %#x len %d outside [%#x, %#x)", i, k, n.Data, n.Len, lo, hi)
			}
		}
		if got := chainBytes(m); !bytes.Equal(got, want) {
			s.fail("s%d: %d bytes, model %d; first difference at %d", i, len(got), len(want), firstDiff(got, want))
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := 0; i < min(len(a), len(b)); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func (s *fuzzState) cleanup() {
	for i := range s.m {
		if s.m[i] != nil {
			// after a failure the slot may hold a chain the library freed
			Catch("cleanup", func() { s.p.Freem(s.m[i]) })
			s.drop(i)
		}
	}
	if l := s.p.Leaks(); l.Total() != 0 && !s.t.Failed() {
		s.fail("leak after the run:\n%s", l)
	}
	fuzzExt.Lock()
	n := len(fuzzExt.bufs)
	fuzzExt.Unlock()
	if n != 0 && !s.t.Failed() {
		s.fail("%d external buffers never released", n)
	}
}

// fuzzSeeds are inputs that reach every op; the committed corpus in
// testdata/fuzz/FuzzOps and fuzz/corpus holds these and what fuzzing found.
func fuzzSeeds() [][]byte {
	return [][]byte{
		// create a cluster packet, copy it (shared), write through the copy with COW
		{opCreate, 0, 0xd0, 0x07, 1, 9, opCopy, 0, 1, 10, 0, 100, 0, 0, opCopybackCow, 1, 20, 0, 40, 0, 3, opCopydata, 0, 0, 0, 0xff, 0xff},
		// small chain, split, cat back, pullup and pulldown
		{opCreate, 2, 0x00, 0x03, 0, 4, opSplit, 2, 3, 0x90, 0x01, opCat, 2, 3, opPullup, 2, 60, 0, opPulldown, 2, 100, 0, 200, 0},
		// prepend, adjust both ends, copyup, copyback extending the chain
		{opCreate, 1, 50, 0, 2, 1, opPrepend, 1, 20, 0, 5, opAdj, 1, 3, 0, opAdj, 1, 0xfe, 0xff, opCopyup, 1, 30, 0, 8, opCopyback, 1, 0x40, 0, 0x00, 0x08, 6},
		// read-only storage: copyback refused, makewritable, misuse
		{opCreate, 0, 0x00, 0x02, 1, 2, opCopy, 0, 1, 0, 0, 0, 0, 0x80, opCopyback, 0, 5, 0, 5, 0, 1, opMakeWritable, 0, 0, 0, 0, 0, 0x80, opMisuse, 0, 0, opMisuse, 0, 3, opFree, 1},
		// deep copies, copypacket, plain chains
		{opCreate, 3, 0x00, 0x03, 3, 5, opCopy, 3, 0, 7, 0, 0, 0, 0x81, opCopypacket, 3, 2, opCreate, 1, 100, 0, 2, 0, opCopypacket, 1, 2, opFree, 3},
		// tags follow the header through copies, pullup, prepend and copypacket
		{opCreate, 0, 0x00, 0x02, 0, 1, opTag, 0, 7, 4, 9, opTag, 0, 8, 0, 0, opCopy, 0, 1, 0, 0, 0, 2, 0x80, opPrepend, 0, 0xff, 0x01, 3, opPullup, 0, 0x40, 0x01, opCopypacket, 1, 2, opSplit, 2, 3, 5, 0},
		// hostile values: extreme trims, overflows, aliases, damaged chains
		{opCreate, 0, 0x00, 0x01, 1, 3, opCreate, 1, 100, 0, 2, 4, opSplit, 0, 2, 0x20, 0x03,
			opHostile, 0, hostOverflow, 0, 0, opHostile, 0, hostOverflow, 0, 1, opHostile, 0, hostOverflow, 0, 2,
			opHostile, 0, hostOverflow, 0, 3, opHostile, 0, hostSelfHeader, 0, 0, opHostile, 0, hostSelfCat, 0, 0,
			opHostile, 0, hostNullSource, 0, 3, opHostile, 0, hostNegLen, 1, 0, opHostile, 0, hostLongLen, 0, 4,
			opHostile, 0, hostDataOutside, 1, 7, opHostile, 0, hostDataOutside, 0, 6, opHostile, 0, hostCycle, 0, 0,
			opHostile, 0, hostCycle, 1, 3, opHostile, 0, hostFreedMember, 5, 2, opHostile, 0, hostNegLen, 1, 1,
			opHostile, 1, hostAdjExtreme, 0, 1, opHostile, 2, hostAdjExtreme, 0, 0, opHostile, 0, hostOverflow, 0, 4},
		// read-only and writable external storage
		{opExtAdd, 0, 0x00, 0x02, 0, 4, opCopyback, 0, 2, 0, 3, 0, 1, opCopybackCow, 0, 2, 0, 3, 0, 1, opExtAdd, 1, 0x00, 0x01, 1, 4, opCopyback, 1, 2, 0, 3, 0, 1, opCat, 1, 0, opMakeWritable, 1, 0, 0, 0, 0, 0x80},
	}
}
