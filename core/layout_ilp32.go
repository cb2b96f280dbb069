//go:build 386 || arm || mips || mipsle

package core

// The ILP32 (i386) numbers of NetBSD 2007: 4-byte pointers and longs.
const (
	MSIZE      = 256 // <machine/param.h> of i386
	mhdrSize   = 32  // sizeof(struct m_hdr)
	pkthdrSize = 24  // sizeof(struct pkthdr)
)
