//go:build amd64 || arm64 || loong64 || mips64 || mips64le || ppc64 || ppc64le || riscv64 || s390x

package core

// The LP64 (amd64) numbers of NetBSD 2007: 8-byte pointers and longs.
const (
	MSIZE      = 512 // <machine/param.h> of amd64
	mhdrSize   = 56  // sizeof(struct m_hdr)
	pkthdrSize = 32  // sizeof(struct pkthdr)
)
