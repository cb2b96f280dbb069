package core

import (
	"testing"
	"unsafe"
)

// The expected numbers are worked out by hand from the NetBSD 2007
// definitions, not read back from include/mbuf.h or the Go structures:
// LP64 (amd64: pointers and longs 8 bytes, int 4, short 2, natural
// alignment) and ILP32 (i386: pointers and longs 4 bytes; the largest
// alignment is 4). c_tests/test_layout.c checks the C header against the
// same numbers. Each row is {LP64, ILP32}; the test picks the column of
// the ABI it is built for (GOARCH=386 runs the ILP32 one).
var layoutSink *Mbuf // makes the mbuf of TestLayoutMatchesNetBSD escape

type abiPair [2]uintptr

func (p abiPair) want() uintptr {
	if unsafe.Sizeof(uintptr(0)) == 8 {
		return p[0]
	}
	return p[1]
}

func TestLayoutMatchesNetBSD(t *testing.T) {
	// On the heap: a stack variable may move (stack growth) between
	// taking base and the addresses below, as it does under -race.
	m := new(Mbuf)
	layoutSink = m
	base := uintptr(unsafe.Pointer(m))
	off := func(p unsafe.Pointer) uintptr { return uintptr(p) - base }
	checks := []struct {
		name string
		got  uintptr
		want abiPair
	}{
		{"sizeof(struct mbuf)", unsafe.Sizeof(*m), abiPair{512, 256}},
		{"sizeof(struct m_hdr)", unsafe.Sizeof(MHdr{}), abiPair{56, 32}},
		{"m_next", off(unsafe.Pointer(&m.Next)), abiPair{0, 0}},
		{"m_nextpkt", off(unsafe.Pointer(&m.NextPkt)), abiPair{8, 4}},
		{"m_data", off(unsafe.Pointer(&m.Data)), abiPair{16, 8}},
		{"m_owner", off(unsafe.Pointer(&m.Owner)), abiPair{24, 12}},
		{"m_len", off(unsafe.Pointer(&m.Len)), abiPair{32, 16}},
		{"m_flags", off(unsafe.Pointer(&m.Flags)), abiPair{36, 20}},
		{"m_paddr", off(unsafe.Pointer(&m.Paddr)), abiPair{40, 24}},
		{"m_type", off(unsafe.Pointer(&m.Type)), abiPair{48, 28}},
		{"m_dat", m.DatAddr() - base, abiPair{56, 32}},
		{"m_pkthdr", off(unsafe.Pointer(m.Pkt())), abiPair{56, 32}},
		{"m_pkthdr.rcvif", off(unsafe.Pointer(&m.Pkt().Rcvif)), abiPair{56, 32}},
		{"m_pkthdr.tags", off(unsafe.Pointer(&m.Pkt().Tags)), abiPair{64, 36}},
		{"m_pkthdr.len", off(unsafe.Pointer(&m.Pkt().Len)), abiPair{72, 40}},
		{"m_pkthdr.csum_flags", off(unsafe.Pointer(&m.Pkt().CsumFlags)), abiPair{76, 44}},
		{"m_pkthdr.csum_data", off(unsafe.Pointer(&m.Pkt().CsumData)), abiPair{80, 48}},
		{"m_pkthdr.segsz", off(unsafe.Pointer(&m.Pkt().SegSz)), abiPair{84, 52}},
		{"sizeof(struct pkthdr)", unsafe.Sizeof(PktHdr{}), abiPair{32, 24}},
		{"m_pktdat", m.PktDatAddr() - base, abiPair{88, 56}},
		{"m_ext_ref", off(unsafe.Pointer(m.ExtRefPtr())), abiPair{88, 56}},
		{"m_ext_storage", off(unsafe.Pointer(m.ExtStorage())), abiPair{96, 60}},
		{"ext_refcnt", off(unsafe.Pointer(&m.ExtStorage().RefCnt)), abiPair{104, 64}},
		{"ext_flags", off(unsafe.Pointer(&m.ExtStorage().Flags)), abiPair{108, 68}},
		{"ext_buf", off(unsafe.Pointer(&m.ExtStorage().Buf)), abiPair{112, 72}},
		{"ext_free", off(unsafe.Pointer(&m.ExtStorage().Free)), abiPair{120, 76}},
		{"ext_arg", off(unsafe.Pointer(&m.ExtStorage().Arg)), abiPair{128, 80}},
		{"ext_size", off(unsafe.Pointer(&m.ExtStorage().Size)), abiPair{136, 84}},
		{"ext_type", off(unsafe.Pointer(&m.ExtStorage().MType)), abiPair{144, 88}},
		{"ext_paddr", off(unsafe.Pointer(&m.ExtStorage().Paddr)), abiPair{152, 92}},
		{"sizeof(struct _m_ext_storage)", unsafe.Sizeof(ExtStorage{}), abiPair{192, 100}},
		{"sizeof(struct m_tag)", unsafe.Sizeof(MTag{}), abiPair{16, 8}},
		{"m_tag_id", unsafe.Offsetof(MTag{}.ID), abiPair{8, 4}},
		{"m_tag_len", unsafe.Offsetof(MTag{}.Len), abiPair{10, 6}},
		{"sizeof(struct mowner)", unsafe.Sizeof(Mowner{}), abiPair{96, 64}},
		{"mo_link", unsafe.Offsetof(Mowner{}.LinkNext), abiPair{32, 32}},
		{"mo_claims", unsafe.Offsetof(Mowner{}.Claims), abiPair{48, 40}},
		{"mo_ext_releases", unsafe.Offsetof(Mowner{}.ExtReleases), abiPair{88, 60}},
		{"sizeof(struct mbstat)", unsafe.Sizeof(Mbstat{}), abiPair{568, 540}},
		{"m_drops", unsafe.Offsetof(Mbstat{}.Drops), abiPair{32, 16}},
		{"m_mtypes", unsafe.Offsetof(Mbstat{}.MTypes), abiPair{56, 28}},
		{"MSIZE", MSIZE, abiPair{512, 256}},
		{"MLEN", MLEN, abiPair{456, 224}},
		{"MHLEN", MHLEN, abiPair{424, 200}},
		{"MINCLSIZE", MINCLSIZE, abiPair{881, 425}},
		{"MCLBYTES", MCLBYTES, abiPair{2048, 2048}},
	}
	for _, c := range checks {
		if c.got != c.want.want() {
			t.Errorf("%s: got %d, want %d", c.name, c.got, c.want.want())
		}
	}
}

// The shared block is read by C (capi/mbufc/internal.h); pin its layout.
func TestSharedLayout(t *testing.T) {
	var s Shared
	if got, want := unsafe.Offsetof(s.Flags), (abiPair{48, 24}).want(); got != want {
		t.Errorf("Shared.Flags at %d, want %d", got, want)
	}
	// go_types is updated with 64-bit atomics, on i386 too: 8-aligned
	if got, want := unsafe.Offsetof(s.GoTypes), (abiPair{56, 32}).want(); got != want {
		t.Errorf("Shared.GoTypes at %d, want %d", got, want)
	}
}
