package mbuf

import (
	"runtime"
	"unsafe"

	"github.com/libmbuf/libmbuf/core"
)

// noCopy makes go vet's copylocks check report copies of a Packet.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// Packet is a handle on an mbuf chain with a packet header: its first
// mbuf and the generation number it owns (see the package documentation).
// The zero Packet is empty.
type Packet struct {
	_     noCopy
	m     *core.Mbuf // first mbuf; nil when empty
	gen   uint32     // the generation this handle owns (odd)
	watch *watch     // leak tracking; nil unless this packet is watched
}

// head returns the first mbuf of the packet: nil for an empty Packet,
// ErrFreed for a stale handle.
func (p *Packet) head(fn string) (*core.Mbuf, error) {
	if p.m == nil {
		return nil, nil
	}
	if !core.Default().HandleLive(p.m, p.gen) {
		return nil, freed(fn)
	}
	return p.m, nil
}

// headLen is head and the packet's length (0 when empty).
func (p *Packet) headLen(fn string) (*core.Mbuf, int, error) {
	m, err := p.head(fn)
	if m == nil {
		return nil, 0, err
	}
	return m, int(m.Pkt().Len), nil
}

// made returns a handle owning m, a chain fresh from the core.
func made(m *core.Mbuf) Packet {
	gen := core.Default().Own(m)
	return Packet{m: m, gen: gen, watch: maybeWatch(m, gen)}
}

// start makes the empty p own m.
func (p *Packet) start(m *core.Mbuf) {
	q := made(m)
	p.m, p.gen, p.watch = q.m, q.gen, q.watch
}

// retire gives up the ownership of the first mbuf before an operation that
// may replace it: copies of this handle go stale even if the new first
// mbuf reuses the slot. setHead then owns the result.
func (p *Packet) retire() { core.Default().Release(p.m, p.gen) }

// setHead makes p own head m (nil: p is empty; the chain is gone).
func (p *Packet) setHead(m *core.Mbuf) {
	p.m = m
	if m == nil {
		p.gen, p.watch = 0, nil
		return
	}
	p.gen = core.Default().Own(m)
	if p.watch != nil {
		p.watch.follow(m, p.gen)
	}
}

// New returns a packet holding a copy of data (a header mbuf, with
// clusters when data does not fit in it).
func New(data []byte) (Packet, error) {
	m := core.Default().Build(data)
	if m == nil {
		return Packet{}, noBufs("mbuf.New")
	}
	return made(m), nil
}

// Free frees the packet (m_freem) and leaves p empty. It is idempotent
// and does nothing on a stale handle (one of its copies freed the packet
// already). A chain found corrupt (by C code sharing it) is reported on
// standard error and left alone; Free never panics.
func (p *Packet) Free() {
	m, gen := p.m, p.gen
	p.m, p.gen, p.watch = nil, 0, nil
	if m == nil {
		return
	}
	pl := core.Default()
	if pl.Release(m, gen) {
		freeChain(pl, m)
	}
}

func freeChain(pl *core.Pools, m *core.Mbuf) {
	defer func() {
		if r := recover(); r != nil {
			report("Free: " + fromPanic("m_freem", r).Error())
		}
	}()
	pl.Freem(m)
}

// Take moves the packet out of p, which is left empty: how ownership is
// handed on, e.g. from a function returning a Packet it built
// (return p.Take(), nil), since go vet rejects copies.
func (p *Packet) Take() Packet {
	m, gen, w := p.m, p.gen, p.watch
	p.m, p.gen, p.watch = nil, 0, nil
	return Packet{m: m, gen: gen, watch: w}
}

// Len is the packet's length in bytes (pkthdr.len); 0 for an empty
// Packet or a stale handle.
func (p *Packet) Len() int {
	if p.m == nil || !core.Default().HandleLive(p.m, p.gen) {
		return 0
	}
	return int(p.m.Pkt().Len)
}

// Valid reports whether p owns a packet (an empty Packet does not).
func (p *Packet) Valid() bool { return p.m != nil && core.Default().HandleLive(p.m, p.gen) }

// Clone returns a copy of the whole packet that shares its storage
// (m_copym of everything): a tap or retransmission copy. Both packets see
// the shared storage read-only; writing through either (WriteAt, Header)
// copies first.
func (p *Packet) Clone() (_ Packet, err error) {
	m, err := p.head("m_copypacket")
	if err != nil || m == nil {
		return Packet{}, err
	}
	defer recoverTo(&err, "m_copypacket")
	c := core.Default().CopyPacket(m, core.M_DONTWAIT)
	if c == nil {
		return Packet{}, noBufs("m_copypacket")
	}
	return made(c), nil
}

// Copy returns n bytes at off (n < 0: to the end) as a new packet sharing
// the storage (m_copym). The copy has a packet header, a duplicate of p's
// with its tags, whatever off is; an empty range is an empty packet.
func (p *Packet) Copy(off, n int) (Packet, error) {
	return p.copy("m_copym", off, n, false)
}

// Dup returns a deep copy of the packet (m_dup): nothing is shared.
func (p *Packet) Dup() (Packet, error) { return p.copy("m_dup", 0, -1, true) }

func (p *Packet) copy(fn string, off, n int, deep bool) (_ Packet, err error) {
	m, err := p.head(fn)
	if err != nil {
		return Packet{}, err
	}
	size := 0
	if m != nil {
		size = int(m.Pkt().Len)
	}
	if n < 0 {
		n = size - off
	}
	if off < 0 || off > size || n < 0 || n > size-off {
		return Packet{}, errRange(fn, off, n, size)
	}
	if m == nil {
		return Packet{}, nil
	}
	defer recoverTo(&err, fn)
	c := core.Default().CopyRange(m, off, n, deep)
	if c == nil {
		return Packet{}, noBufs(fn)
	}
	return made(c), nil
}

// Split cuts the packet after off bytes and returns the rest as a new
// packet (m_split); p keeps the first off bytes. Storage at the cut is
// shared. The new packet's header carries only the length (NetBSD keeps
// tags and flags with the first part).
func (p *Packet) Split(off int) (_ Packet, err error) {
	m, size, err := p.headLen("m_split")
	if err != nil {
		return Packet{}, err
	}
	if off < 0 || off > size {
		return Packet{}, errRange("m_split", off, 0, size)
	}
	if m == nil {
		return Packet{}, nil
	}
	defer recoverTo(&err, "m_split")
	t := core.Default().Split(m, off, core.M_DONTWAIT)
	if t == nil {
		return Packet{}, noBufs("m_split")
	}
	return made(t), nil
}

// Cat appends q to p (m_cat) and leaves q empty: q's mbufs become part of
// p, its tags are dropped. An empty q appends nothing; an empty p takes q.
func (p *Packet) Cat(q *Packet) (err error) {
	m, err := p.head("m_cat")
	if err != nil {
		return err
	}
	n, err := q.head("m_cat")
	if err != nil || n == nil {
		return err
	}
	if m == n {
		return errorf(ErrInvalid, "m_cat", "a packet cannot be appended to itself")
	}
	if m == nil {
		*p = q.Take()
		return nil
	}
	pl := core.Default()
	defer recoverTo(&err, "m_cat")
	length := n.Pkt().Len
	pl.Release(n, q.gen)
	q.m, q.gen, q.watch = nil, 0, nil
	pl.TagDeleteChain(n, nil)
	n.Flags &^= core.M_PKTHDR
	pl.Cat(m, n)
	m.Pkt().Len += length
	return nil
}

// Attach returns a packet whose storage is buf itself, without a copy
// (MEXTADD). buf is pinned and kept alive until the last mbuf referring to
// it is freed; release, if not nil, runs then, exactly once (on the
// goroutine that frees last). writable lets the library write into buf
// (M_EXT_RW); otherwise writes copy first.
func Attach(buf []byte, writable bool, release func()) (_ Packet, err error) {
	defer recoverTo(&err, "MEXTADD")
	pl := core.Default()
	m := pl.GetHdr(core.M_DONTWAIT, core.MT_DATA)
	if m == nil {
		return Packet{}, noBufs("MEXTADD")
	}
	var pin runtime.Pinner
	var base uintptr
	if len(buf) > 0 {
		pin.Pin(&buf[0])
		base = uintptr(unsafe.Pointer(&buf[0]))
	}
	pl.ExtAddGo(m, base, len(buf), writable, func() {
		pin.Unpin()
		runtime.KeepAlive(buf)
		if release != nil {
			release()
		}
	})
	m.Len = int32(len(buf))
	m.Pkt().Len = int32(len(buf))
	return made(m), nil
}
