// Package udp4 runs NetBSD kernel code on the packets of a Go program:
// examples/ported/udp4_check.c, written in NetBSD's style against
// <sys/mbuf.h> and compiled here unchanged with libmbuf's porting kit
// (-D_KERNEL, include/netbsd), checks IPv4 + UDP packets that Go code
// built with package mbuf. Importing capi/mbufc puts the C ABI of
// include/mbuf.h in the same binary, so C and Go share one runtime and one
// pool: a Packet crosses by handing its chain over (Detach) and taking it
// back (Adopt), never by copying.
package udp4

/*
#cgo CFLAGS: -D_KERNEL -I${SRCDIR}/../../../../include -I${SRCDIR}/../../../../include/netbsd -I${SRCDIR}/../../../ported
#include "udp4_check.h"
#include "cside.h"
*/
import "C"

import (
	"fmt"
	"unsafe"

	_ "github.com/libmbuf/libmbuf/capi/mbufc" // the C ABI, in this binary
	"github.com/libmbuf/libmbuf/mbuf"
)

// Verdicts of udp4_input_check.
const (
	OK       = C.UDP4_OK
	TooShort = C.UDP4_TOOSHORT
	BadIPSum = C.UDP4_BADIPSUM
	BadLen   = C.UDP4_BADLEN
	NotUDP   = C.UDP4_NOTUDP
	BadSum   = C.UDP4_BADSUM
	NoMem    = C.UDP4_NOMEM
)

// Reason names a verdict.
func Reason(v int) string { return C.GoString(C.udp4_reason(C.int(v))) }

// Check validates the IPv4 header starting off bytes into p, and the UDP
// datagram behind it, with the C code. The packet is handed to C: if it
// is valid, C hands it back (its first mbuf may have changed: m_pullup)
// and p holds it again; if not, C has freed it (m_freem) and p is empty.
func Check(p *mbuf.Packet, off int) (verdict int, err error) {
	m, err := p.Detach()
	if err != nil {
		return 0, err
	}
	var reason C.int
	r := C.udp4_input_check((*C.struct_mbuf)(m), C.int(off), &reason)
	if r != nil {
		if *p, err = mbuf.Adopt(unsafe.Pointer(r)); err != nil {
			return 0, err
		}
	}
	return int(reason), nil
}

// FillChecksums has the C code compute the IPv4 header and UDP checksums
// of p (IPv4 header off bytes in) in place: p is lent to C for the call.
// The headers must be contiguous in the first mbuf (p.Header(off + 28)),
// which the C code asserts (KASSERT).
func FillChecksums(p *mbuf.Packet, off int) error {
	m, err := p.Detach()
	if err != nil {
		return err
	}
	C.udp4_output_cksum((*C.struct_mbuf)(m), C.int(off))
	*p, err = mbuf.Adopt(m)
	return err
}

// BuildInC has C code make a packet (m_gethdr, m_copyback: a chain of
// mbufs and clusters from C's per-thread caches) holding data, and takes
// it over as a Packet, which Go code then frees.
func BuildInC(data []byte) (mbuf.Packet, error) {
	var m *C.struct_mbuf
	if len(data) > 0 {
		m = C.cside_build(unsafe.Pointer(&data[0]), C.int(len(data)))
	} else {
		m = C.cside_build(nil, 0)
	}
	if m == nil {
		return mbuf.Packet{}, fmt.Errorf("cside_build: %w", mbuf.ErrNoBufs)
	}
	return mbuf.Adopt(unsafe.Pointer(m))
}

// CLiveMbufs is what C code sees of the shared pool: the live mbufs of
// type MT_DATA in mbstat after mbuf_stats_sync.
func CLiveMbufs() int { return int(C.cside_live_data_mbufs()) }

// Allocated counts the C code's own malloc(9) allocations (its per-port
// table), which must be zero after Clear.
func Allocated() int { return int(C.udp4_check_allocated()) }

// Accepted is how many packets the C code accepted for a UDP port.
func Accepted(port int) int { return int(C.udp4_port_packets(C.uint(port))) }

// Clear frees the C code's per-port table.
func Clear() { C.udp4_port_clear() }

// SetClusterLimit sets the C global nmbclusters, which the Go side obeys
// too (one pool), and returns the old value.
func SetClusterLimit(n int) int { return int(C.cside_set_nmbclusters(C.int(n))) }
