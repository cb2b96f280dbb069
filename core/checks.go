package core

import "math"

// The core's checks of what callers hand it. The C fast paths
// (capi/mbufc/checks.h, rules.h) run only when the same conditions hold
// and otherwise call the core, so these are also the only place where a
// violation is worded. Each C predicate names its twin here;
// c_tests/test_checks.c and the C fuzzer compare the two paths.

// checkHow: M_WAIT or M_DONTWAIT (C: mbuf__how_ok).
func checkHow(fn string, how int) {
	if how != M_WAIT && how != M_DONTWAIT {
		violate(fn, "bad how %d (want M_DONTWAIT or M_WAIT)", how)
	}
}

// CheckHow is checkHow for the C helpers (python_helpers.c, iovec.c) that
// take a how and test it with mbuf__how_ok: the core words the violation.
func CheckHow(fn string, how int) { checkHow(fn, how) }

// checkType: a type between MT_FREE and NumTypes (C: mbuf__type_ok).
func checkType(fn string, typ int) {
	if typ <= MT_FREE || typ >= NumTypes {
		violate(fn, "bad mbuf type %d", typ)
	}
}

// CheckMbuf panics unless m is a live mbuf of these pools (C:
// mbuf__mb_is_live). Debug mode also checks its data fields and storage.
func (p *Pools) CheckMbuf(fn string, m *Mbuf) {
	if p.mbufLive(m) && p.dbg == nil {
		return // the common case in a few instructions (core/handles.go)
	}
	if m == nil {
		violate(fn, "NULL mbuf")
	}
	a := Addr(m)
	idx, inside, aligned := p.mbufs.a.slot(a)
	switch {
	case !inside:
		violate(fn, "%#x is not an mbuf (outside the mbuf arena)", a)
	case !aligned:
		violate(fn, "%#x points inside an mbuf, not at its start", a)
	}
	switch p.mbufs.a.state(idx) {
	case stateLive:
		if p.dbg != nil {
			p.checkData(fn, m)
		}
		return
	case stateZombie, stateFreeing:
		violate(fn, "mbuf %#x was already freed (its storage is still shared)", a)
	default:
		violate(fn, "mbuf %#x is not allocated (freed, or never handed out)%s", a, p.debugFreedBy(a))
	}
}

// checkMember panics unless m is an mbuf whose bytes an operation may
// read and write (C: mbuf__member_ok): live, and its m_len >= 0 bytes
// from m_data inside its buffer.
func (p *Pools) checkMember(fn string, m *Mbuf) {
	p.CheckMbuf(fn, m)
	if p.dbg == nil { // debug mode checked it already
		p.checkData(fn, m)
	}
}

// checkData checks m's data fields (C: mbuf__data_ok): [m_data, m_data +
// m_len) lies inside m_dat, or inside the holder's [ext_buf, ext_buf +
// ext_size), the holder live or a zombie. Debug mode runs it on every
// mbuf an entry is given, and also checks that the holder and cluster
// were not freed, with who freed them.
func (p *Pools) checkData(fn string, m *Mbuf) {
	if m.Len < 0 {
		violate(fn, "mbuf %#x has a negative m_len %d", Addr(m), m.Len)
	}
	lo, size := m.DatAddr(), uintptr(MLEN)
	if m.Flags&M_EXT != 0 {
		p.checkHolder(fn, m)
		e := m.Ext()
		lo, size = e.Buf, e.Size
	}
	switch {
	case uintptr(m.Len) > size:
		violate(fn, "mbuf %#x has m_len %d, more than its buffer holds", Addr(m), m.Len)
	case m.Data < lo || m.Data-lo > size-uintptr(m.Len):
		violate(fn, "mbuf %#x: m_data %#x + m_len %d lies outside its buffer [%#x, %#x)",
			Addr(m), m.Data, m.Len, lo, lo+size)
	}
}

// checkHolder checks the mbuf whose descriptor m's storage uses, before
// it is read; in debug mode also that the cluster was not freed.
func (p *Pools) checkHolder(fn string, m *Mbuf) {
	h := Addr(*m.ExtRefPtr())
	if h != Addr(m) {
		idx, inside, aligned := p.mbufs.a.slot(h)
		if !inside || !aligned {
			violate(fn, "mbuf %#x has a corrupt m_ext_ref %#x", Addr(m), h)
		}
		if s := p.mbufs.a.state(idx); s != stateLive && s != stateZombie {
			violate(fn, "mbuf %#x uses the storage of mbuf %#x, which was freed%s",
				Addr(m), h, p.debugFreedBy(h))
		}
	}
	if p.dbg != nil && m.Flags&M_EXT_CLUSTER != 0 {
		buf := m.Ext().Buf
		idx, inside, _ := p.clusters.a.slot(buf)
		if !inside || p.clusters.a.state(idx) != stateLive {
			violate(fn, "mbuf %#x uses cluster %#x, which is not allocated%s",
				Addr(m), buf, p.debugFreedBy(buf))
		}
	}
}

// wholeChain is checkPrefix's need for operations that use every mbuf.
const wholeChain = math.MaxInt64

// rangeEnd is off + n, the end of the byte range [off, off+n) (off and n
// >= 0), computed where it cannot wrap: on GOARCH=386 Go's int is 32 bits,
// and two lengths C hands over as int (m_copydata(m, 1, INT_MAX, cp)) add
// past math.MaxInt32. Every bounds check and chain walk that adds an
// offset and a length goes through it and compares in int64 (a chain's
// byte count is int64 too: checkPrefix). An int64 sum of two Go ints can
// still wrap where int is 64 bits; it saturates there, longer than any
// chain.
func rangeEnd(off, n int) int64 {
	if end := int64(off) + int64(n); end >= int64(off) {
		return end
	}
	return math.MaxInt64
}

func (p *Pools) checkPrefix(fn string, m *Mbuf, need int64) int64 {
	var mark *Mbuf
	var total int64
	k, steps, lap, probeTo := 0, 0, 1, 0
	for ; m != nil; m = m.Next {
		if m == mark {
			violate(fn, "chain has a cycle")
		}
		if probeTo == 0 {
			p.checkMember(fn, m)
			k++
			if total += int64(m.Len); total >= need {
				if k <= 2 {
					break // the mark is the head: a repeat is seen at once
				}
				probeTo = 3 * k
			}
		} else if k++; k > probeTo || !p.isLive(m) {
			break
		}
		if steps++; steps == lap {
			mark, lap, steps = m, lap*2, 0
		}
	}
	return total
}

// isLive: m is a live mbuf of these pools, checked without a report.
func (p *Pools) isLive(m *Mbuf) bool {
	idx, inside, aligned := p.mbufs.a.slot(Addr(m))
	return inside && aligned && p.mbufs.a.state(idx) == stateLive
}

// rangeNeed is checkPrefix's need for an operation on bytes [off, off+n)
// (n may be M_COPYALL): the head alone when off or n is refused anyway.
func rangeNeed(off, n int) int64 {
	switch {
	case off < 0 || n < 0:
		return 0
	case n == M_COPYALL:
		return wholeChain
	}
	return rangeEnd(off, n)
}

// CheckChain checks every mbuf of a chain once, in order, and that it
// does not loop (checkPrefix over the whole chain).
func (p *Pools) CheckChain(fn string, m *Mbuf) {
	p.checkPrefix(fn, m, wholeChain)
}

// checkNoStorage: m has no external storage yet (before MCLGET, MEXTADD).
func checkNoStorage(fn string, m *Mbuf) {
	if m.Flags&M_EXT != 0 {
		violate(fn, "mbuf %#x already has external storage", Addr(m))
	}
}

// CheckStorageTarget is the check of MEXTADD and MEXTMALLOC's target.
func (p *Pools) CheckStorageTarget(fn string, m *Mbuf) {
	p.CheckMbuf(fn, m)
	checkNoStorage(fn, m)
}
