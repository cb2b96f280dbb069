package core

import "sync/atomic"

// Operations that reshape the front of a chain or cut it: m_prepend,
// m_pullup, m_copyup and m_split.

// Prepend is m_prepend, the slow path of M_PREPEND: a new mbuf of m's type
// goes in front of m holding n (uninitialised) bytes, placed at the end of
// its buffer when n < MHLEN. The packet header moves to it; pkthdr.len is
// left for the caller (M_PREPEND adds n). On allocation failure the whole
// chain is freed and nil returned.
func (p *Pools) Prepend(m *Mbuf, n, how int) *Mbuf {
	if m == nil {
		violate("m_prepend", "NULL mbuf chain")
	}
	p.checkPrefix("m_prepend", m, 0) // the head: the rest is only linked
	checkHow("m_prepend", how)
	room := MLEN
	if m.Flags&M_PKTHDR != 0 {
		room = MHLEN
	}
	if n < 0 || n > room {
		violate("m_prepend", "len %d does not fit in one mbuf (0..%d)", n, room)
	}
	mn := p.alloc(how, int(m.Type))
	if mn == nil {
		p.CheckChain("m_prepend", m) // about to free all of it
		p.freeChain(m)
		return nil
	}
	if m.Flags&M_PKTHDR != 0 {
		movePkthdr(mn, m)
	} else {
		claimFor(mn, m.Owner)
	}
	mn.Next = m
	// MH_ALIGN even on a plain mbuf, as the 2007 code does.
	if n < MHLEN {
		mn.HAlign(n)
	}
	mn.Len = int32(n)
	return mn
}

// Pullup is m_pullup: make the first n bytes contiguous in the first mbuf.
// The first mbuf is reused when it has no external storage, has room for
// n bytes from where its data starts, and is not alone; otherwise a new
// mbuf is put in front (taking the packet header), which needs n <= MHLEN.
// Up to max(n, max_protohdr) bytes are gathered. On failure (n too big,
// chain too short, no memory) the chain is freed, MPFail counts it, and
// nil is returned.
func (p *Pools) Pullup(n *Mbuf, l int) *Mbuf {
	if n == nil {
		violate("m_pullup", "NULL mbuf chain")
	}
	p.checkPrefix("m_pullup", n, 0)
	if l < 0 {
		violate("m_pullup", "len %d", l)
	}
	// (the room compared as a length: m_data + len wraps where uintptr is
	// 32 bits)
	reuse := n.Flags&M_EXT == 0 && l < int(n.DatEnd()-n.Data) && n.Next != nil
	if reuse && int(n.Len) >= l {
		return n // the head alone was used
	}
	if !reuse && l > MHLEN {
		p.CheckChain("m_pullup", n) // about to free all of it
		return p.pullFail(n, p.g.MPFail)
	}
	// the mbufs that give the l bytes (all of them when they are too few,
	// and the chain is freed)
	p.checkPrefix("m_pullup", n, int64(l))
	var m *Mbuf
	if reuse {
		m = n
		n = n.Next
		l -= int(m.Len)
	} else {
		m = p.alloc(M_DONTWAIT, int(n.Type))
		if m == nil {
			p.CheckChain("m_pullup", n)
			return p.pullFail(n, p.g.MPFail)
		}
		claimFor(m, n.Owner)
		if n.Flags&M_PKTHDR != 0 {
			movePkthdr(m, n)
		}
	}
	return p.gather(m, n, l, p.g.MPFail)
}

// Copyup is m_copyup: as Pullup, but always into a new mbuf whose data
// starts dstoff bytes into its buffer (room for a later prepend). Fails,
// counting MSFail, when n > MHLEN - dstoff.
func (p *Pools) Copyup(n *Mbuf, l, dstoff int) *Mbuf {
	p.needChain("m_copyup", n)
	if l < 0 || dstoff < 0 {
		violate("m_copyup", "len %d, dstoff %d", l, dstoff)
	}
	if l > MHLEN-dstoff {
		return p.pullFail(n, p.g.MSFail)
	}
	m := p.alloc(M_DONTWAIT, int(n.Type))
	if m == nil {
		return p.pullFail(n, p.g.MSFail)
	}
	claimFor(m, n.Owner)
	if n.Flags&M_PKTHDR != 0 {
		movePkthdr(m, n)
	}
	m.Data += uintptr(dstoff)
	return p.gather(m, n, l, p.g.MSFail)
}

// gather moves bytes from the front of chain n to the end of m's data
// until l bytes have come, freeing mbufs it empties; then m heads what is
// left of n. Each source mbuf gives up to max(still wanted, max_protohdr)
// bytes while there is room, so later headers are often contiguous too.
// If the chain runs out first, m and the rest are freed.
func (p *Pools) gather(m, n *Mbuf, l int, fail *int32) *Mbuf {
	space := int(m.DatEnd() - (m.Data + uintptr(m.Len)))
	for {
		count := min(max(l, p.maxProtoHdr()), space, int(n.Len))
		memmove(m.Data+uintptr(m.Len), n.Data, count)
		l -= count
		m.Len += int32(count)
		n.Len -= int32(count)
		space -= count
		if n.Len != 0 {
			n.Data += uintptr(count)
		} else {
			n = p.free(n)
		}
		if l <= 0 || n == nil {
			break
		}
	}
	if l > 0 {
		p.free(m)
		return p.pullFail(n, fail)
	}
	m.Next = n
	return m
}

func (p *Pools) pullFail(n *Mbuf, fail *int32) *Mbuf {
	p.freeChain(n)
	atomic.AddInt32(fail, 1)
	return nil
}

// Split is m_split: cut the chain after n0 bytes and return the tail, or
// nil when the chain is shorter than n0 or memory is short (the chain is
// then as before). With a packet header the tail gets a new header mbuf
// carrying only rcvif and the remaining length (no tags, flags or csum).
// Without one, a cut at an mbuf boundary allocates nothing, so a cut at
// the very end returns nil (or the trailing empty mbufs). External
// storage at the cut is shared by both halves.
func (p *Pools) Split(m0 *Mbuf, n0, how int) *Mbuf {
	p.checkPrefix("m_split", m0, int64(n0)) // up to the mbuf of the cut
	checkHow("m_split", how)
	return p.split0(m0, n0, how, true)
}

func (p *Pools) split0(m0 *Mbuf, len0, how int, copyhdr bool) *Mbuf {
	if len0 < 0 {
		// An unsigned length in the 2007 code: longer than any chain.
		return nil
	}
	l := len0
	m := m0
	for m != nil && l > int(m.Len) {
		l -= int(m.Len)
		m = m.Next
	}
	if m == nil {
		return nil
	}
	remain := int(m.Len) - l
	var n *Mbuf
	switch {
	case copyhdr && m0.Flags&M_PKTHDR != 0:
		n = p.allocHdr(how, int(m0.Type))
		if n == nil {
			return nil
		}
		claimFor(n, m0.Owner)
		n.Pkt().Rcvif = m0.Pkt().Rcvif
		n.Pkt().Len = m0.Pkt().Len - int32(len0)
		saved := m0.Pkt().Len
		m0.Pkt().Len = int32(len0)
		if m.Flags&M_EXT == 0 {
			if remain > MHLEN {
				// Too much for the header mbuf: it stays empty in front
				// of a split of m itself. The 2007 code left its m_len
				// unset here; later NetBSD (and we) make it 0.
				n.HAlign(0)
				n.Len = 0
				n.Next = p.split0(m, l, how, true)
				if n.Next == nil {
					p.free(n)
					m0.Pkt().Len = saved
					return nil
				}
				return n
			}
			n.HAlign(remain)
		}
	case remain == 0:
		n = m.Next
		m.Next = nil
		return n
	default:
		n = p.alloc(how, int(m.Type))
		if n == nil {
			return nil
		}
		claimFor(n, m.Owner)
		n.Align(remain)
	}
	if m.Flags&M_EXT != 0 {
		n.Data = m.Data + uintptr(l)
		AddReference(m, n)
	} else {
		memmove(n.Data, m.Data+uintptr(l), remain)
	}
	n.Len = int32(remain)
	m.Len = int32(l)
	n.Next = m.Next
	m.Next = nil
	return n
}
