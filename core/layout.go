// Package core is the pure-Go heart of libmbuf: off-heap slabs and pools,
// the chain algorithms of NetBSD's uipc_mbuf.c and uipc_mbuf2.c (rev
// 1.100.2.17, 2007), packet tags, statistics and misuse checks.
//
// Every mbuf and cluster lives in memory this package mapped itself with
// mmap, outside the Go heap, so C code can hold plain pointers to them and
// the garbage collector never sees or moves them. The Go types below mirror
// the C structures of include/mbuf.h byte for byte; layout_test.go checks
// each offset against numbers derived by hand from the NetBSD definitions.
//
// Programmer errors (a pointer that is not a live mbuf, negative lengths,
// a chain shorter than asked) panic with a *Violation; the C layer recovers
// it and hands it to the user's panic handler.
package core

import "unsafe"

// Sizes and limits of the NetBSD 2007 ABI this package is built for. The
// machine's numbers (MSIZE, and the sizes of the two headers that NetBSD
// derives with offsetof) are in layout_lp64.go (amd64: MSIZE 512, MLEN
// 456, MHLEN 424) and layout_ilp32.go (i386: MSIZE 256, MLEN 224, MHLEN
// 200), untyped so that they mix with any integer type; abiChecks below
// fails the build if they disagree with the structures. layout_test.go
// pins every offset for both ABIs.
const (
	MCLSHIFT  = 11
	MCLBYTES  = 1 << MCLSHIFT
	MLEN      = MSIZE - mhdrSize  // data room of a plain mbuf
	MHLEN     = MLEN - pkthdrSize // data room with a pkthdr
	MINCLSIZE = MHLEN + MLEN + 1  // smallest length worth a cluster
	M_COPYALL = 1000000000        // "to the end" for m_copym
	ptrSize   = unsafe.Sizeof(uintptr(0))
	mTagSize  = int(unsafe.Sizeof(MTag{})) // header before a tag payload
)

// abiChecks does not compile unless each index is 0: the per-ABI numbers
// are those of the Go structures, and MSIZE is 64 words as in NetBSD's
// i386 (256) and amd64 (512).
var _ = [1]struct{}{}[mhdrSize-unsafe.Sizeof(MHdr{})] == [1]struct{}{}[pkthdrSize-unsafe.Sizeof(PktHdr{})] &&
	[1]struct{}{}[MSIZE-unsafe.Sizeof(Mbuf{})] == [1]struct{}{}[MSIZE/64-ptrSize]

// Allocation flags (malloc(9) spelling; M_DONTWAIT/M_WAIT are aliases).
const (
	M_WAITOK   = 0
	M_NOWAIT   = 1
	M_WAIT     = M_WAITOK
	M_DONTWAIT = M_NOWAIT
)

// mbuf types.
const (
	MT_FREE    = 0
	MT_DATA    = 1
	MT_HEADER  = 2
	MT_SONAME  = 3
	MT_SOOPTS  = 4
	MT_FTABLE  = 5
	MT_CONTROL = 6
	MT_OOBDATA = 7
	// NumTypes is the size of mbstat.m_mtypes.
	NumTypes = 256
)

// m_flags bits.
const (
	M_EXT         = 0x00000001
	M_PKTHDR      = 0x00000002
	M_EOR         = 0x00000004
	M_PROTO1      = 0x00000008
	M_AUTHIPHDR   = 0x00000010
	M_DECRYPTED   = 0x00000020
	M_LOOP        = 0x00000040
	M_AUTHIPDGM   = 0x00000080
	M_BCAST       = 0x00000100
	M_MCAST       = 0x00000200
	M_CANFASTFWD  = 0x00000400
	M_ANYCAST6    = 0x00000800
	M_LINK0       = 0x00001000
	M_LINK1       = 0x00002000
	M_LINK2       = 0x00004000
	M_LINK3       = 0x00008000
	M_LINK4       = 0x00010000
	M_LINK5       = 0x00020000
	M_LINK6       = 0x00040000
	M_EXT_FLAGS   = -0x01000000 // 0xff000000 as a C int
	M_EXT_CLUSTER = 0x01000000
	M_EXT_PAGES   = 0x02000000
	M_EXT_ROMAP   = 0x04000000
	M_EXT_RW      = 0x08000000
	M_EXT_LAZY    = 0x10000000

	M_COPYFLAGS = M_PKTHDR | M_EOR | M_BCAST | M_MCAST | M_CANFASTFWD |
		M_ANYCAST6 | M_LINK0 | M_LINK1 | M_LINK2 | M_AUTHIPHDR |
		M_DECRYPTED | M_LOOP | M_AUTHIPDGM
	M_EXTCOPYFLAGS = M_EXT | M_EXT_FLAGS
)

// PaddrInvalid is M_PADDR_INVALID: physical addresses are never known here.
const PaddrInvalid = ^uintptr(0)

// MHdr mirrors struct m_hdr.
type MHdr struct {
	Next    *Mbuf   // mh_next
	NextPkt *Mbuf   // mh_nextpkt
	Data    uintptr // mh_data
	Owner   uintptr // mh_owner (struct mowner *)
	Len     int32   // mh_len
	Flags   int32   // mh_flags
	Paddr   uintptr // mh_paddr
	Type    int16   // mh_type; the struct is padded to a word, as in C
}

// PktHdr mirrors struct pkthdr.
type PktHdr struct {
	Rcvif     uintptr // struct ifnet *
	Tags      *MTag   // SLIST_HEAD of packet tags
	Len       int32
	CsumFlags int32
	CsumData  uint32
	SegSz     uint32
}

// MTag mirrors struct m_tag; its payload of Len bytes follows it.
type MTag struct {
	Next *MTag // m_tag_link.sle_next
	ID   uint16
	Len  uint16 // the struct is padded to a word, as in C
}

// ExtStorage mirrors struct _m_ext_storage (the 2007 descriptor).
type ExtStorage struct {
	Lock   uintptr // ext_lock: reserved, counts are atomic
	RefCnt uint32  // ext_refcnt
	Flags  int32   // ext_flags
	Buf    uintptr // ext_buf
	Free   uintptr // ext_free: a C function pointer or a Go handle
	Arg    uintptr // ext_arg
	Size   uintptr // ext_size
	MType  uintptr // ext_type (struct malloc_type *)
	Paddr  uintptr // ext_un.extun_paddr (first word of the union)
	_      [extPages - 1]uintptr
}

const extPages = 17 // M_EXT_MAXPAGES with 4 KiB pages

// Mbuf mirrors struct mbuf: the header, then MLEN bytes that hold either
// internal data (m_dat), or a pkthdr followed by internal data (m_pktdat)
// or by an ext reference and descriptor.
type Mbuf struct {
	MHdr
	dat [MLEN]byte
}

// Offsets inside struct mbuf used by the accessors below.
const (
	offDat        = mhdrSize
	offPktDat     = mhdrSize + pkthdrSize
	offExtRef     = offPktDat
	offExtStorage = offPktDat + ptrSize // after m_ext_ref
)

func (m *Mbuf) addr() uintptr { return uintptr(unsafe.Pointer(m)) }

// Pkt returns the packet header (meaningful when M_PKTHDR is set).
func (m *Mbuf) Pkt() *PktHdr { return (*PktHdr)(unsafe.Pointer(&m.dat[0])) }

// DatAddr is the address of m_dat, the internal buffer of a plain mbuf.
func (m *Mbuf) DatAddr() uintptr { return m.addr() + offDat }

// PktDatAddr is the address of m_pktdat, the internal buffer after a pkthdr.
func (m *Mbuf) PktDatAddr() uintptr { return m.addr() + offPktDat }

// DatEnd is &m_dat[MLEN]: the end of the internal buffer of any mbuf.
func (m *Mbuf) DatEnd() uintptr { return m.addr() + MSIZE }

// ExtRefPtr is &m_ext_ref: the holder of the ext storage m uses.
func (m *Mbuf) ExtRefPtr() **Mbuf { return (**Mbuf)(unsafe.Pointer(&m.dat[offExtRef-offDat])) }

// ExtStorage is m's own descriptor slot (m_ext_storage).
func (m *Mbuf) ExtStorage() *ExtStorage {
	return (*ExtStorage)(unsafe.Pointer(&m.dat[offExtStorage-offDat]))
}

// Ext is m->m_ext: the descriptor of the holder, shared by all sharers.
func (m *Mbuf) Ext() *ExtStorage { return (*m.ExtRefPtr()).ExtStorage() }

// HasFlag reports whether all bits of f are set in m_flags.
func (m *Mbuf) HasFlag(f int32) bool { return m.Flags&f == f }

// Bytes returns the m_len valid bytes of m as a slice over off-heap memory.
func (m *Mbuf) Bytes() []byte { return bytesAt(m.Data, int(m.Len)) }

// ReadOnly is M_READONLY: ext storage that is not writable or is shared.
func (m *Mbuf) ReadOnly() bool {
	if m.Flags&M_EXT == 0 {
		return false
	}
	return m.Flags&(M_EXT_RW|M_EXT_ROMAP) != M_EXT_RW || m.Ext().RefCnt > 1
}

// RawLeadingSpace is _M_LEADINGSPACE.
func (m *Mbuf) RawLeadingSpace() int {
	switch {
	case m.Flags&M_EXT != 0:
		return int(m.Data - m.Ext().Buf)
	case m.Flags&M_PKTHDR != 0:
		return int(m.Data - m.PktDatAddr())
	default:
		return int(m.Data - m.DatAddr())
	}
}

// LeadingSpace is M_LEADINGSPACE: 0 for read-only storage.
func (m *Mbuf) LeadingSpace() int {
	if m.ReadOnly() {
		return 0
	}
	return m.RawLeadingSpace()
}

// RawTrailingSpace is _M_TRAILINGSPACE.
func (m *Mbuf) RawTrailingSpace() int {
	if m.Flags&M_EXT != 0 {
		e := m.Ext()
		return int(e.Buf + e.Size - (m.Data + uintptr(m.Len)))
	}
	return int(m.DatEnd() - (m.Data + uintptr(m.Len)))
}

// TrailingSpace is M_TRAILINGSPACE: 0 for read-only storage.
func (m *Mbuf) TrailingSpace() int {
	if m.ReadOnly() {
		return 0
	}
	return m.RawTrailingSpace()
}

// Align is M_ALIGN: place n bytes at the end of a fresh plain mbuf, at an
// address aligned for a long (8 bytes on LP64, 4 on ILP32; ptrSize is
// sizeof(long) on both).
func (m *Mbuf) Align(n int) { m.Data += uintptr(MLEN-n) &^ (ptrSize - 1) }

// HAlign is MH_ALIGN: the same relative to MHLEN.
func (m *Mbuf) HAlign(n int) { m.Data += uintptr(MHLEN-n) &^ (ptrSize - 1) }

// ResetData is MRESETDATA.
func (m *Mbuf) ResetData() {
	switch {
	case m.Flags&M_EXT != 0:
		m.Data = m.Ext().Buf
	case m.Flags&M_PKTHDR != 0:
		m.Data = m.PktDatAddr()
	default:
		m.Data = m.DatAddr()
	}
}

// Length is m_length: pkthdr.len with a header, else the sum of m_len.
func Length(m *Mbuf) int {
	if m.Flags&M_PKTHDR != 0 {
		return int(m.Pkt().Len)
	}
	return ChainLen(m)
}

// ChainLen is the sum of m_len over the chain.
func ChainLen(m *Mbuf) int {
	n := 0
	for ; m != nil; m = m.Next {
		n += int(m.Len)
	}
	return n
}

// bytesAt views n bytes of off-heap (or C) memory at addr.
func bytesAt(addr uintptr, n int) []byte {
	if n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(ptr(addr)), n)
}

// Payload returns the tag's payload bytes.
func (t *MTag) Payload() []byte {
	return bytesAt(uintptr(unsafe.Pointer(t))+uintptr(mTagSize), int(t.Len))
}

// BytesAt views n bytes at addr, memory Go does not manage (C memory
// handed to a call); nil when n <= 0. Byte-aligned, unlike MbufAt.
func BytesAt(addr uintptr, n int) []byte { return bytesAt(addr, n) }

// WordsAt views n pointer-sized words at addr (a C array of pointers).
func WordsAt(addr uintptr, n int) []uintptr {
	if n <= 0 {
		return nil
	}
	return unsafe.Slice((*uintptr)(ptr(addr)), n)
}

// Pointer fields of the off-heap structures that may hold other bytes
// before they are set (m_ext_ref and pkthdr.tags lie inside m_dat, where
// packet data was; a new tag's m_tag_link lies where an older tag's
// payload was; a foreign tag's holds what its owner left) are written
// with setPtr, and packet headers copied with copyPktHdr, never with a Go
// assignment. An assignment's write barrier hands the field's old contents
// to the garbage collector while it marks, and packet bytes that look
// like a freed Go heap address make it abort the process ("found bad
// pointer in Go heap"): on ILP32 random data does that within seconds.
// The collector never scans off-heap memory, so it needs none of these
// stores. gcsafe_test.go checks it.
func setPtr[T any](field **T, v *T) {
	*(*uintptr)(unsafe.Pointer(field)) = uintptr(unsafe.Pointer(v))
}

// copyPktHdr is *to = *from without a write barrier (see setPtr), field
// by field: a copy of the struct's bytes compiled to a call of memmove.
func copyPktHdr(to, from *PktHdr) {
	to.Rcvif = from.Rcvif
	setPtr(&to.Tags, from.Tags)
	to.Len, to.CsumFlags, to.CsumData, to.SegSz = from.Len, from.CsumFlags, from.CsumData, from.SegSz
}

// copyPktHdr copies every field: PktHdr is those fields and nothing else.
const _ = -uint(unsafe.Sizeof(PktHdr{}) - (2*unsafe.Sizeof(uintptr(0)) + 16))

// MbufAt converts an address handed over by C into an *Mbuf.
func MbufAt(p uintptr) *Mbuf { return at[Mbuf](p) }

// at turns an address from C into a *T without claiming that it is
// aligned: a caller's pointer may be anything, and the checks that follow
// decide (a plain conversion aborts checkptr builds, -race and -asan, on
// a misaligned one instead of reporting it).
func at[T any](p uintptr) *T { return *(**T)(unsafe.Pointer(&p)) }

// Addr is the address of m, as C sees it.
func Addr(m *Mbuf) uintptr { return uintptr(unsafe.Pointer(m)) }

// ptr turns an address of off-heap memory back into a pointer. The memory
// is never Go-managed, so the uintptr round trip is safe; this spelling
// keeps go vet's unsafeptr check quiet in the one place it is done.
func ptr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }
