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
	p.needChain(fn, m)
	needHdr(fn, m)
	total := ChainLen(m)
	if n == M_COPYALL {
		n = total - off
	}
	if off < 0 || n < 0 || off > total || n > total-off {
		violate(fn, "off %d, len %d outside a packet of %d bytes", off, n, total)
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
