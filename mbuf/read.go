package mbuf

import (
	"fmt"
	"io"
	"iter"
	"strings"
	"syscall"

	"github.com/libmbuf/libmbuf/core"
)

// ReadAt copies len(b) bytes at offset off into b (io.ReaderAt,
// m_copydata). Fewer bytes are copied only at the end of the packet,
// with io.EOF.
func (p *Packet) ReadAt(b []byte, off int64) (n int, err error) {
	m, err := p.head("m_copydata")
	if err != nil {
		return 0, err
	}
	size := 0
	if m != nil {
		size = int(m.Pkt().Len)
	}
	if off < 0 {
		return 0, errRange("m_copydata", int(off), len(b), size)
	}
	if off >= int64(size) {
		if len(b) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	defer recoverTo(&err, "m_copydata")
	n = core.Default().Read(m, int(off), b[:min(len(b), size-int(off))])
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// Bytes returns a copy of the packet's data (nil when empty or stale).
func (p *Packet) Bytes() []byte {
	n := p.Len()
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	if _, err := p.ReadAt(b, 0); err != nil {
		return nil
	}
	return b
}

// All iterates over the packet's data one buffer at a time, skipping
// empty mbufs: the slices are the packet's memory, to read (they may be
// shared with other packets), valid until the packet next changes. The
// iteration stops if the handle goes stale meanwhile (or at an mbuf that
// C code corrupted).
func (p *Packet) All() iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		m, err := p.head("All")
		if err != nil || checkChain("All", m) != nil {
			return
		}
		gen, pl := p.gen, core.Default()
		for ; m != nil && pl.IsLive(m); m = m.Next {
			if m.Len > 0 && !yield(m.Bytes()) {
				return
			}
			if p.gen != gen || !p.Valid() {
				return
			}
		}
	}
}

// WriteTo writes the packet's data to w (io.WriterTo), without copying
// it. When w is a socket (a syscall.Conn such as *net.UDPConn), the whole
// packet goes in one writev, so a datagram stays one datagram; any other
// writer gets one Write per buffer.
func (p *Packet) WriteTo(w io.Writer) (n int64, err error) {
	if _, err := p.head("WriteTo"); err != nil {
		return 0, err
	}
	if _, ok := w.(syscall.Conn); ok {
		k, err := WritePacket(w, p)
		return int64(k), err
	}
	for b := range p.All() {
		k, err := w.Write(b)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// ReadFrom appends what r yields until io.EOF to the packet (io.ReaderFrom),
// reading straight into its clusters. On an empty Packet it starts one.
// It returns the bytes appended and the first error other than io.EOF
// (ErrNoBufs when the pools run out; what was read stays appended).
func (p *Packet) ReadFrom(r io.Reader) (n int64, err error) {
	m, err := p.head("ReadFrom")
	if err != nil {
		return 0, err
	}
	if m == nil {
		if err := p.startWith("ReadFrom", nil); err != nil {
			return 0, err
		}
		m = p.m
	}
	pl := core.Default()
	for {
		tail := pl.Tail(m)
		if tail == nil {
			return n, noBufs("ReadFrom")
		}
		k, rerr := r.Read(core.TailSpace(tail))
		if k > 0 {
			core.Grow(m, tail, k)
			n += int64(k)
		}
		switch {
		case rerr == io.EOF:
			return n, nil
		case rerr != nil:
			return n, rerr
		}
	}
}

// Segment describes one mbuf of a chain.
type Segment struct {
	Len      int    // m_len
	Flags    Flags  // m_flags
	Ext      bool   // external storage (cluster or attached buffer)
	Cluster  bool   // the storage is a cluster
	Shared   bool   // the storage has other references
	ReadOnly bool   // M_READONLY: writes must copy first
	Data     []byte // the mbuf's data: the packet's memory, valid until it changes
}

// Segments describes the mbufs of the chain, first to last.
func (p *Packet) Segments() []Segment {
	m, err := p.head("Segments")
	if err != nil || checkChain("Segments", m) != nil {
		return nil
	}
	var out []Segment
	for pl := core.Default(); m != nil && pl.IsLive(m); m = m.Next {
		s := Segment{Len: int(m.Len), Flags: Flags(m.Flags), Ext: m.Flags&core.M_EXT != 0,
			Cluster: m.Flags&core.M_EXT_CLUSTER != 0, ReadOnly: m.ReadOnly(), Data: m.Bytes()}
		s.Shared = s.Ext && m.Ext().RefCnt > 1
		out = append(out, s)
	}
	return out
}

// String shows the chain: the length, then each mbuf's length and flags,
// e.g. "Packet(1500 bytes: 1500 EXT|PKTHDR|EXT_CLUSTER|EXT_RW)".
func (p *Packet) String() string {
	if _, err := p.head("String"); err != nil {
		return "Packet(stale handle)"
	}
	if p.m == nil {
		return "Packet(empty)"
	}
	var parts []string
	for _, s := range p.Segments() {
		x := fmt.Sprint(s.Len)
		if f := s.Flags.String(); f != "" {
			x += " " + f
		}
		if s.Shared {
			x += " shared"
		}
		parts = append(parts, x)
	}
	return fmt.Sprintf("Packet(%d bytes: %s)", p.Len(), strings.Join(parts, " -> "))
}
