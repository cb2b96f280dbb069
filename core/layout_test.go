package core

import (
	"testing"
	"unsafe"
)

// The expected numbers are worked out by hand from the NetBSD 2007 LP64
// definitions (pointers and longs 8 bytes, int 4, short 2, natural
// alignment), not read back from include/mbuf.h; capi checks the C
// header against the same numbers.
var layoutSink *Mbuf // makes the mbuf of TestLayoutMatchesNetBSD escape

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
		want uintptr
	}{
		{"sizeof(struct mbuf)", unsafe.Sizeof(*m), 512},
		{"sizeof(struct m_hdr)", unsafe.Sizeof(MHdr{}), 56},
		{"m_next", off(unsafe.Pointer(&m.Next)), 0},
		{"m_nextpkt", off(unsafe.Pointer(&m.NextPkt)), 8},
		{"m_data", off(unsafe.Pointer(&m.Data)), 16},
		{"m_owner", off(unsafe.Pointer(&m.Owner)), 24},
		{"m_len", off(unsafe.Pointer(&m.Len)), 32},
		{"m_flags", off(unsafe.Pointer(&m.Flags)), 36},
		{"m_paddr", off(unsafe.Pointer(&m.Paddr)), 40},
		{"m_type", off(unsafe.Pointer(&m.Type)), 48},
		{"m_dat", m.DatAddr() - base, 56},
		{"m_pkthdr", off(unsafe.Pointer(m.Pkt())), 56},
		{"m_pkthdr.rcvif", off(unsafe.Pointer(&m.Pkt().Rcvif)), 56},
		{"m_pkthdr.tags", off(unsafe.Pointer(&m.Pkt().Tags)), 64},
		{"m_pkthdr.len", off(unsafe.Pointer(&m.Pkt().Len)), 72},
		{"m_pkthdr.csum_flags", off(unsafe.Pointer(&m.Pkt().CsumFlags)), 76},
		{"m_pkthdr.csum_data", off(unsafe.Pointer(&m.Pkt().CsumData)), 80},
		{"m_pkthdr.segsz", off(unsafe.Pointer(&m.Pkt().SegSz)), 84},
		{"sizeof(struct pkthdr)", unsafe.Sizeof(PktHdr{}), 32},
		{"m_pktdat", m.PktDatAddr() - base, 88},
		{"m_ext_ref", off(unsafe.Pointer(m.ExtRefPtr())), 88},
		{"m_ext_storage", off(unsafe.Pointer(m.ExtStorage())), 96},
		{"ext_refcnt", off(unsafe.Pointer(&m.ExtStorage().RefCnt)), 104},
		{"ext_flags", off(unsafe.Pointer(&m.ExtStorage().Flags)), 108},
		{"ext_buf", off(unsafe.Pointer(&m.ExtStorage().Buf)), 112},
		{"ext_free", off(unsafe.Pointer(&m.ExtStorage().Free)), 120},
		{"ext_arg", off(unsafe.Pointer(&m.ExtStorage().Arg)), 128},
		{"ext_size", off(unsafe.Pointer(&m.ExtStorage().Size)), 136},
		{"ext_type", off(unsafe.Pointer(&m.ExtStorage().MType)), 144},
		{"ext_paddr", off(unsafe.Pointer(&m.ExtStorage().Paddr)), 152},
		{"sizeof(struct _m_ext_storage)", unsafe.Sizeof(ExtStorage{}), 192},
		{"sizeof(struct m_tag)", unsafe.Sizeof(MTag{}), 16},
		{"m_tag_id", unsafe.Offsetof(MTag{}.ID), 8},
		{"m_tag_len", unsafe.Offsetof(MTag{}.Len), 10},
		{"sizeof(struct mowner)", unsafe.Sizeof(Mowner{}), 96},
		{"mo_claims", unsafe.Offsetof(Mowner{}.Claims), 48},
		{"sizeof(struct mbstat)", unsafe.Sizeof(Mbstat{}), 568},
		{"m_drops", unsafe.Offsetof(Mbstat{}.Drops), 32},
		{"m_mtypes", unsafe.Offsetof(Mbstat{}.MTypes), 56},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, c.got, c.want)
		}
	}
	if MLEN != 456 || MHLEN != 424 || MINCLSIZE != 881 {
		t.Errorf("MLEN/MHLEN/MINCLSIZE = %d/%d/%d, want 456/424/881", MLEN, MHLEN, MINCLSIZE)
	}
}

// The shared block is read by C (capi/mbufc/internal.h); pin its layout.
func TestSharedLayout(t *testing.T) {
	var s Shared
	if got := unsafe.Offsetof(s.Flags); got != 48 {
		t.Errorf("Shared.Flags at %d, want 48", got)
	}
	if got := unsafe.Offsetof(s.GoTypes); got != 56 {
		t.Errorf("Shared.GoTypes at %d, want 56", got)
	}
}
