package core

// Operations on whole packets for the Go API (package mbuf), where every
// chain a caller holds has a packet header. They are built from the
// NetBSD primitives; what they add is that rule.

// CopyRange returns a packet holding bytes [off, off+n) of packet m
// (n may be M_COPYALL: to the end), or nil when memory is short. As with
// m_copym, external storage is shared (deep: copied, as m_dup); unlike
// m_copym, the copy always gets a packet header (a duplicate of m's, tags
// included, with pkthdr.len = the bytes copied), whatever off is, and an
// empty range is an empty packet, not a failure. MCFail counts only
// allocation failures.
func (p *Pools) CopyRange(m *Mbuf, off, n int, deep bool) *Mbuf {
	fn := "m_copym"
	if deep {
		fn = "m_dup"
	}
	// the head here; copym0 checks the whole chain and the range
	p.CheckMbuf(fn, m)
	needHdr(fn, m)
	if n == M_COPYALL {
		n = int(m.Pkt().Len) - off
	}
	if off < 0 || n < 0 || off > int(m.Pkt().Len) {
		violate(fn, "off %d, len %d outside a packet of %d bytes", off, n, m.Pkt().Len)
	}
	if n == 0 {
		h := p.allocHdr(M_DONTWAIT, int(m.Type))
		if h == nil {
			return nil
		}
		claimFor(h, m.Owner)
		p.copyPkthdr(h, m)
		h.Pkt().Len = 0
		return h
	}
	c := p.copym0(fn, m, off, n, M_DONTWAIT, deep)
	if c == nil || c.Flags&M_PKTHDR != 0 {
		return c
	}
	return p.addPkthdr(c, m, n)
}

// addPkthdr gives chain c (n bytes, no packet header) a duplicate of
// src's header. The first mbuf takes it in place when its data can live
// beside one (external storage, or at most MHLEN bytes of its own, moved
// to m_pktdat); otherwise an empty header mbuf goes in front. On
// allocation failure c is freed and nil returned.
func (p *Pools) addPkthdr(c, src *Mbuf, n int) *Mbuf {
	switch {
	case c.Flags&M_EXT != 0:
	case int(c.Len) <= MHLEN:
		memmove(c.PktDatAddr(), c.Data, int(c.Len))
		c.Data = c.PktDatAddr()
	default:
		h := p.alloc(M_DONTWAIT, int(c.Type))
		if h == nil {
			p.freeChain(c)
			return nil
		}
		claimFor(h, c.Owner)
		h.Data = h.PktDatAddr()
		h.Next = c
		c = h
	}
	copyPktHdr(c.Pkt(), src.Pkt())
	setPtr(&c.Pkt().Tags, nil)
	c.Pkt().Len = int32(n)
	c.Flags |= src.Flags & M_COPYFLAGS
	p.tagCopyChain(c, src)
	return c
}

// Build returns a packet holding a copy of data: a header mbuf (with a
// cluster when data does not fit in MHLEN), then clusters, or a plain
// mbuf for a tail of at most MLEN bytes; nil when memory is short.
func (p *Pools) Build(data []byte) *Mbuf {
	if len(data) <= MHLEN { // the common small packet: one header mbuf
		m := p.allocHdr(M_DONTWAIT, MT_DATA)
		if m != nil {
			m.Len = int32(copy(bytesAt(m.Data, MHLEN), data))
			m.Pkt().Len = m.Len
		}
		return m
	}
	m := p.getcl(M_DONTWAIT, MT_DATA, M_PKTHDR)
	if m == nil {
		return nil
	}
	if !p.appendBytes(m, m, data) {
		p.free(m)
		return nil
	}
	return m
}

// AppendBytes appends a copy of data to packet m: into the trailing space
// of its last mbuf when that is writable, then into new mbufs and
// clusters. All or nothing: false, with m unchanged, when memory is short.
func (p *Pools) AppendBytes(m *Mbuf, data []byte) bool {
	p.needChain("m_append", m)
	needHdr("m_append", m)
	return p.appendBytes(m, lastOf(m), data)
}

func (p *Pools) appendBytes(m, last *Mbuf, data []byte) bool {
	room := min(last.TrailingSpace(), len(data))
	var top *Mbuf
	np := &top
	for rest := data[room:]; len(rest) > 0; {
		var x *Mbuf
		capacity := MLEN
		if len(rest) > MLEN {
			x, capacity = p.getcl(M_DONTWAIT, int(m.Type), 0), MCLBYTES
		} else {
			x = p.alloc(M_DONTWAIT, int(m.Type))
		}
		if x == nil {
			p.freeChain(top)
			return false
		}
		claimFor(x, m.Owner)
		x.Len = int32(copy(bytesAt(x.Data, capacity), rest))
		rest = rest[x.Len:]
		*np = x
		np = &x.Next
	}
	copy(bytesAt(last.Data+uintptr(last.Len), room), data)
	last.Len += int32(room)
	last.Next = top
	m.Pkt().Len += int32(len(data))
	return true
}

// Tail returns the last mbuf of packet m if it has writable trailing
// space, else a new mbuf with a cluster linked after it; nil when memory
// is short. The caller writes into the space and then calls Grow.
func (p *Pools) Tail(m *Mbuf) *Mbuf {
	p.needChain("m_append", m)
	needHdr("m_append", m)
	last := lastOf(m)
	if last.TrailingSpace() > 0 {
		return last
	}
	x := p.getcl(M_DONTWAIT, int(m.Type), 0)
	if x == nil {
		return nil
	}
	claimFor(x, m.Owner)
	last.Next = x
	return x
}

// Grow accounts for n bytes written into the trailing space of tail, the
// last mbuf of packet m.
func Grow(m, tail *Mbuf, n int) {
	if n < 0 || n > tail.TrailingSpace() || tail.Next != nil {
		violate("m_append", "grow by %d bytes, %d bytes of room", n, tail.TrailingSpace())
	}
	tail.Len += int32(n)
	m.Pkt().Len += int32(n)
}

// TailSpace is the writable room after the data of mbuf m, as a slice.
func TailSpace(m *Mbuf) []byte {
	return bytesAt(m.Data+uintptr(m.Len), m.TrailingSpace())
}

// Contiguous makes the first n bytes of packet m contiguous and writable
// in its first mbuf and returns the head: m itself when they already are,
// else a new header mbuf (with a cluster when n > MHLEN) holding a copy of
// them, the packet header moved to it and the bytes dropped from the old
// chain. Unlike m_pullup it never frees the chain: nil (m unchanged) when
// memory is short. n may be at most MCLBYTES.
func (p *Pools) Contiguous(m *Mbuf, n int) *Mbuf {
	p.needChain("m_pullup", m)
	needHdr("m_pullup", m)
	if n < 0 || n > MCLBYTES || n > int(m.Pkt().Len) {
		violate("m_pullup", "len %d (packet of %d bytes, at most MCLBYTES)", n, m.Pkt().Len)
	}
	if n == 0 || (int(m.Len) >= n && !m.ReadOnly()) {
		return m
	}
	var h *Mbuf
	capacity := MHLEN
	if n <= MHLEN {
		h = p.allocHdr(M_DONTWAIT, int(m.Type))
	} else {
		h, capacity = p.getcl(M_DONTWAIT, int(m.Type), M_PKTHDR), MCLBYTES
	}
	if h == nil {
		return nil
	}
	claimFor(h, m.Owner)
	// Leave room for a link header to be prepended in place later.
	h.Data += uintptr(min(p.maxLinkHdr(), capacity-n))
	copyOut(m, 0, bytesAt(h.Data, n))
	h.Len = int32(n)
	copyPktHdr(h.Pkt(), m.Pkt())
	h.Flags |= m.Flags & M_COPYFLAGS
	m.Flags &^= M_PKTHDR
	rest := m
	for left := n; left > 0; {
		if int(rest.Len) <= left {
			left -= int(rest.Len)
			rest = p.free(rest)
			continue
		}
		rest.Data += uintptr(left)
		rest.Len -= int32(left)
		left = 0
	}
	h.Next = rest
	return h
}

// PrependBytes puts a copy of data in front of packet m and returns the
// head: m itself when its leading space holds data (as M_PREPEND does in
// place), else new mbufs in front that take over the packet header, the
// last of them holding its bytes at the end of its buffer, leaving room for
// more prepends. Unlike m_prepend it never frees the chain, and data may
// be of any length: nil (m unchanged) when memory is short.
func (p *Pools) PrependBytes(m *Mbuf, data []byte) *Mbuf {
	p.needChain("M_PREPEND", m)
	needHdr("M_PREPEND", m)
	n := len(data)
	if m.LeadingSpace() >= n {
		m.Data -= uintptr(n)
		m.Len += int32(n)
		copy(m.Bytes(), data)
		m.Pkt().Len += int32(n)
		return m
	}
	var h *Mbuf
	if n <= MHLEN {
		if h = p.allocHdr(M_DONTWAIT, int(m.Type)); h == nil {
			return nil
		}
		h.HAlign(n)
		h.Len = int32(copy(bytesAt(h.Data, n), data))
	} else if h = p.Build(data); h == nil {
		return nil
	}
	claimFor(h, m.Owner)
	hdr := *m.Pkt()
	hdr.Len += int32(n)
	copyPktHdr(h.Pkt(), &hdr)
	h.Flags |= m.Flags & M_COPYFLAGS
	m.Flags &^= M_PKTHDR
	lastOf(h).Next = m
	return h
}

// HasReadOnly reports whether any of bytes [off, off+n) of chain m sits
// in read-only storage (shared, or attached without M_EXT_RW).
func HasReadOnly(m *Mbuf, off, n int) bool { return firstReadOnly(m, off, n) != nil }

// Reserve returns an empty packet (pkthdr.len 0) whose buffers, a header
// mbuf with a cluster and then mbufs with clusters, have room for at
// least n bytes in total, to receive into; nil when memory is short.
// Fill then sets the lengths.
func (p *Pools) Reserve(n int) *Mbuf {
	m := p.getcl(M_DONTWAIT, MT_DATA, M_PKTHDR)
	if m == nil {
		return nil
	}
	last := m
	for room := MCLBYTES; room < n; room += MCLBYTES {
		x := p.getcl(M_DONTWAIT, MT_DATA, 0)
		if x == nil {
			p.freeChain(m)
			return nil
		}
		last.Next = x
		last = x
	}
	return m
}

// Fill sets the lengths of a packet from Reserve after k bytes were
// written into its buffers in order, and frees the buffers left empty.
func (p *Pools) Fill(m *Mbuf, k int) {
	if k < 0 || m.Len != 0 || m.Flags&M_PKTHDR == 0 {
		violate("Fill", "bad fill of %d bytes", k)
	}
	m.Pkt().Len = int32(k)
	x := m
	for {
		x.Len = int32(min(k, x.TrailingSpace()))
		k -= int(x.Len)
		if k == 0 || x.Next == nil {
			break
		}
		x = x.Next
	}
	if k != 0 {
		violate("Fill", "%d bytes more than the buffers hold", k)
	}
	rest := x.Next
	x.Next = nil
	p.freeChain(rest)
}

// Read copies bytes of chain m from offset off (>= 0) into dst, as
// m_copydata does. The mbufs it will use are checked first, as every
// operation's are (checkPrefix: live, bytes inside their buffer, no
// loop); a problem panics with a *Violation of m_copydata. It returns how
// many bytes it copied, fewer than len(dst) only when the chain ends
// first.
func (p *Pools) Read(m *Mbuf, off int, dst []byte) int {
	p.checkPrefix("m_copydata", m, rangeEnd(off, len(dst)))
	n := 0
	for ; m != nil && n < len(dst); m = m.Next {
		l := int(m.Len)
		if off >= l {
			off -= l
			continue
		}
		n += copy(dst[n:], bytesAt(m.Data+uintptr(off), l-off))
		off = 0
	}
	return n
}

// LiveOfType counts the live mbufs of type t, whichever side (C or Go)
// allocated them, by walking the state bytes: exact at a quiescent point.
func (p *Pools) LiveOfType(t int) int {
	d := &p.mbufs
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for i, c := 0, d.a.committed(); i < c; i++ {
		if d.a.state(i) == stateLive && MbufAt(d.a.base+uintptr(i)<<d.a.shift).Type == int16(t) {
			n++
		}
	}
	return n
}
