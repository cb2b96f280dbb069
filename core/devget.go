package core

// DevCopy copies n bytes from device memory at from to an mbuf at to (the
// copy argument of m_devget).
type DevCopy func(from, to uintptr, n int)

// Devget is m_devget: build a packet-header chain holding totlen bytes read
// from buf. Pieces of at least MINCLSIZE bytes go into clusters; a small
// first piece is placed max_linkhdr bytes into the header mbuf when that
// still fits, leaving room for a link header. A non-zero off0 means a
// trailer-encapsulated frame: the data starts after off0 bytes plus the two
// 16-bit type and length fields, runs to the end of buf, then wraps to the
// first off0 bytes. copyFn nil means a plain memory copy. ifp goes to
// pkthdr.rcvif. Returns nil for an empty packet or when memory is short.
func (p *Pools) Devget(buf uintptr, totlen, off0 int, ifp uintptr, copyFn DevCopy) *Mbuf {
	const trailerFields = 2 * 2 // two uint16: type and length
	if totlen < 0 || off0 < 0 {
		violate("m_devget", "totlen %d, off0 %d", totlen, off0)
	}
	if off0 != 0 && rangeEnd(off0, trailerFields) > int64(totlen) {
		violate("m_devget", "off0 %d leaves no room for the trailer fields in %d bytes", off0, totlen)
	}
	if buf == 0 && totlen > 0 {
		violate("m_devget", "NULL buffer for %d bytes", totlen)
	}
	if copyFn == nil {
		copyFn = func(from, to uintptr, n int) { memmove(to, from, n) }
	}
	cp, epkt := buf, buf+uintptr(totlen)
	if off0 != 0 {
		cp += uintptr(off0 + trailerFields)
		totlen -= trailerFields
	}
	if totlen == 0 {
		// The 2007 code allocated the header mbuf first and leaked it
		// here; nothing is allocated for an empty packet.
		return nil
	}
	m := p.allocHdr(M_DONTWAIT, MT_DATA)
	if m == nil {
		return nil
	}
	m.Pkt().Rcvif = ifp
	m.Pkt().Len = int32(totlen)
	m.Len = MHLEN
	var top *Mbuf
	mp := &top
	for totlen > 0 {
		if top != nil {
			if m = p.alloc(M_DONTWAIT, MT_DATA); m == nil {
				p.freeChain(top)
				return nil
			}
			m.Len = MLEN
		}
		l := min(totlen, int(epkt-cp))
		if l >= MINCLSIZE {
			p.clget(m, M_DONTWAIT)
			if m.Flags&M_EXT == 0 {
				p.free(m)
				p.freeChain(top)
				return nil
			}
			l = min(l, MCLBYTES)
			m.Len = int32(l)
		} else if l < int(m.Len) {
			// A small piece sits in the internal buffer; the first one
			// leaves headroom for the link header when it can.
			if top == nil && p.maxLinkHdr() <= int(m.Len)-l {
				m.Data += uintptr(p.maxLinkHdr())
			}
			m.Len = int32(l)
		} else {
			l = int(m.Len)
		}
		copyFn(cp, m.Data, l)
		cp += uintptr(l)
		*mp = m
		mp = &m.Next
		totlen -= l
		if cp == epkt {
			cp = buf
		}
	}
	return top
}
