package core

import "sync/atomic"

// Small helpers shared by the chain operations.

// memmove copies n bytes between two addresses of off-heap (or C) memory;
// overlapping ranges are fine, as with memmove(3).
func memmove(dst, src uintptr, n int) {
	if n > 0 && dst != src {
		copy(bytesAt(dst, n), bytesAt(src, n))
	}
}

// memzero clears n bytes at addr.
func memzero(addr uintptr, n int) {
	if n > 0 {
		clear(bytesAt(addr, n))
	}
}

// claimFor is MCLAIM without MBUFTRACE counters: a new mbuf made on behalf
// of another takes over its owner.
func claimFor(m *Mbuf, owner uintptr) {
	if owner != 0 && m.Owner != owner {
		m.Owner = owner
	}
}

// maxProtoHdr and maxLinkHdr read the kernel globals, which ported code
// may change at any time. A negative max_linkhdr reads as 0: it moves
// m_data forward (m_devget, Contiguous), never back out of the buffer.
func (p *Pools) maxProtoHdr() int { return int(atomic.LoadInt32(p.g.MaxProtoHdr)) }
func (p *Pools) maxLinkHdr() int  { return max(0, int(atomic.LoadInt32(p.g.MaxLinkHdr))) }

// freeChain frees a chain the operation built itself (already trusted).
func (p *Pools) freeChain(m *Mbuf) {
	for m != nil {
		m = p.free(m)
	}
}

// lastOf returns the last mbuf of a non-empty chain.
func lastOf(m *Mbuf) *Mbuf {
	for m.Next != nil {
		m = m.Next
	}
	return m
}

// copyOut copies len(dst) bytes starting off bytes into the chain; the
// caller has checked that the chain is long enough.
func copyOut(m *Mbuf, off int, dst []byte) {
	for off > 0 && off >= int(m.Len) {
		off -= int(m.Len)
		m = m.Next
	}
	for len(dst) > 0 {
		k := copy(dst, bytesAt(m.Data+uintptr(off), int(m.Len)-off))
		dst = dst[k:]
		off = 0
		m = m.Next
	}
}

// needChain panics unless m is a live mbuf heading a live chain, and
// returns the chain's byte count.
func (p *Pools) needChain(fn string, m *Mbuf) int64 {
	if m == nil {
		violate(fn, "NULL mbuf chain")
	}
	return p.checkPrefix(fn, m, wholeChain)
}

// needHdr panics unless m carries a packet header.
func needHdr(fn string, m *Mbuf) {
	if m.Flags&M_PKTHDR == 0 {
		violate(fn, "mbuf %#x has no packet header", Addr(m))
	}
}
