package core

// Pulldown is m_pulldown (uipc_mbuf2.c): make bytes [off, off+n) of the
// chain contiguous inside one mbuf without moving anything before off, and
// return that mbuf with the offset of the region in it. wantOff says the
// caller takes the offset (C's offp != NULL); without it the region must
// start at offset 0 of the returned mbuf. Read-only storage is never
// written. On failure (n > MCLBYTES, the chain too short, no memory) the
// whole chain is freed and nil returned.
//
// The strategies, tried in order:
//  1. the region already lies in one writable mbuf (at an acceptable offset);
//  2. it fits in the current mbuf: the rest of that mbuf is deep-copied
//     (m_dup) into a new mbuf after it, which is what a read-only mbuf or
//     an unwanted offset gets;
//  3. the missing tail bytes are pulled into the mbuf's trailing space;
//  4. the head bytes are pushed into the next mbuf's leading space;
//  5. a new mbuf (with a cluster if n > MLEN) is inserted holding the region.
func (p *Pools) Pulldown(m *Mbuf, off, n int, wantOff bool) (*Mbuf, int) {
	if m == nil {
		violate("m_pulldown", "m == NULL")
	}
	// Up to the first mbuf with bytes past off: where the region starts
	// (all of them when the chain is shorter, and is freed).
	var need int64
	if off >= 0 && n >= 0 {
		need = rangeEnd(off, max(n, 1))
	}
	p.checkPrefix("m_pulldown", m, need)
	if off < 0 || n < 0 {
		violate("m_pulldown", "off %d, len %d", off, n)
	}
	if n > MCLBYTES {
		p.CheckChain("m_pulldown", m) // about to free all of it
		p.freeChain(m)
		return nil, 0
	}
	off0, x := off, m
	for x != nil && off > 0 && off >= int(x.Len) {
		off -= int(x.Len)
		x = x.Next
	}
	for x != nil && x.Len == 0 {
		x = x.Next
	}
	if x == nil {
		p.freeChain(m)
		return nil, 0
	}
	shared := x.ReadOnly()
	offOK := off == 0 || wantOff
	if offOK && n <= int(x.Len)-off && !shared {
		return x, off
	}
	// The other strategies may use any mbuf of the chain.
	total := p.checkPrefix("m_pulldown", m, wholeChain)
	if n <= int(x.Len)-off {
		return p.pulldownDup(m, x, off, n)
	}
	hlen := int(x.Len) - off // bytes of the region in x
	tlen := n - hlen         // bytes still needed from the following mbufs
	if total < rangeEnd(off0, n) {
		p.freeChain(m)
		return nil, 0
	}
	next := x.Next
	if offOK && !shared && x.TrailingSpace() >= tlen {
		copyOut(next, 0, bytesAt(x.Data+uintptr(x.Len), tlen))
		x.Len += int32(tlen)
		p.adjHead(next, tlen)
		return x, off
	}
	if offOK && !shared && next.LeadingSpace() >= hlen && int(next.Len) >= tlen {
		next.Data -= uintptr(hlen)
		next.Len += int32(hlen)
		memmove(next.Data, x.Data+uintptr(off), hlen)
		x.Len -= int32(hlen)
		return next, 0
	}
	o := p.alloc(M_DONTWAIT, int(m.Type))
	if o != nil && n > MLEN {
		p.clget(o, M_DONTWAIT)
		if o.Flags&M_EXT == 0 {
			p.free(o)
			o = nil
		}
	}
	if o == nil {
		p.freeChain(m)
		return nil, 0
	}
	memmove(o.Data, x.Data+uintptr(off), hlen)
	x.Len -= int32(hlen)
	copyOut(next, 0, bytesAt(o.Data+uintptr(hlen), tlen))
	o.Len = int32(n)
	p.adjHead(next, tlen)
	o.Next = next
	x.Next = o
	return o, 0
}

// pulldownDup is strategy 2: everything of x from off on is replaced by a
// deep copy linked right after x, so the region starts at offset 0 of a
// writable mbuf. When x was the packet head and off is 0, the copy carries
// a duplicate of the header (tags too) in the middle of the chain, as in
// 2007.
func (p *Pools) pulldownDup(m, x *Mbuf, off, n int) (*Mbuf, int) {
	o := p.copym0("m_dup", x, off, int(x.Len)-off, M_DONTWAIT, true)
	if o != nil && int(o.Len) < n {
		// m_dup found no cluster and fell back to an internal buffer too
		// small for the region: the 2007 code returned it anyway (not
		// contiguous); treat it as the memory shortage it is.
		p.freeChain(o)
		o = nil
	}
	if o == nil {
		p.freeChain(m)
		return nil, 0
	}
	x.Len = int32(off)
	// Storage larger than a cluster is copied into several mbufs; the 2007
	// code linked only the first and lost the others (fixed later in
	// NetBSD the same way: link after the last copy).
	lastOf(o).Next = x.Next
	x.Next = o
	return o, 0
}
