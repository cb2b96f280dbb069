package core

import "sync/atomic"

// Walking chains without changing their data: m_apply, m_getptr, m_mapin
// and m_claimm. (m_print is in print.go.)

// ApplyFunc is called by Apply on each contiguous piece: addr and n bytes.
// A non-zero result stops the walk.
type ApplyFunc func(addr uintptr, n int) int

// Apply is m_apply: call f on each contiguous piece of bytes [off, off+n)
// in order. Empty mbufs inside the range get a call with n 0. The first
// non-zero result of f is returned; 0 if none. The chain must hold the
// whole range.
func (p *Pools) Apply(m *Mbuf, off, n int, f ApplyFunc) int {
	total := p.checkPrefix("m_apply", m, wholeChain)
	if off < 0 || n < 0 {
		violate("m_apply", "off %d, len %d", off, n)
	}
	if rangeEnd(off, n) > total {
		violate("m_apply", "off %d + len %d is past the chain of %d bytes", off, n, total)
	}
	if f == nil && n > 0 {
		violate("m_apply", "NULL function")
	}
	for off > 0 && off >= int(m.Len) {
		off -= int(m.Len)
		m = m.Next
	}
	for ; n > 0; m = m.Next {
		count := min(int(m.Len)-off, n)
		if r := f(m.Data+uintptr(off), count); r != 0 {
			return r
		}
		n -= count
		off = 0
	}
	return 0
}

// Getptr is m_getptr: the mbuf holding byte loc of the chain and the
// offset of that byte in it. loc equal to the chain length gives the last
// mbuf with the offset at its end; loc beyond it, or negative, gives nil.
func (p *Pools) Getptr(m *Mbuf, loc int) (*Mbuf, int) {
	p.CheckChain("m_getptr", m)
	if loc < 0 {
		return nil, 0
	}
	if m == nil {
		violate("m_getptr", "NULL mbuf chain")
	}
	for {
		if int(m.Len) > loc {
			return m, loc
		}
		loc -= int(m.Len)
		if m.Next == nil {
			if loc == 0 {
				return m, int(m.Len)
			}
			return nil, 0
		}
		m = m.Next
	}
}

// Mapin is m_mapin: map lazily mapped external pages and return m_data.
// Storage here is always mapped, so it only clears the M_EXT_LAZY marks.
func (p *Pools) Mapin(m *Mbuf) uintptr {
	p.CheckMbuf("m_mapin", m)
	if m.Flags&M_EXT != 0 {
		m.Ext().Flags &^= M_EXT_LAZY
	}
	m.Flags &^= M_EXT_LAZY
	return m.Data
}

// ClaimM is m_claimm: every mbuf of the chain is claimed by owner (the
// address of a struct mowner), moving the MBUFTRACE counts from its old
// owner as MCLAIM does; a zero owner changes nothing.
func (p *Pools) ClaimM(m *Mbuf, owner uintptr) {
	p.CheckChain("m_claimm", m)
	if owner == 0 {
		return
	}
	mo := at[Mowner](owner)
	for ; m != nil; m = m.Next {
		if m.Owner == owner {
			continue
		}
		if m.Owner != 0 {
			old := at[Mowner](m.Owner)
			countOwner(&old.ExtReleases, &old.ClusterReleases, m.Flags)
			atomic.AddUintptr(&old.Releases, 1)
		}
		m.Owner = owner
		atomic.AddUintptr(&mo.Claims, 1)
		countOwner(&mo.ExtClaims, &mo.ClusterClaims, m.Flags)
	}
}

// countOwner bumps the ext and cluster counters that apply to flags.
func countOwner(ext, cluster *uintptr, flags int32) {
	if flags&M_EXT != 0 {
		atomic.AddUintptr(ext, 1)
	}
	if flags&M_EXT_CLUSTER != 0 {
		atomic.AddUintptr(cluster, 1)
	}
}
