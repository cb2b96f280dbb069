package core

import (
	"math"
	"sync/atomic"
)

// Copying data out of chains and between chains: m_copym, m_dup,
// m_copypacket, m_copydata, m_cat and m_adj.

// Copym is m_copym: a new chain holding bytes [off, off+n) of m, where n
// may be M_COPYALL (to the end). External storage is shared, not copied,
// so both chains become read-only there. The copy gets a duplicate of the
// packet header (tags included) only when off is 0 and m has one. An empty
// result (n == 0, or M_COPYALL from the very end) is NULL and counts in
// MCFail, as does an allocation failure.
func (p *Pools) Copym(m *Mbuf, off, n, how int) *Mbuf {
	return p.copym0("m_copym", m, off, n, how, false)
}

// Dup is m_dup: as Copym, but data in external storage is copied into
// fresh clusters (a full cluster per piece, however small the piece).
func (p *Pools) Dup(m *Mbuf, off, n, how int) *Mbuf {
	return p.copym0("m_dup", m, off, n, how, true)
}

func (p *Pools) copym0(fn string, m *Mbuf, off0, n, how int, deep bool) *Mbuf {
	if m == nil {
		violate(fn, "NULL mbuf chain")
	}
	total := p.checkPrefix(fn, m, rangeNeed(off0, n))
	checkHow(fn, how)
	if off0 < 0 || n < 0 {
		violate(fn, "off %d, len %d", off0, n)
	}
	if int64(off0) > total {
		violate(fn, "m == 0, off %d (off %d is past the chain of %d bytes)", int64(off0)-total, off0, total)
	}
	if end := rangeEnd(off0, n); n != M_COPYALL && end > total {
		violate(fn, "m == 0, len %d [!COPYALL] (off %d + len %d is past the chain of %d bytes)",
			end-total, off0, n, total)
	}
	copyhdr := off0 == 0 && m.Flags&M_PKTHDR != 0
	off := off0
	for off > 0 && off >= int(m.Len) {
		off -= int(m.Len)
		m = m.Next
	}
	var top *Mbuf
	np := &top
	// With M_COPYALL the walk may run off the end; empty mbufs on the way
	// are copied as empty mbufs.
	for n > 0 && m != nil {
		c := p.alloc(how, int(m.Type))
		if c == nil {
			p.freeChain(top)
			atomic.AddInt32(p.g.MCFail, 1)
			return nil
		}
		*np = c
		np = &c.Next
		claimFor(c, m.Owner)
		if copyhdr {
			p.copyPkthdr(c, m)
			if n == M_COPYALL {
				c.Pkt().Len -= int32(off0)
			} else {
				c.Pkt().Len = int32(n)
			}
			copyhdr = false
		}
		c.Len = int32(min(n, int(m.Len)-off))
		switch {
		case m.Flags&M_EXT == 0:
			memmove(c.Data, m.Data+uintptr(off), int(c.Len))
		case !deep:
			c.Data = m.Data + uintptr(off)
			AddReference(m, c)
		default:
			// The source storage may be of any size: copy at most one
			// cluster's worth per new mbuf. If no cluster comes, the
			// internal buffer is used instead.
			p.clget(c, how)
			c.Len = 0
			c.Len = int32(min(c.TrailingSpace(), n, int(m.Len)-off))
			memmove(c.Data, m.Data+uintptr(off), int(c.Len))
		}
		if n != M_COPYALL {
			n -= int(c.Len)
		}
		off += int(c.Len)
		if off == int(m.Len) {
			m = m.Next
			off = 0
		}
	}
	if top == nil {
		atomic.AddInt32(p.g.MCFail, 1)
	}
	return top
}

// CopyPacket is m_copypacket: Copym(m, 0, M_COPYALL, how) for a chain that
// must have a packet header; every mbuf is copied, empty ones included.
func (p *Pools) CopyPacket(m *Mbuf, how int) *Mbuf {
	p.needChain("m_copypacket", m)
	checkHow("m_copypacket", how)
	needHdr("m_copypacket", m)
	var top *Mbuf
	np := &top
	for first := true; m != nil; m, first = m.Next, false {
		c := p.alloc(how, int(m.Type))
		if c == nil {
			p.freeChain(top)
			atomic.AddInt32(p.g.MCFail, 1)
			return nil
		}
		*np = c
		np = &c.Next
		claimFor(c, m.Owner)
		if first {
			p.copyPkthdr(c, m)
		}
		c.Len = m.Len
		if m.Flags&M_EXT != 0 {
			c.Data = m.Data
			AddReference(m, c)
		} else {
			memmove(c.Data, m.Data, int(c.Len))
		}
	}
	return top
}

// CopyData is m_copydata: copy n bytes starting off bytes into the chain
// into dst. The chain must hold them all.
func (p *Pools) CopyData(m *Mbuf, off, n int, dst []byte) {
	p.checkCopyData(m, off, n)
	if len(dst) < n {
		violate("m_copydata", "len %d but the destination holds only %d bytes", n, len(dst))
	}
	if n > 0 {
		copyOut(m, off, dst[:n])
	}
}

// CopyDataAddr is CopyData into n bytes of memory at dst (C's void *cp).
func (p *Pools) CopyDataAddr(m *Mbuf, off, n int, dst uintptr) {
	p.checkCopyData(m, off, n)
	if n > 0 {
		if dst == 0 {
			violate("m_copydata", "NULL destination for %d bytes", n)
		}
		copyOut(m, off, bytesAt(dst, n))
	}
}

// checkCopyData validates an m_copydata request. A NULL chain is allowed
// for an empty request, as the 2007 code never touches it then.
func (p *Pools) checkCopyData(m *Mbuf, off, n int) {
	var need int64 // the head alone when off or n is refused anyway
	if off >= 0 && n >= 0 {
		need = rangeEnd(off, n)
	}
	total := p.checkPrefix("m_copydata", m, need)
	if off < 0 || n < 0 {
		violate("m_copydata", "off %d, len %d", off, n)
	}
	if int64(off) > total {
		violate("m_copydata", "m == NULL, off %d (off %d is past the chain of %d bytes)", int64(off)-total, off, total)
	}
	if need > total {
		violate("m_copydata", "m == NULL, len %d (off %d + len %d is past the chain of %d bytes)",
			need-total, off, n, total)
	}
}

// Cat is m_cat: append chain n to chain m. While the next mbuf of n fits in
// the trailing space of m's last mbuf (and that mbuf is writable) its data
// is copied there and the mbuf freed; the rest is linked. Neither packet
// header length is updated; a packet header of n that gets linked stays
// in the middle of the chain.
func (p *Pools) Cat(m, n *Mbuf) {
	p.needChain("m_cat", m)
	p.CheckChain("m_cat", n)
	m = lastOf(m)
	for x := n; x != nil; x = x.Next {
		if x == m { // n is, or runs into, m's own chain: a cycle
			violate("m_cat", "chain %#x is already linked to chain %#x", Addr(n), Addr(m))
		}
	}
	for n != nil {
		if m.ReadOnly() || int(n.Len) > m.TrailingSpace() {
			m.Next = n
			return
		}
		memmove(m.Data+uintptr(m.Len), n.Data, int(n.Len))
		m.Len += n.Len
		n = p.free(n)
	}
}

// Adj is m_adj: trim req bytes from the head (req > 0) or -req bytes from
// the tail (req < 0). Emptied mbufs stay in the chain with m_len 0; the
// packet header length, if the first mbuf has one, follows.
func (p *Pools) Adj(mp *Mbuf, req int) {
	need := int64(req) // from the head: the mbufs holding req bytes
	if req < 0 {
		need = wholeChain // from the tail: all of them
	}
	p.checkPrefix("m_adj", mp, need)
	if mp == nil {
		return
	}
	if req >= 0 {
		p.adjHead(mp, req)
	} else {
		adjTail(mp, trimFromTail(req))
	}
}

// trimFromTail is how many bytes a negative m_adj request trims. Where int
// is 32 bits, -math.MinInt32 wraps to itself; any chain is shorter than
// math.MaxInt bytes, so trimming that many is the same whole-chain trim.
func trimFromTail(req int) int {
	if n := -req; n >= 0 {
		return n
	}
	return math.MaxInt
}

func (p *Pools) adjHead(mp *Mbuf, req int) {
	n := req
	for m := mp; m != nil && n > 0; {
		if int(m.Len) <= n {
			n -= int(m.Len)
			m.Len = 0
			m = m.Next
		} else {
			m.Len -= int32(n)
			m.Data += uintptr(n)
			n = 0
		}
	}
	if mp.Flags&M_PKTHDR != 0 {
		mp.Pkt().Len -= int32(req - n)
	}
}

func adjTail(mp *Mbuf, n int) {
	// Measure the chain and find its last mbuf; when the trim stays inside
	// that mbuf it is the whole job. (int64: a chain sharing storage may
	// hold more than math.MaxInt32 bytes where int is 32 bits.)
	var count int64
	m := mp
	for {
		count += int64(m.Len)
		if m.Next == nil {
			break
		}
		m = m.Next
	}
	if int(m.Len) >= n {
		m.Len -= int32(n)
		if mp.Flags&M_PKTHDR != 0 {
			mp.Pkt().Len -= int32(n)
		}
		return
	}
	count = max(count-int64(n), 0)
	if mp.Flags&M_PKTHDR != 0 {
		mp.Pkt().Len = int32(count)
	}
	// Keep count bytes: cut the mbuf where they end, empty the rest.
	for m = mp; m != nil; m = m.Next {
		if int64(m.Len) >= count {
			m.Len = int32(count)
			break
		}
		count -= int64(m.Len)
	}
	if m != nil {
		for m = m.Next; m != nil; m = m.Next {
			m.Len = 0
		}
	}
}
