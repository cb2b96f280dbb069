// Package mbuf gives Go programs NetBSD's mbuf chains without C: the
// pure-Go core of libmbuf (off-heap mbufs and clusters, the 2007
// uipc_mbuf.c algorithms, packet tags, statistics) behind a small API.
//
// A Packet is a chain with a packet header. It is built from bytes
// (copied into mbufs and clusters) or from a Go []byte used as external
// storage without a copy (Attach). Operations are those of NetBSD: Adj,
// Prepend, Pullup, Pulldown, Split, Copy (m_copym: storage shared,
// read-only while shared), Dup (deep), Cat, Copyback (copy-on-write of
// shared storage). A Packet must be freed with Free; memory of the pools
// lives outside the Go heap, so the garbage collector never frees it.
//
// Contract violations (an offset beyond the chain, a freed packet) are
// returned as errors of type *Error with the function and the bad value;
// they never panic. A Packet is not safe for concurrent use; different
// packets may be used from different goroutines.
//
// The pools are process-wide (core.Default). In a program that also loads
// libmbuf.so through cgo, use the C API instead; the two do not share
// pools.
//
// Attach pins the []byte (runtime.Pinner) and keeps it in the core's table
// of Go-owned storage, keyed by the descriptor's ext_arg, until the last
// reference goes: the pure-Go counterpart of the go-pointer handles with
// which libmbuf.so holds Python owners for C.
package mbuf

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"github.com/libmbuf/libmbuf/core"
)

// Sizes of the NetBSD 2007 LP64 ABI.
const (
	MSIZE     = core.MSIZE     // bytes in one mbuf
	MLEN      = core.MLEN      // data room of a plain mbuf
	MHLEN     = core.MHLEN     // data room of a header mbuf
	MCLBYTES  = core.MCLBYTES  // bytes in one cluster
	MINCLSIZE = core.MINCLSIZE // smallest length worth a cluster
)

// Flags of an mbuf (m_flags); the full set is in package core.
const (
	M_EXT         = core.M_EXT
	M_PKTHDR      = core.M_PKTHDR
	M_EOR         = core.M_EOR
	M_BCAST       = core.M_BCAST
	M_MCAST       = core.M_MCAST
	M_EXT_CLUSTER = core.M_EXT_CLUSTER
	M_EXT_RW      = core.M_EXT_RW
)

// Packet tag ids of the NetBSD header used in the examples.
const (
	PACKET_TAG_VLAN  = 1
	PACKET_TAG_ENCAP = 2
)

// Error is a broken contract: the NetBSD function and what was wrong.
type Error = core.Violation

// pools is the process-wide core used by every Packet.
func pools() *core.Pools { return core.Default() }

// catch runs f, turning a violation into an error.
func catch(fn string, f func()) error {
	if v := core.Catch(fn, f); v != nil {
		return v
	}
	return nil
}

var errNoMem = &Error{Func: "mbuf", Msg: "out of mbufs or clusters"}

// ErrNoBufs reports an allocation failure (the pools' limits).
var ErrNoBufs error = errNoMem

// Packet is an mbuf chain with a packet header.
type Packet struct {
	m *core.Mbuf
}

func (p *Packet) head(fn string) (*core.Mbuf, error) {
	if p == nil || p.m == nil {
		return nil, &Error{Func: fn, Msg: "packet was freed or consumed"}
	}
	return p.m, nil
}

// New returns a packet holding a copy of data: a header mbuf, with
// clusters when data does not fit in MHLEN bytes.
func New(data []byte) (*Packet, error) {
	var top *core.Mbuf
	err := catch("mbuf.New", func() {
		top = build(pools(), data)
	})
	if err != nil {
		return nil, err
	}
	if top == nil {
		return nil, ErrNoBufs
	}
	return &Packet{m: top}, nil
}

func build(p *core.Pools, data []byte) *core.Mbuf {
	var top, last *core.Mbuf
	left := data
	for first := true; first || len(left) > 0; first = false {
		var m *core.Mbuf
		room := MLEN
		switch {
		case first && len(left) > MHLEN:
			m, room = p.GetCl(core.M_DONTWAIT, core.MT_DATA, core.M_PKTHDR), MCLBYTES
		case first:
			m, room = p.GetHdr(core.M_DONTWAIT, core.MT_DATA), MHLEN
		case len(left) > MLEN:
			m, room = p.GetCl(core.M_DONTWAIT, core.MT_DATA, 0), MCLBYTES
		default:
			m = p.Get(core.M_DONTWAIT, core.MT_DATA)
		}
		if m == nil {
			p.Freem(top)
			return nil
		}
		n := copy(unsafe.Slice((*byte)(ptr(m.Data)), room), left)
		m.Len = int32(n)
		left = left[n:]
		if top == nil {
			top = m
		} else {
			last.Next = m
		}
		last = m
	}
	top.Pkt().Len = int32(len(data))
	return top
}

// Attach returns a packet whose storage is buf itself, without a copy
// (MEXTADD). buf is pinned and kept alive until the last mbuf referring
// to it is freed; release, if not nil, runs then, exactly once. writable
// lets the library write into buf (M_EXT_RW).
func Attach(buf []byte, writable bool, release func()) (*Packet, error) {
	p := pools()
	var m *core.Mbuf
	err := catch("mbuf.Attach", func() {
		m = p.GetHdr(core.M_DONTWAIT, core.MT_DATA)
		if m == nil {
			return
		}
		var pin runtime.Pinner
		var base uintptr
		if len(buf) > 0 {
			pin.Pin(&buf[0])
			base = uintptr(unsafe.Pointer(&buf[0]))
		}
		p.ExtAddGo(m, base, len(buf), writable, func() {
			pin.Unpin()
			runtime.KeepAlive(buf)
			if release != nil {
				release()
			}
		})
		m.Len = int32(len(buf))
		m.Pkt().Len = int32(len(buf))
	})
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, ErrNoBufs
	}
	return &Packet{m: m}, nil
}

// Free frees the chain (m_freem). Freeing twice is harmless.
func (p *Packet) Free() {
	if p != nil && p.m != nil {
		m := p.m
		p.m = nil
		pools().Freem(m)
	}
}

// Len is the packet's length (pkthdr.len).
func (p *Packet) Len() int {
	if p == nil || p.m == nil {
		return 0
	}
	return core.Length(p.m)
}

// Bytes returns a copy of the packet's data.
func (p *Packet) Bytes() []byte {
	b, _ := p.Read(0, p.Len())
	return b
}

// Read returns a copy of n bytes at off (m_copydata).
func (p *Packet) Read(off, n int) ([]byte, error) {
	m, err := p.head("m_copydata")
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, &Error{Func: "m_copydata", Msg: fmt.Sprintf("off %d, len %d", off, n)}
	}
	out := make([]byte, n)
	return out, catch("m_copydata", func() { pools().CopyData(m, off, n, out) })
}

// ReadInto copies len(dst) bytes at off into dst (m_copydata), without
// allocating.
func (p *Packet) ReadInto(dst []byte, off int) error {
	m, err := p.head("m_copydata")
	if err != nil {
		return err
	}
	return catch("m_copydata", func() { pools().CopyData(m, off, len(dst), dst) })
}

// Adj trims n bytes from the head (n > 0) or -n from the tail (m_adj).
func (p *Packet) Adj(n int) error {
	m, err := p.head("m_adj")
	if err != nil {
		return err
	}
	return catch("m_adj", func() { pools().Adj(m, n) })
}

// Prepend puts data in front of the packet (M_PREPEND: in place when the
// first mbuf has room, else in a new mbuf).
func (p *Packet) Prepend(data []byte) error {
	m, err := p.head("M_PREPEND")
	if err != nil {
		return err
	}
	n := len(data)
	if n > MHLEN {
		return &Error{Func: "M_PREPEND", Msg: fmt.Sprintf("len %d (more than MHLEN)", n)}
	}
	return catch("M_PREPEND", func() {
		if m.LeadingSpace() >= n {
			m.Data -= uintptr(n)
			m.Len += int32(n)
		} else if m = pools().Prepend(m, n, core.M_DONTWAIT); m == nil {
			p.m = nil
			panic(&Error{Func: "m_prepend", Msg: "out of mbufs; the chain was freed"})
		}
		p.m = m
		if m.Flags&core.M_PKTHDR != 0 {
			m.Pkt().Len += int32(n)
		}
		copy(unsafe.Slice((*byte)(ptr(m.Data)), n), data)
	})
}

// Pullup makes the first n bytes contiguous in the first mbuf (m_pullup).
// On failure the chain is freed, as in NetBSD, and p is empty.
func (p *Packet) Pullup(n int) error {
	m, err := p.head("m_pullup")
	if err != nil {
		return err
	}
	return catch("m_pullup", func() {
		p.m = pools().Pullup(m, n)
		if p.m == nil {
			panic(&Error{Func: "m_pullup", Msg: fmt.Sprintf("cannot make %d bytes contiguous; the chain was freed", n)})
		}
	})
}

// Pulldown makes [off, off+n) contiguous in one mbuf (m_pulldown) and
// returns it as a slice of the packet's memory (valid until the packet
// changes). On failure the chain is freed and p is empty.
func (p *Packet) Pulldown(off, n int) ([]byte, error) {
	m, err := p.head("m_pulldown")
	if err != nil {
		return nil, err
	}
	var seg []byte
	err = catch("m_pulldown", func() {
		x, o := pools().Pulldown(m, off, n, true)
		if x == nil {
			p.m = nil
			panic(&Error{Func: "m_pulldown", Msg: fmt.Sprintf("cannot make [%d, %d) contiguous; the chain was freed", off, off+n)})
		}
		seg = x.Bytes()[o : o+n]
	})
	return seg, err
}

// Split cuts the packet after off bytes and returns the tail (m_split).
func (p *Packet) Split(off int) (*Packet, error) {
	m, err := p.head("m_split")
	if err != nil {
		return nil, err
	}
	if off > p.Len() {
		return nil, &Error{Func: "m_split", Msg: fmt.Sprintf("offset %d beyond the packet (%d bytes)", off, p.Len())}
	}
	return wrap("m_split", func() *core.Mbuf { return pools().Split(m, off, core.M_DONTWAIT) })
}

func wrap(fn string, f func() *core.Mbuf) (*Packet, error) {
	var r *core.Mbuf
	if err := catch(fn, func() { r = f() }); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, ErrNoBufs
	}
	return &Packet{m: r}, nil
}

// Copy returns n bytes at off (n < 0: to the end) as a new packet
// sharing the storage (m_copym): both packets see it read-only until one
// is freed. The copy has a packet header (a duplicate of p's, tags
// included) whatever off is; an empty range is an empty packet.
func (p *Packet) Copy(off, n int) (*Packet, error) {
	m, err := p.head("m_copym")
	if err != nil {
		return nil, err
	}
	if n < 0 {
		n = core.M_COPYALL
	}
	return wrap("m_copym", func() *core.Mbuf { return pools().CopyRange(m, off, n, false) })
}

// Dup returns a deep copy of the whole packet (m_dup).
func (p *Packet) Dup() (*Packet, error) {
	m, err := p.head("m_dup")
	if err != nil {
		return nil, err
	}
	return wrap("m_dup", func() *core.Mbuf { return pools().CopyRange(m, 0, core.M_COPYALL, true) })
}

// Cat appends q to p (m_cat); q is consumed (its tags are dropped).
func (p *Packet) Cat(q *Packet) error {
	m, err := p.head("m_cat")
	if err != nil {
		return err
	}
	n, err := q.head("m_cat")
	if err != nil {
		return err
	}
	if m == n {
		return &Error{Func: "m_cat", Msg: "a packet cannot be appended to itself"}
	}
	length := q.Len()
	return catch("m_cat", func() {
		if n.Flags&core.M_PKTHDR != 0 {
			pools().TagDeleteChain(n, nil)
			n.Flags &^= core.M_PKTHDR
		}
		q.m = nil
		pools().Cat(m, n)
		if m.Flags&core.M_PKTHDR != 0 {
			m.Pkt().Len += int32(length)
		}
	})
}

// Copyback writes data at off: copy-on-write of shared or read-only
// storage inside the packet (m_copyback_cow), extension past its end
// (m_copyback, zero-filling a gap).
func (p *Packet) Copyback(off int, data []byte) error {
	m, err := p.head("m_copyback")
	if err != nil {
		return err
	}
	inside := min(max(0, p.Len()-off), len(data))
	return catch("m_copyback", func() {
		if inside > 0 {
			if m = pools().CopybackCow(m, off, inside, data[:inside], core.M_DONTWAIT); m == nil {
				p.m = nil
				panic(&Error{Func: "m_copyback_cow", Msg: "out of mbufs; the chain was freed"})
			}
			p.m = m
		}
		if rest := data[inside:]; len(rest) > 0 {
			pools().Copyback(m, off+inside, len(rest), rest)
		}
	})
}

// SetTag replaces the tags of id with one holding payload.
func (p *Packet) SetTag(id uint16, payload []byte) error {
	m, err := p.head("m_tag_get")
	if err != nil {
		return err
	}
	if m.Flags&core.M_PKTHDR == 0 {
		return &Error{Func: "m_tag_get", Msg: "packet has no packet header"}
	}
	return catch("m_tag_get", func() {
		pl := pools()
		t := pl.TagGet(int(id), len(payload), core.M_DONTWAIT)
		if t == nil {
			panic(&Error{Func: "m_tag_get", Msg: "out of memory"})
		}
		copy(t.Payload(), payload)
		for old := pl.TagFind(m, int(id), nil); old != nil; old = pl.TagFind(m, int(id), nil) {
			pl.TagDelete(m, old)
		}
		pl.TagPrepend(m, t)
	})
}

// Tag returns a copy of the payload of the first tag of id.
func (p *Packet) Tag(id uint16) ([]byte, bool) {
	m, err := p.head("m_tag_find")
	if err != nil || m.Flags&core.M_PKTHDR == 0 {
		return nil, false
	}
	t := pools().TagFind(m, int(id), nil)
	if t == nil {
		return nil, false
	}
	return append([]byte(nil), t.Payload()...), true
}

// DeleteTag removes every tag of id; it reports whether there was one.
func (p *Packet) DeleteTag(id uint16) bool {
	m, err := p.head("m_tag_delete")
	if err != nil || m.Flags&core.M_PKTHDR == 0 {
		return false
	}
	found := false
	for t := pools().TagFind(m, int(id), nil); t != nil; t = pools().TagFind(m, int(id), nil) {
		pools().TagDelete(m, t)
		found = true
	}
	return found
}

// Tags returns the ids of the packet's tags, first to last.
func (p *Packet) Tags() []uint16 {
	m, err := p.head("m_tag_first")
	if err != nil || m.Flags&core.M_PKTHDR == 0 {
		return nil
	}
	var ids []uint16
	for t := pools().TagFirst(m); t != nil; t = pools().TagNext(m, t) {
		ids = append(ids, t.ID)
	}
	return ids
}

// Segment describes one mbuf of a chain.
type Segment struct {
	Len      int    // m_len
	Flags    int32  // m_flags
	Ext      bool   // external storage (cluster or attached buffer)
	Cluster  bool   // the storage is a cluster
	Shared   bool   // the storage has other references
	ReadOnly bool   // M_READONLY
	Data     []byte // the mbuf's data (the packet's memory: do not keep)
}

// Segments describes the mbufs of the chain, first to last.
func (p *Packet) Segments() []Segment {
	var out []Segment
	if p == nil {
		return nil
	}
	for m := p.m; m != nil; m = m.Next {
		s := Segment{Len: int(m.Len), Flags: m.Flags, Ext: m.Flags&core.M_EXT != 0,
			Cluster: m.Flags&core.M_EXT_CLUSTER != 0, ReadOnly: m.ReadOnly(), Data: m.Bytes()}
		s.Shared = s.Ext && m.Ext().RefCnt > 1
		out = append(out, s)
	}
	return out
}

// FlagNames spells m_flags as NetBSD's M_FLAGS_BITS does, e.g. "EXT|PKTHDR".
func FlagNames(flags int32) string {
	var names []string
	for _, f := range flagNames {
		if flags&f.bit != 0 {
			names = append(names, f.name)
		}
	}
	return strings.Join(names, "|")
}

var flagNames = []struct {
	bit  int32
	name string
}{
	{core.M_EXT, "EXT"}, {core.M_PKTHDR, "PKTHDR"}, {core.M_EOR, "EOR"},
	{core.M_PROTO1, "PROTO1"}, {core.M_BCAST, "BCAST"}, {core.M_MCAST, "MCAST"},
	{core.M_EXT_CLUSTER, "EXT_CLUSTER"}, {core.M_EXT_RW, "EXT_RW"}, {core.M_EXT_ROMAP, "EXT_ROMAP"},
}

// String shows the chain: length, then each mbuf's length and flags.
func (p *Packet) String() string {
	if p == nil || p.m == nil {
		return "Packet(freed)"
	}
	var parts []string
	for _, s := range p.Segments() {
		x := fmt.Sprint(s.Len)
		if f := FlagNames(s.Flags); f != "" {
			x += " " + f
		}
		if s.Shared {
			x += " shared"
		}
		parts = append(parts, x)
	}
	return fmt.Sprintf("Packet(%d bytes: %s)", p.Len(), strings.Join(parts, " -> "))
}

// Stats are the pools' counters.
type Stats struct {
	Mbufs, Zombies, Clusters int   // live objects now
	Tags                     int   // live packet tags
	Drops, Waits, Drains     int64 // mbstat.m_drops, m_wait, m_drain
	DataMbufs                int64 // live mbufs of type MT_DATA
}

// ReadStats returns the pools' statistics.
func ReadStats() Stats {
	p := pools()
	var s Stats
	s.Mbufs, s.Zombies, s.Clusters = p.Live()
	s.Tags = p.LiveTags()
	st := p.Globals().Stat
	s.Drops, s.Waits, s.Drains = int64(st.Drops), int64(st.Wait), int64(st.Drain)
	s.DataMbufs = p.GoTypeCount(core.MT_DATA)
	return s
}

func ptr(a uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }
