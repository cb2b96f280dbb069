package core

import "syscall"

// Writing into chains: m_copyback, m_copyback_cow, m_makewritable and the
// engine they share, m_copyback0.

// Flags of copyback0.
const (
	cbCopyback = 0x1 // copy from the source bytes
	cbPreserve = 0x2 // keep the old bytes of replaced (copied-on-write) mbufs
	cbCOW      = 0x4 // replace read-only mbufs in the range by writable ones
	cbExtend   = 0x8 // grow the chain (zero-filled) to reach the range
)

// ENOBUFS is what m_makewritable returns when memory is short.
const ENOBUFS = int(syscall.ENOBUFS)

// Copyback is m_copyback: write n bytes of src at offset off of chain m0,
// growing the chain when it is too short (a gap before off is zero-filled;
// new mbufs, or a cluster when at least MINCLSIZE bytes are involved, are
// taken with M_DONTWAIT). pkthdr.len grows to cover the written bytes, but
// not a gap alone (n == 0). Running out of memory silently stops the
// extension. Writing into read-only storage is a violation (a DIAGNOSTIC
// kernel panics "m_copyback0: read-only"); use CopybackCow for that. A nil
// chain is ignored.
func (p *Pools) Copyback(m0 *Mbuf, off, n int, src []byte) {
	if m0 == nil {
		return
	}
	var need int64 // up to byte off+n (all of it when the chain must grow)
	if off >= 0 && n >= 0 {
		need = rangeEnd(off, n)
	}
	p.checkPrefix("m_copyback", m0, need)
	checkCopyback("m_copyback", off, n, src)
	if ro := firstReadOnly(m0, off, n); ro != nil {
		violate("m_copyback0", "read-only: mbuf %#x holds bytes in [%d, %d)", Addr(ro), off, need)
	}
	p.copyback0(&m0, off, n, src, cbCopyback|cbExtend, M_DONTWAIT)
}

// CopybackCow is m_copyback_cow: write n bytes of src at off, first
// replacing read-only mbufs of the range by writable copies. The range must
// lie within m_length(m0). Returns the (possibly new) head, or frees the
// chain and returns nil when memory is short.
func (p *Pools) CopybackCow(m0 *Mbuf, off, n int, src []byte, how int) *Mbuf {
	length := p.needChain("m_copyback_cow", m0)
	checkHow("m_copyback_cow", how)
	checkCopyback("m_copyback_cow", off, n, src)
	if m0.Flags&M_PKTHDR != 0 { // m_length: pkthdr.len when there is one
		length = int64(m0.Pkt().Len)
	}
	if rangeEnd(off, n) > length {
		violate("m_copyback_cow", "off %d + len %d is past the packet length %d", off, n, length)
	}
	if p.copyback0(&m0, off, n, src, cbCopyback|cbCOW, how) != 0 {
		p.freeChain(m0)
		return nil
	}
	return m0
}

// MakeWritable is m_makewritable: make bytes [off, off+n) writable by
// replacing read-only mbufs with copies, keeping the data and length. n may
// be M_COPYALL and the range may run past the end; a negative n (what
// "length - off" gives for an offset past the end) does nothing, as in
// 2007. *mp may change. Returns 0, or ENOBUFS with the chain valid but only
// partly made writable.
func (p *Pools) MakeWritable(mp **Mbuf, off, n, how int) int {
	if mp == nil {
		violate("m_makewritable", "NULL chain pointer")
	}
	p.needChain("m_makewritable", *mp)
	checkHow("m_makewritable", how)
	if off < 0 {
		violate("m_makewritable", "off %d, len %d", off, n)
	}
	return p.copyback0(mp, off, n, nil, cbPreserve|cbCOW, how)
}

func checkCopyback(fn string, off, n int, src []byte) {
	if off < 0 || n < 0 {
		violate(fn, "off %d, len %d", off, n)
	}
	if src == nil && n > 0 {
		violate(fn, "NULL source for %d bytes", n)
	}
	if len(src) < n {
		violate(fn, "len %d but the source holds only %d bytes", n, len(src))
	}
}

// firstReadOnly returns the first read-only mbuf holding any of the bytes
// [off, off+n) of the chain, or nil.
func firstReadOnly(m *Mbuf, off, n int) *Mbuf {
	if n <= 0 {
		return nil
	}
	end := rangeEnd(off, n)
	for pos := int64(0); m != nil && pos < end; m = m.Next {
		if m.Len > 0 && pos+int64(m.Len) > int64(off) && m.ReadOnly() {
			return m
		}
		pos += int64(m.Len)
	}
	return nil
}

// extendResult says where copyback0 goes after extendTail.
type extendResult int

const (
	extendStop    extendResult = iota // cannot extend: finish
	extendSame                        // the last mbuf grew: look at it again
	extendAdvance                     // a new mbuf follows the last one
)

// copyback0 is the engine of the three functions above. It first walks to
// the mbuf holding off (growing the chain with cbExtend), then goes through
// the range writing (cbCopyback) or just passing over it, replacing
// read-only mbufs on the way with cbCOW. Returns 0 or ENOBUFS; the chain is
// valid either way.
func (p *Pools) copyback0(mp0 **Mbuf, off, n int, src []byte, flags, how int) int {
	var totlen int64 // bytes before the write position (kept up to date for cbExtend only)
	mp := mp0
	m := *mp
outer:
	for {
		// Find the mbuf holding off, extending the chain past its end.
		for off > int(m.Len) {
			off -= int(m.Len)
			totlen += int64(m.Len)
			if m.Next == nil {
				r := p.extendTail(m, &off, &totlen, n, flags, how)
				if r == extendStop {
					p.copybackDone(*mp0, totlen, flags)
					return 0
				}
				if r == extendSame {
					continue
				}
			}
			mp = &m.Next
			m = m.Next
		}
		// Walk the range.
		for n > 0 {
			mlen := int(m.Len) - off
			if mlen != 0 && m.ReadOnly() {
				if flags&cbCOW == 0 {
					violate("m_copyback0", "read-only: mbuf %#x", Addr(m))
				}
				var err int
				if mp, m, off, err = p.cowReplace(mp, m, off, n, flags, how); err != 0 {
					return err
				}
				continue
			}
			mlen = min(mlen, n)
			if flags&cbCopyback != 0 {
				copy(bytesAt(m.Data+uintptr(off), mlen), src[:mlen])
				src = src[mlen:]
			}
			n -= mlen
			totlen += int64(mlen + off) // both within m
			off = 0
			if n == 0 {
				break
			}
			if m.Next == nil {
				r := p.extendTail(m, &off, &totlen, n, flags, how)
				if r == extendStop {
					break
				}
				if r == extendAdvance {
					mp = &m.Next
					m = m.Next
				}
				continue outer
			}
			mp = &m.Next
			m = m.Next
		}
		p.copybackDone(*mp0, totlen, flags)
		return 0
	}
}

// copybackDone grows pkthdr.len to cover what was written when extending.
func (p *Pools) copybackDone(m *Mbuf, totlen int64, flags int) {
	if flags&cbExtend != 0 && m.Flags&M_PKTHDR != 0 && int64(m.Pkt().Len) < totlen {
		m.Pkt().Len = int32(totlen)
	}
}

// extendTail makes room after the last mbuf m for a write of n bytes that
// starts *off bytes past m's end: first in m's own trailing space (an empty
// internal mbuf first gets a cluster when the job is MINCLSIZE or more),
// else in a new mbuf (a cluster for big jobs). Gap bytes are zeroed. With
// extendSame, *off and *totlen are relative to m's start again.
func (p *Pools) extendTail(m *Mbuf, off *int, totlen *int64, n, flags, how int) extendResult {
	if flags&cbExtend == 0 {
		return extendStop
	}
	need := rangeEnd(*off, n)
	if need >= MINCLSIZE && m.Flags&M_EXT == 0 && m.Len == 0 {
		p.clget(m, how)
	}
	if ts := m.TrailingSpace(); ts > 0 {
		grow := int(min(int64(ts), need))
		memzero(m.Data+uintptr(m.Len), min(*off, grow))
		*off += int(m.Len)
		*totlen -= int64(m.Len)
		m.Len += int32(grow)
		return extendSame
	}
	var nm *Mbuf
	if need >= MINCLSIZE {
		nm = p.getcl(how, int(m.Type), 0)
	} else {
		nm = p.alloc(how, int(m.Type))
	}
	if nm == nil {
		return extendStop
	}
	nm.Len = 0
	nm.Len = int32(min(int64(nm.TrailingSpace()), need))
	memzero(nm.Data, min(int(nm.Len), *off))
	m.Next = nm
	return extendAdvance
}

// cowReplace handles a read-only mbuf m met at offset off with n bytes
// still to go: it makes the range start on an mbuf boundary, then puts a
// new writable mbuf in front that takes over (and, with cbPreserve, copies)
// as many bytes of the following read-only mbufs as it can hold, freeing
// those it empties. mp is the link that points at m. It returns the link,
// mbuf and offset to continue from, and 0 or ENOBUFS.
func (p *Pools) cowReplace(mp **Mbuf, m *Mbuf, off, n, flags, how int) (**Mbuf, *Mbuf, int, int) {
	if off > 0 {
		// The 2007 code split only when the range ended inside m; a range
		// running to m's end took a path that lost the rest of the chain.
		// As later NetBSD does, always split first.
		tail := p.split0(m, off, how, false)
		if tail == nil {
			return mp, m, off, ENOBUFS
		}
		m.Next = tail
		return &m.Next, tail, 0, 0
	}
	nm := p.alloc(how, int(m.Type))
	if nm == nil {
		return mp, m, off, ENOBUFS
	}
	claimFor(nm, m.Owner)
	if m.Flags&M_PKTHDR != 0 {
		movePkthdr(nm, m)
		nm.Len = MHLEN
	} else {
		if n >= MINCLSIZE {
			p.clget(nm, M_DONTWAIT)
		}
		nm.Len = MLEN
		if nm.Flags&M_EXT != 0 {
			nm.Len = MCLBYTES
		}
	}
	nm.Len = int32(min(int(nm.Len), n))
	var keep []byte
	if flags&cbPreserve != 0 {
		keep = bytesAt(nm.Data, int(nm.Len))
	}
	eat := int(nm.Len)
	for m != nil && m.ReadOnly() && m.Type == nm.Type && eat > 0 {
		k := min(eat, int(m.Len))
		if keep != nil {
			keep = keep[copy(keep, bytesAt(m.Data, k)):]
		}
		m.Data += uintptr(k)
		m.Len -= int32(k)
		eat -= k
		if m.Len == 0 {
			m = p.free(m)
			*mp = m
		}
	}
	nm.Len -= int32(eat)
	nm.Next = m
	*mp = nm
	return mp, nm, 0, 0
}
