package core

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// A model-based property test: random sequences of chain operations on
// real chains (clusters mixed with small mbufs, random offsets and split
// points, read-only pieces shared through Copym, read-only external
// storage), each checked after every step against a flat byte model:
// bytes, pkthdr.len, m_length, tags, buffer bounds, reference counts, and
// the read-only rule (snapshots sharing storage with the packets must never
// change). Violations are provoked too and must leave the chain as it was.
// After every sequence everything is freed and nothing may be left.
//
//	go test ./core -run Model                       # 25000 sequences
//	go test ./core -run Model -model.long           # 1000000 sequences
//	MBUF_MODEL_SEED=1234 go test ./core -run Model  # another base seed
//	MBUF_MODEL_SEQS=50000 go test ./core -run Model # another count

var modelLong = flag.Bool("model.long", false, "run the model test for many more sequences")

const (
	modelSlots  = 4
	modelSnaps  = 3
	modelMaxLen = 6000
	modelOps    = 40
)

func TestModel(t *testing.T) {
	seqs := 25000
	switch {
	case *modelLong || os.Getenv("MBUF_MODEL_LONG") != "":
		seqs = 1000000
	case testing.Short():
		seqs = 1000
	}
	if v, err := strconv.Atoi(os.Getenv("MBUF_MODEL_SEQS")); err == nil && v > 0 {
		seqs = v
	}
	base := uint64(20071115)
	if v, err := strconv.ParseUint(os.Getenv("MBUF_MODEL_SEED"), 0, 64); err == nil {
		base = v
	}
	p := newTestPools(t)
	start := time.Now()
	ops := 0
	for i := 0; i < seqs; i++ {
		r := newModel(t, p, base+uint64(i))
		r.run(modelOps)
		ops += r.nops
	}
	t.Logf("%d sequences, %d operations in %v (base seed %d)", seqs, ops, time.Since(start).Round(time.Millisecond), base)
}

type modelTag struct {
	id      uint16
	payload string
}

type modelSlot struct {
	m    *Mbuf
	b    []byte
	hdr  bool
	tags []modelTag // head tags in list order
}

type modelSnap struct {
	m *Mbuf
	b []byte
}

type model struct {
	t         *testing.T
	p         *Pools
	rng       *rand.Rand
	seed      uint64
	s         [modelSlots]modelSlot
	snaps     []modelSnap
	log       []string
	nops      int
	exhausted bool  // clusters are being refused
	keep      []any // Go memory attached as external storage
}

func newModel(t *testing.T, p *Pools, seed uint64) *model {
	r := &model{t: t, p: p, seed: seed, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	*p.g.MaxLinkHdr = []int32{0, 14, 16, 32, 64}[r.rng.IntN(5)]
	*p.g.MaxProtoHdr = []int32{0, 20, 40, 60, 100}[r.rng.IntN(5)]
	return r
}

func (r *model) fail(format string, args ...any) {
	r.t.Helper()
	n := len(r.log)
	from := max(0, n-25)
	r.t.Fatalf("model seed %d, op %d: %s\nlast operations:\n  %s", r.seed, r.nops,
		fmt.Sprintf(format, args...), strings.Join(r.log[from:], "\n  "))
}

func (r *model) logf(format string, args ...any) {
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

// ---- random numbers -----------------------------------------------------

func (r *model) coin(pct int) bool { return r.rng.IntN(100) < pct }

// upto picks a length in [0, hi], biased towards the edges that matter.
func (r *model) upto(hi int) int {
	if hi <= 0 {
		return 0
	}
	special := []int{1, 2, 7, 8, 16, 60, 100, 423, 424, 425, 455, 456, 457, 880, 881, 882, 2047, 2048, 2049, 4096}
	switch r.rng.IntN(10) {
	case 0:
		return 0
	case 1:
		return hi
	case 2:
		return hi - r.rng.IntN(min(hi, 8)+1)
	case 3, 4:
		if v := special[r.rng.IntN(len(special))]; v <= hi {
			return v
		}
	case 5:
		return r.rng.IntN(min(hi, 32) + 1)
	}
	return r.rng.IntN(hi + 1)
}

func (r *model) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.rng.Uint32())
	}
	return b
}

// ---- slots --------------------------------------------------------------

func (r *model) live(wantHdr int) int { // wantHdr: 0 any, 1 header, 2 plain
	var c []int
	for i := range r.s {
		if r.s[i].m != nil && (wantHdr == 0 || (wantHdr == 1) == r.s[i].hdr) {
			c = append(c, i)
		}
	}
	if len(c) == 0 {
		return -1
	}
	return c[r.rng.IntN(len(c))]
}

func (r *model) free() int {
	for i := range r.s {
		if r.s[i].m == nil {
			return i
		}
	}
	return -1
}

// adopt makes a slot's header state follow its chain (after a mid-chain
// header mbuf became a head).
func (r *model) adopt(s *modelSlot) {
	s.hdr = s.m.Flags&M_PKTHDR != 0
	s.tags = nil
	if s.hdr {
		for tg := s.m.Pkt().Tags; tg != nil; tg = tg.Next {
			s.tags = append(s.tags, modelTag{tg.ID, string(tg.Payload())})
		}
		s.m.Pkt().Len = int32(len(s.b))
	}
}

// ---- building chains ------------------------------------------------------

// buildChain makes a random chain: internal mbufs with random headroom,
// clusters, empty mbufs, and external storage that may be read-only.
func (r *model) buildChain(hdr bool) (*Mbuf, []byte) {
	n := 1 + r.rng.IntN(6)
	var top, last *Mbuf
	var all []byte
	for i := 0; i < n && len(all) < modelMaxLen; i++ {
		var m *Mbuf
		if i == 0 && hdr {
			m = r.p.GetHdr(M_DONTWAIT, MT_DATA)
		} else {
			m = r.p.Get(M_DONTWAIT, MT_DATA)
		}
		room := m.RawTrailingSpace()
		switch k := r.rng.IntN(10); {
		case k < 3:
			r.p.ClGet(m, M_DONTWAIT)
			if m.Flags&M_EXT != 0 {
				room = MCLBYTES
			}
		case k == 3:
			size := 1 + r.rng.IntN(5000)
			buf := make([]byte, size)
			r.keep = append(r.keep, buf)
			r.p.ExtAddGo(m, uintptr(unsafe.Pointer(&buf[0])), size, r.coin(50), func() {})
			room = size
		case k == 4:
			room = 0 // an empty mbuf
		}
		l := min(r.upto(room), modelMaxLen-len(all))
		m.Data += uintptr(r.rng.IntN(room - l + 1))
		b := r.bytes(l)
		copy(bytesAt(m.Data, l), b)
		m.Len = int32(l)
		all = append(all, b...)
		if last == nil {
			top = m
		} else {
			last.Next = m
		}
		last = m
	}
	if hdr {
		top.Pkt().Len = int32(len(all))
	}
	return top, all
}

func (r *model) decorate(s *modelSlot) {
	if !s.hdr {
		return
	}
	for _, f := range []int32{M_BCAST, M_PROTO1, M_LINK3, M_EOR} {
		if r.coin(20) {
			s.m.Flags |= f
		}
	}
	for k := r.rng.IntN(3); k > 0; k-- {
		r.addTag(s)
	}
}

func (r *model) addTag(s *modelSlot) {
	id := uint16(1 + r.rng.IntN(4))
	payload := string(r.bytes(r.rng.IntN(12)))
	tg := r.p.TagGet(int(id), len(payload), M_NOWAIT)
	copy(tg.Payload(), payload)
	r.p.TagPrepend(s.m, tg)
	s.tags = append([]modelTag{{id, payload}}, s.tags...)
}

// ---- the run --------------------------------------------------------------

type modelOp struct {
	name   string
	weight int
	fn     func(r *model) bool
}

var modelOpsTable = []modelOp{
	{"create", 10, (*model).opCreate},
	{"devget", 3, (*model).opDevget},
	{"freem", 3, (*model).opFreem},
	{"copyback", 8, (*model).opCopyback},
	{"copydata", 3, (*model).opCopydata},
	{"adj", 6, (*model).opAdj},
	{"prepend", 5, (*model).opPrepend},
	{"pullup", 5, (*model).opPullup},
	{"copyup", 3, (*model).opCopyup},
	{"pulldown", 6, (*model).opPulldown},
	{"split", 6, (*model).opSplit},
	{"copy", 8, (*model).opCopy},
	{"cat", 4, (*model).opCat},
	{"makewritable", 4, (*model).opMakeWritable},
	{"copyback_cow", 4, (*model).opCopybackCow},
	{"poke", 6, (*model).opPoke},
	{"getptr", 2, (*model).opGetptr},
	{"apply", 2, (*model).opApply},
	{"movepkthdr", 2, (*model).opMovePkthdr},
	{"tags", 3, (*model).opTags},
	{"snapshot", 4, (*model).opSnapshot},
	{"violation", 5, (*model).opViolation},
	{"exhaust", 2, (*model).opExhaust},
}

var modelWeightSum = func() int {
	n := 0
	for _, o := range modelOpsTable {
		n += o.weight
	}
	return n
}()

func (r *model) pickOp() modelOp {
	k := r.rng.IntN(modelWeightSum)
	for _, o := range modelOpsTable {
		if k < o.weight {
			return o
		}
		k -= o.weight
	}
	return modelOpsTable[0]
}

func (r *model) run(nops int) {
	r.t.Helper()
	for r.nops = 1; r.nops <= nops; r.nops++ {
		for tries := 0; tries < 50; tries++ {
			op := r.pickOp()
			if r.live(0) < 0 {
				op = modelOpsTable[0]
			}
			var did bool
			if v := Catch(op.name, func() { did = op.fn(r) }); v != nil {
				r.fail("%s raised an unexpected violation: %v", op.name, v)
			}
			if did {
				break
			}
		}
		r.check()
	}
	r.cleanup()
}

// cleanup frees everything and checks that nothing is left.
func (r *model) cleanup() {
	r.t.Helper()
	r.setExhausted(false)
	for i := range r.s {
		r.p.Freem(r.s[i].m)
		r.s[i] = modelSlot{}
	}
	for _, sn := range r.snaps {
		r.p.Freem(sn.m)
	}
	r.snaps = nil
	mb, zo, cl := r.p.Live()
	if mb != 0 || zo != 0 || cl != 0 || r.p.LiveTags() != 0 {
		r.fail("leak after freeing everything: %d mbufs, %d zombies, %d clusters, %d tags",
			mb, zo, cl, r.p.LiveTags())
	}
	for ty := 0; ty < NumTypes; ty++ {
		if n := r.p.GoTypeCount(ty); n != 0 {
			r.fail("type %d count %d after freeing everything", ty, n)
		}
	}
}

// ---- checks ---------------------------------------------------------------

func (r *model) check() {
	r.t.Helper()
	refs := map[*Mbuf]int{}
	for i := range r.s {
		s := &r.s[i]
		if s.m == nil {
			continue
		}
		if v := Catch("check", func() { r.p.CheckChain("check", s.m) }); v != nil {
			r.fail("slot %d: %v", i, v)
		}
		r.checkChain(fmt.Sprintf("slot %d", i), s.m, s.b, refs)
		if (s.m.Flags&M_PKTHDR != 0) != s.hdr {
			r.fail("slot %d: M_PKTHDR is %v, model says %v", i, !s.hdr, s.hdr)
		}
		if Length(s.m) != len(s.b) {
			r.fail("slot %d: m_length %d, model %d", i, Length(s.m), len(s.b))
		}
		if s.hdr {
			if int(s.m.Pkt().Len) != len(s.b) {
				r.fail("slot %d: pkthdr.len %d, model %d", i, s.m.Pkt().Len, len(s.b))
			}
			var got []modelTag
			for tg := s.m.Pkt().Tags; tg != nil; tg = tg.Next {
				got = append(got, modelTag{tg.ID, string(tg.Payload())})
			}
			if fmt.Sprint(got) != fmt.Sprint(s.tags) {
				r.fail("slot %d: tags %v, model %v", i, got, s.tags)
			}
		}
	}
	for k, sn := range r.snaps {
		r.checkChain(fmt.Sprintf("snapshot %d", k), sn.m, sn.b, refs)
	}
	for h, n := range refs {
		if got := int(h.ExtStorage().RefCnt); got != n {
			r.fail("storage of holder %#x: ext_refcnt %d, %d mbufs use it", Addr(h), got, n)
		}
	}
}

// checkChain compares a chain with its bytes and checks every mbuf's data
// lies inside its buffer; it counts the users of each ext storage.
func (r *model) checkChain(what string, m *Mbuf, want []byte, refs map[*Mbuf]int) {
	r.t.Helper()
	pos := 0
	for x := m; x != nil; x = x.Next {
		if x.Len < 0 {
			r.fail("%s: negative m_len %d", what, x.Len)
		}
		lo, hi := x.DatAddr(), x.DatEnd()
		if x.Flags&M_EXT != 0 {
			e := x.Ext()
			lo, hi = e.Buf, e.Buf+e.Size
			refs[*x.ExtRefPtr()]++
		}
		if x.Data < lo || x.Data+uintptr(x.Len) > hi {
			r.fail("%s: data [%#x, +%d) outside its buffer [%#x, %#x)", what, x.Data, x.Len, lo, hi)
		}
		n := int(x.Len)
		if pos+n > len(want) || !bytes.Equal(x.Bytes(), want[pos:pos+n]) {
			r.fail("%s: bytes differ from the model at %d (shape %s)", what, pos, shape(m))
		}
		pos += n
	}
	if pos != len(want) {
		r.fail("%s: %d bytes, model %d (shape %s)", what, pos, len(want), shape(m))
	}
}

// ---- operations -------------------------------------------------------------

func (r *model) opCreate() bool {
	i := r.free()
	if i < 0 {
		return false
	}
	s := &r.s[i]
	s.hdr = r.coin(60)
	s.m, s.b = r.buildChain(s.hdr)
	s.tags = nil
	r.decorate(s)
	r.logf("create s%d hdr=%v %s", i, s.hdr, shape(s.m))
	return true
}

func (r *model) opDevget() bool {
	i := r.free()
	if i < 0 {
		return false
	}
	total := r.upto(5000)
	off0 := 0
	if total >= 5 && r.coin(20) {
		off0 = 1 + r.rng.IntN(total-4)
	}
	buf := r.bytes(max(total, 1))
	m := r.p.Devget(uintptr(unsafe.Pointer(&buf[0])), total, off0, 0, nil)
	r.logf("devget s%d %d off0=%d", i, total, off0)
	want := buf[:total]
	if off0 != 0 {
		want = cat(buf[off0+4:total], buf[:off0])
	}
	if m == nil {
		if len(want) == 0 || (r.exhausted && len(want) >= MINCLSIZE) {
			return true
		}
		r.fail("m_devget of %d bytes failed", total)
	}
	r.s[i] = modelSlot{m: m, b: append([]byte(nil), want...), hdr: true}
	return true
}

func (r *model) opFreem() bool {
	i := r.live(0)
	if i < 0 {
		return false
	}
	r.logf("freem s%d", i)
	if r.coin(30) {
		// m_free one by one, head first.
		for m := r.s[i].m; m != nil; {
			m = r.p.Free(m)
		}
	} else {
		r.p.Freem(r.s[i].m)
	}
	r.s[i] = modelSlot{}
	return true
}

func (r *model) opCopyback() bool {
	i := r.live(0)
	if i < 0 {
		return false
	}
	s := &r.s[i]
	off := r.upto(len(s.b))
	if r.coin(20) {
		off = len(s.b) + r.upto(300)
	}
	n := r.upto(2500)
	off = min(off, modelMaxLen)
	n = min(n, modelMaxLen-off)
	src := r.bytes(n)
	r.logf("copyback s%d off=%d n=%d %s", i, off, n, shape(s.m))
	if ow := min(len(s.b)-off, n); ow > 0 && firstReadOnly(s.m, off, ow) != nil {
		if e := r.p.MakeWritable(&s.m, off, ow, M_DONTWAIT); e != 0 {
			r.fail("m_makewritable before copyback: %d", e)
		}
		r.logf("  made writable: %s", shape(s.m))
	}
	oldPkt := 0
	if s.hdr {
		oldPkt = int(s.m.Pkt().Len)
	}
	r.p.Copyback(s.m, off, n, src)
	want := append([]byte(nil), s.b...)
	if off+n > len(want) {
		want = append(want, make([]byte, off+n-len(want))...)
	}
	copy(want[off:], src)
	got := ChainLen(s.m)
	if r.exhausted && got < len(want) {
		// The extension stopped where memory ran out, silently.
		want = want[:got]
	}
	if s.hdr {
		wantPkt := max(oldPkt, off+n)
		if n == 0 {
			// Only the mbufs passed on the way to off count: a gap that
			// ends inside the last mbuf leaves pkthdr.len alone.
			wantPkt = max(oldPkt, bytesBefore(s.m, off))
		}
		if r.exhausted {
			wantPkt = int(s.m.Pkt().Len) // depends on where it stopped
		}
		if int(s.m.Pkt().Len) != wantPkt {
			r.fail("m_copyback: pkthdr.len %d, want %d", s.m.Pkt().Len, wantPkt)
		}
		s.m.Pkt().Len = int32(len(want)) // a gap alone leaves it short
	}
	s.b = want
	return true
}

// bytesBefore sums the mbufs that lie wholly before offset off, stopping
// at the first one that reaches it.
func bytesBefore(m *Mbuf, off int) int {
	t := 0
	for ; m != nil && off > int(m.Len); m = m.Next {
		off -= int(m.Len)
		t += int(m.Len)
	}
	return t
}

func (r *model) opCopydata() bool {
	i := r.live(0)
	if i < 0 {
		return false
	}
	s := &r.s[i]
	off := r.upto(len(s.b))
	n := r.upto(len(s.b) - off)
	dst := make([]byte, n)
	r.p.CopyData(s.m, off, n, dst)
	if !bytes.Equal(dst, s.b[off:off+n]) {
		r.fail("m_copydata(%d, %d) wrong", off, n)
	}
	return true
}

func (r *model) opAdj() bool {
	i := r.live(0)
	if i < 0 {
		return false
	}
	s := &r.s[i]
	req := r.upto(len(s.b))
	if r.coin(10) {
		req = len(s.b) + 1 + r.rng.IntN(20)
	}
	neg := r.coin(50)
	r.logf("adj s%d %d neg=%v", i, req, neg)
	k := min(req, len(s.b))
	if neg {
		r.p.Adj(s.m, -req)
		s.b = s.b[:len(s.b)-k]
	} else {
		r.p.Adj(s.m, req)
		s.b = s.b[k:]
	}
	return true
}

func (r *model) opPrepend() bool {
	i := r.live(0)
	if i < 0 {
		return false
	}
	s := &r.s[i]
	room := MLEN
	if s.hdr {
		room = MHLEN
	}
	n := min(r.upto(room), modelMaxLen-len(s.b))
	r.logf("prepend s%d %d %s", i, n, shape(s.m))
	if r.coin(50) && s.m.LeadingSpace() >= n {
		s.m.Data -= uintptr(n) // M_PREPEND in place
		s.m.Len += int32(n)
	} else {
		m := r.p.Prepend(s.m, n, M_DONTWAIT)
		if m == nil {
			r.fail("m_prepend failed")
		}
		s.m = m
	}
	if s.hdr {
		s.m.Pkt().Len += int32(n)
	}
	src := r.bytes(n)
	copy(bytesAt(s.m.Data, n), src)
	s.b = cat(src, s.b)
	return true
}

// dropped records that an operation freed the chain of slot i.
func (r *model) dropped(i int) {
	r.s[i] = modelSlot{}
}

func (r *model) opPullup() bool {
	i := r.live(0)
	if i < 0 {
		return false
	}
	s := &r.s[i]
	n := r.upto(min(len(s.b), MHLEN))
	if r.coin(10) {
		n = r.upto(MCLBYTES)
	}
	r.logf("pullup s%d %d %s", i, n, shape(s.m))
	m := r.p.Pullup(s.m, n)
	must := n <= len(s.b) && n <= MHLEN
	if m == nil {
		if must {
			r.fail("m_pullup(%d) failed on %d bytes", n, len(s.b))
		}
		r.dropped(i)
		return true
	}
	if n > len(s.b) {
		r.fail("m_pullup(%d) succeeded on %d bytes", n, len(s.b))
	}
	if int(m.Len) < n {
		r.fail("m_pullup(%d): head holds only %d", n, m.Len)
	}
	s.m = m
	return true
}

func (r *model) opCopyup() bool {
	i := r.live(0)
	if i < 0 {
		return false
	}
	s := &r.s[i]
	dstoff := r.upto(MHLEN)
	n := r.upto(min(len(s.b), MHLEN-dstoff))
	if r.coin(10) {
		n = r.upto(MHLEN)
	}
	r.logf("copyup s%d %d %d %s", i, n, dstoff, shape(s.m))
	m := r.p.Copyup(s.m, n, dstoff)
	must := n <= len(s.b) && n <= MHLEN-dstoff
	if m == nil {
		if must {
			r.fail("m_copyup(%d, %d) failed on %d bytes", n, dstoff, len(s.b))
		}
		r.dropped(i)
		return true
	}
	if !must || int(m.Len) < n || m.LeadingSpace() != dstoff {
		r.fail("m_copyup(%d, %d): head %d bytes, %d leading", n, dstoff, m.Len, m.LeadingSpace())
	}
	s.m = m
	return true
}

func (r *model) opPulldown() bool {
	i := r.live(0)
	if i < 0 {
		return false
	}
	s := &r.s[i]
	off := r.upto(len(s.b))
	n := r.upto(min(len(s.b)-off, MCLBYTES))
	switch r.rng.IntN(12) {
	case 0:
		n = len(s.b) - off + 1 + r.rng.IntN(10)
	case 1:
		n = MCLBYTES + 1
	}
	wantOff := r.coin(60)
	r.logf("pulldown s%d off=%d n=%d wantoff=%v %s", i, off, n, wantOff, shape(s.m))
	x, o := r.p.Pulldown(s.m, off, n, wantOff)
	must := off < len(s.b) && off+n <= len(s.b) && n <= MCLBYTES
	if x == nil {
		if must && !r.exhausted {
			r.fail("m_pulldown failed")
		}
		r.dropped(i)
		return true
	}
	if !must {
		r.fail("m_pulldown succeeded")
	}
	inChain := false
	for y := s.m; y != nil; y = y.Next {
		inChain = inChain || y == x
	}
	if !inChain || (!wantOff && o != 0) || o+n > int(x.Len) ||
		!bytes.Equal(bytesAt(x.Data+uintptr(o), n), s.b[off:off+n]) {
		r.fail("m_pulldown: region not contiguous at the returned mbuf (offset %d)", o)
	}
	return true
}

func (r *model) opSplit() bool {
	i := r.live(0)
	if i < 0 {
		return false
	}
	s := &r.s[i]
	at := r.upto(len(s.b))
	if r.coin(5) {
		at = len(s.b) + 1 + r.rng.IntN(10)
	}
	r.logf("split s%d at %d %s", i, at, shape(s.m))
	n := r.p.Split(s.m, at, M_DONTWAIT)
	if at > len(s.b) {
		if n != nil {
			r.fail("m_split past the end returned a tail")
		}
		return true
	}
	if n == nil {
		if s.hdr || at < len(s.b) {
			r.fail("m_split(%d) of %d bytes failed", at, len(s.b))
		}
		return true
	}
	tail := append([]byte(nil), s.b[at:]...)
	s.b = s.b[:at]
	if s.hdr && (n.Flags&M_PKTHDR == 0 || n.Pkt().Tags != nil) {
		r.fail("m_split: the tail has no header, or has tags")
	}
	j := r.free()
	if j < 0 {
		r.checkChain("split tail", n, tail, map[*Mbuf]int{})
		r.p.Freem(n)
		return true
	}
	r.s[j] = modelSlot{m: n, b: tail, hdr: s.hdr}
	if !s.hdr && n.Flags&M_PKTHDR != 0 {
		r.adopt(&r.s[j])
	}
	return true
}

func (r *model) opCopy() bool {
	i := r.live(0)
	if i < 0 {
		return false
	}
	s := &r.s[i]
	kind := r.rng.IntN(3) // m_copym, m_dup, m_copypacket
	off := r.upto(len(s.b))
	all := r.coin(35)
	n := M_COPYALL
	if !all {
		n = r.upto(len(s.b) - off)
	}
	if kind == 2 && !s.hdr {
		kind = 0
	}
	var c *Mbuf
	switch kind {
	case 0:
		c = r.p.Copym(s.m, off, n, M_DONTWAIT)
	case 1:
		c = r.p.Dup(s.m, off, n, M_DONTWAIT)
	default:
		off, all = 0, true
		c = r.p.CopyPacket(s.m, M_DONTWAIT)
	}
	clen := n
	if all {
		clen = len(s.b) - off
	}
	r.logf("copy%d s%d off=%d len=%d", kind, i, off, clen)
	want := s.b[off : off+clen]
	if c == nil {
		if clen != 0 {
			r.fail("copy of %d bytes failed", clen)
		}
		return true
	}
	if clen == 0 && !(all && off == len(s.b)) && kind != 2 {
		r.fail("empty copy is not NULL")
	}
	hdr := off == 0 && s.hdr
	j := r.free()
	if j < 0 {
		r.checkChain("copy", c, want, map[*Mbuf]int{})
		r.p.Freem(c)
		return true
	}
	r.s[j] = modelSlot{m: c, b: append([]byte(nil), want...), hdr: hdr}
	if hdr {
		r.s[j].tags = append([]modelTag(nil), s.tags...)
	} else if c.Flags&M_PKTHDR != 0 {
		r.adopt(&r.s[j])
	}
	return true
}

func (r *model) opCat() bool {
	a := r.live(0)
	b := r.live(0)
	if a < 0 || b < 0 || a == b || len(r.s[a].b)+len(r.s[b].b) > modelMaxLen {
		return false
	}
	A, B := &r.s[a], &r.s[b]
	r.logf("cat s%d s%d %s + %s", a, b, shape(A.m), shape(B.m))
	r.p.Cat(A.m, B.m)
	if A.hdr {
		A.m.Pkt().Len += int32(len(B.b)) // m_cat leaves it to the caller
	}
	A.b = cat(A.b, B.b)
	*B = modelSlot{}
	return true
}

func (r *model) opMakeWritable() bool {
	i := r.live(0)
	if i < 0 {
		return false
	}
	s := &r.s[i]
	off := r.upto(len(s.b))
	n := r.upto(len(s.b) - off)
	switch r.rng.IntN(10) {
	case 0:
		n = M_COPYALL
	case 1:
		n = len(s.b) - off + r.rng.IntN(10)
	case 2:
		off = len(s.b) + r.rng.IntN(10)
	}
	r.logf("makewritable s%d off=%d n=%d %s", i, off, n, shape(s.m))
	if e := r.p.MakeWritable(&s.m, off, n, M_DONTWAIT); e != 0 {
		r.fail("m_makewritable = %d", e)
	}
	if end := min(off+n, len(s.b)); off < end && firstReadOnly(s.m, off, end-off) != nil {
		r.fail("m_makewritable left read-only storage in the range: %s", shape(s.m))
	}
	return true
}

func (r *model) opCopybackCow() bool {
	i := r.live(0)
	if i < 0 {
		return false
	}
	s := &r.s[i]
	off := r.upto(len(s.b))
	n := r.upto(len(s.b) - off)
	src := r.bytes(n)
	r.logf("copyback_cow s%d off=%d n=%d %s", i, off, n, shape(s.m))
	m := r.p.CopybackCow(s.m, off, n, src, M_DONTWAIT)
	if m == nil {
		r.fail("m_copyback_cow failed")
	}
	s.m = m
	copy(s.b[off:], src)
	return true
}

// opPoke writes through m_data after checking M_READONLY, as ported code
// does; a wrong read-only answer would corrupt a sharer.
func (r *model) opPoke() bool {
	i := r.live(0)
	if i < 0 || len(r.s[i].b) == 0 {
		return false
	}
	s := &r.s[i]
	pos := r.rng.IntN(len(s.b))
	n := 1 + r.rng.IntN(min(len(s.b)-pos, 64))
	r.logf("poke s%d %d %d %s", i, pos, n, shape(s.m))
	if firstReadOnly(s.m, pos, n) != nil {
		if e := r.p.MakeWritable(&s.m, pos, n, M_DONTWAIT); e != 0 {
			r.fail("m_makewritable = %d", e)
		}
	}
	src := r.bytes(n)
	at, k := 0, 0
	for m := s.m; m != nil && k < n; m = m.Next {
		if a := pos + k - at; a < int(m.Len) {
			if m.ReadOnly() {
				r.fail("poke: mbuf still read-only after m_makewritable")
			}
			c := min(int(m.Len)-a, n-k)
			copy(bytesAt(m.Data+uintptr(a), c), src[k:k+c])
			k += c
		}
		at += int(m.Len)
	}
	copy(s.b[pos:], src)
	return true
}

func (r *model) opGetptr() bool {
	i := r.live(0)
	if i < 0 {
		return false
	}
	s := &r.s[i]
	loc := r.upto(len(s.b))
	if r.coin(10) {
		loc = len(s.b) + 1
	}
	m, off := r.p.Getptr(s.m, loc)
	switch {
	case loc > len(s.b):
		if m != nil {
			r.fail("m_getptr past the end")
		}
	case loc == len(s.b):
		if m == nil || m.Next != nil || off != int(m.Len) {
			r.fail("m_getptr at the end")
		}
	default:
		if m == nil || off >= int(m.Len) || m.Bytes()[off] != s.b[loc] {
			r.fail("m_getptr(%d) wrong", loc)
		}
	}
	return true
}

func (r *model) opApply() bool {
	i := r.live(0)
	if i < 0 {
		return false
	}
	s := &r.s[i]
	off := r.upto(len(s.b))
	n := r.upto(len(s.b) - off)
	var got []byte
	ret := r.p.Apply(s.m, off, n, func(a uintptr, k int) int {
		got = append(got, bytesAt(a, k)...)
		return 0
	})
	if ret != 0 || !bytes.Equal(got, s.b[off:off+n]) {
		r.fail("m_apply(%d, %d) wrong", off, n)
	}
	return true
}

func (r *model) opMovePkthdr() bool {
	i := r.live(1)
	if i < 0 {
		return false
	}
	s := &r.s[i]
	n := r.p.Get(M_DONTWAIT, MT_DATA)
	r.p.MovePkthdr(n, s.m)
	n.Next = s.m
	s.m = n
	r.logf("movepkthdr s%d", i)
	return true
}

func (r *model) opTags() bool {
	i := r.live(1)
	if i < 0 {
		return false
	}
	s := &r.s[i]
	if len(s.tags) == 0 || r.coin(50) {
		if len(s.tags) < 5 {
			r.addTag(s)
		}
		return true
	}
	k := r.rng.IntN(len(s.tags))
	tg := s.m.Pkt().Tags
	for j := 0; j < k; j++ {
		tg = tg.Next
	}
	r.p.TagDelete(s.m, tg)
	s.tags = append(s.tags[:k:k], s.tags[k+1:]...)
	return true
}

// opSnapshot keeps a Copym of a packet whose bytes must never change
// while it shares storage with the packet (or frees one).
func (r *model) opSnapshot() bool {
	if len(r.snaps) > 0 && (len(r.snaps) == modelSnaps || r.coin(30)) {
		k := r.rng.IntN(len(r.snaps))
		r.p.Freem(r.snaps[k].m)
		r.snaps = append(r.snaps[:k:k], r.snaps[k+1:]...)
		return true
	}
	i := r.live(0)
	if i < 0 || len(r.s[i].b) == 0 {
		return false
	}
	s := &r.s[i]
	off := r.upto(len(s.b) - 1)
	c := r.p.Copym(s.m, off, M_COPYALL, M_DONTWAIT)
	if c == nil {
		r.fail("snapshot copy failed")
	}
	r.snaps = append(r.snaps, modelSnap{c, append([]byte(nil), s.b[off:]...)})
	r.logf("snapshot of s%d from %d", i, off)
	return true
}

// opViolation breaks a contract and checks that nothing changed.
func (r *model) opViolation() bool {
	i := r.live(0)
	if i < 0 {
		return false
	}
	s := &r.s[i]
	L := len(s.b)
	var f func()
	name := ""
	switch r.rng.IntN(10) {
	case 0:
		name, f = "copydata past the end", func() { r.p.CopyData(s.m, L, 1, make([]byte, 1)) }
	case 1:
		name, f = "copym past the end", func() { r.p.Copym(s.m, r.upto(L), L+1, M_DONTWAIT) }
	case 2:
		ro := (*Mbuf)(nil)
		pos := 0
		for m := s.m; m != nil && ro == nil; m = m.Next {
			if m.Len > 0 && m.ReadOnly() {
				ro = m
			} else {
				pos += int(m.Len)
			}
		}
		if ro == nil {
			return false
		}
		name, f = "copyback into read-only", func() { r.p.Copyback(s.m, pos, 1, []byte{0xff}) }
	case 3:
		name, f = "copyback_cow past the end", func() { r.p.CopybackCow(s.m, L, 1, []byte{1}, M_DONTWAIT) }
	case 4:
		name, f = "pulldown negative", func() { r.p.Pulldown(s.m, -1, 1, true) }
	case 5:
		name, f = "prepend too long", func() { r.p.Prepend(s.m, MLEN+1, M_DONTWAIT) }
	case 6:
		name, f = "pullup negative", func() { r.p.Pullup(s.m, -1) }
	case 7:
		name, f = "apply past the end", func() { r.p.Apply(s.m, 0, L+1, func(uintptr, int) int { return 0 }) }
	case 8:
		name, f = "copym negative", func() { r.p.Dup(s.m, -1, 0, M_DONTWAIT) }
	default:
		name, f = "copydata negative", func() { r.p.CopyData(s.m, 0, -1, nil) }
	}
	before := shape(s.m)
	mb, _, cl := r.p.Live()
	if v := Catch(name, f); v == nil {
		r.fail("%s: no violation", name)
	}
	if shape(s.m) != before {
		r.fail("%s: the chain changed: %s -> %s", name, before, shape(s.m))
	}
	if mb2, _, cl2 := r.p.Live(); mb2 != mb || cl2 != cl {
		r.fail("%s: allocations changed: %d/%d -> %d/%d", name, mb, cl, mb2, cl2)
	}
	r.logf("violation %s on s%d", name, i)
	return true
}

// opExhaust refuses clusters for a while (or ends that).
func (r *model) opExhaust() bool {
	r.setExhausted(!r.exhausted)
	r.logf("exhausted=%v", r.exhausted)
	return true
}

func (r *model) setExhausted(on bool) {
	r.exhausted = on
	if on {
		_, cl := r.p.Outstanding()
		*r.p.g.NMBClusters = int32(max(cl, 1))
	} else {
		*r.p.g.NMBClusters = 4096
	}
}
