package mbufc

/*
#include "internal.h"

// C trampolines for the callbacks of m_apply, m_devget and m_print
// (chain_wrappers.c).
int	mbuf__call_apply(uintptr_t f, uintptr_t arg, uintptr_t data, unsigned int len);
void	mbuf__call_devcopy(uintptr_t f, uintptr_t from, uintptr_t to, size_t len);
void	mbuf__call_pr(uintptr_t pr, const char *line);
*/
import "C"

import (
	"unsafe"

	"github.com/libmbuf/libmbuf/core"
)

// The chain operations of uipc_mbuf.c and uipc_mbuf2.c: thin shims over
// core (chain_*.go, copyback.go, pulldown.go, devget.go, print.go).

// cbytes views n bytes of C memory at p (nil when n <= 0 or p is NULL).
// core.BytesAt turns the address back into a pointer without claiming an
// alignment it need not have (Go's checkptr rejects that).
func cbytes(p C.uintptr_t, n C.int) []byte {
	if n <= 0 || p == 0 {
		return nil
	}
	return core.BytesAt(uintptr(p), int(n))
}

//export mbufgo_copym
func mbufgo_copym(m C.uintptr_t, off, l, how C.int) (r C.uintptr_t) {
	defer catch("m_copym")
	return cptr(pools.Copym(mb(m), int(off), int(l), int(how)))
}

//export mbufgo_dup
func mbufgo_dup(m C.uintptr_t, off, l, how C.int) (r C.uintptr_t) {
	defer catch("m_dup")
	return cptr(pools.Dup(mb(m), int(off), int(l), int(how)))
}

//export mbufgo_copypacket
func mbufgo_copypacket(m C.uintptr_t, how C.int) (r C.uintptr_t) {
	defer catch("m_copypacket")
	return cptr(pools.CopyPacket(mb(m), int(how)))
}

//export mbufgo_copydata
func mbufgo_copydata(m C.uintptr_t, off, l C.int, cp C.uintptr_t) {
	defer catch("m_copydata")
	pools.CopyDataAddr(mb(m), int(off), int(l), uintptr(cp))
}

//export mbufgo_cat
func mbufgo_cat(m, n C.uintptr_t) {
	defer catch("m_cat")
	pools.Cat(mb(m), mb(n))
}

//export mbufgo_adj
func mbufgo_adj(m C.uintptr_t, req C.int) {
	defer catch("m_adj")
	pools.Adj(mb(m), int(req))
}

//export mbufgo_prepend
func mbufgo_prepend(m C.uintptr_t, l, how C.int) (r C.uintptr_t) {
	defer catch("m_prepend")
	return cptr(pools.Prepend(mb(m), int(l), int(how)))
}

//export mbufgo_pullup
func mbufgo_pullup(m C.uintptr_t, l C.int) (r C.uintptr_t) {
	defer catch("m_pullup")
	return cptr(pools.Pullup(mb(m), int(l)))
}

//export mbufgo_copyup
func mbufgo_copyup(m C.uintptr_t, l, dstoff C.int) (r C.uintptr_t) {
	defer catch("m_copyup")
	return cptr(pools.Copyup(mb(m), int(l), int(dstoff)))
}

//export mbufgo_split
func mbufgo_split(m C.uintptr_t, l, how C.int) (r C.uintptr_t) {
	defer catch("m_split")
	return cptr(pools.Split(mb(m), int(l), int(how)))
}

//export mbufgo_devget
func mbufgo_devget(buf C.uintptr_t, totlen, off0 C.int, ifp, copyfn C.uintptr_t) (r C.uintptr_t) {
	defer catch("m_devget")
	var fn core.DevCopy
	if copyfn != 0 {
		fn = func(from, to uintptr, n int) {
			C.mbuf__call_devcopy(copyfn, C.uintptr_t(from), C.uintptr_t(to), C.size_t(n))
		}
	}
	return cptr(pools.Devget(uintptr(buf), int(totlen), int(off0), uintptr(ifp), fn))
}

//export mbufgo_copyback
func mbufgo_copyback(m C.uintptr_t, off, l C.int, cp C.uintptr_t) {
	defer catch("m_copyback")
	pools.Copyback(mb(m), int(off), int(l), cbytes(cp, l))
}

//export mbufgo_copyback_cow
func mbufgo_copyback_cow(m C.uintptr_t, off, l C.int, cp C.uintptr_t, how C.int) (r C.uintptr_t) {
	defer catch("m_copyback_cow")
	return cptr(pools.CopybackCow(mb(m), int(off), int(l), cbytes(cp, l), int(how)))
}

//export mbufgo_makewritable
func mbufgo_makewritable(mp *C.uintptr_t, off, l, how C.int) (r C.int) {
	defer catch("m_makewritable")
	if mp == nil {
		pools.MakeWritable(nil, int(off), int(l), int(how)) // reports it
		return 0
	}
	m := mb(*mp)
	r = C.int(pools.MakeWritable(&m, int(off), int(l), int(how)))
	*mp = cptr(m)
	return r
}

//export mbufgo_move_pkthdr
func mbufgo_move_pkthdr(to, from C.uintptr_t) {
	defer catch("m_move_pkthdr")
	pools.MovePkthdr(mb(to), mb(from))
}

//export mbufgo_copy_pkthdr
func mbufgo_copy_pkthdr(to, from C.uintptr_t) {
	defer catch("M_COPY_PKTHDR")
	pools.CopyPkthdr(mb(to), mb(from))
}

//export mbufgo_apply
func mbufgo_apply(m C.uintptr_t, off, l C.int, f, arg C.uintptr_t) (r C.int) {
	defer catch("m_apply")
	var fn core.ApplyFunc
	if f != 0 {
		fn = func(data uintptr, n int) int {
			return int(C.mbuf__call_apply(f, arg, C.uintptr_t(data), C.uint(n)))
		}
	}
	return C.int(pools.Apply(mb(m), int(off), int(l), fn))
}

//export mbufgo_getptr
func mbufgo_getptr(m C.uintptr_t, loc C.int, off *C.int) (r C.uintptr_t) {
	defer catch("m_getptr")
	if off == nil {
		panic(&core.Violation{Func: "m_getptr", Msg: "NULL off pointer"})
	}
	n, o := pools.Getptr(mb(m), int(loc))
	if n != nil {
		*off = C.int(o)
	}
	return cptr(n)
}

//export mbufgo_pulldown
func mbufgo_pulldown(m C.uintptr_t, off, l C.int, offp *C.int) (r C.uintptr_t) {
	defer catch("m_pulldown")
	n, o := pools.Pulldown(mb(m), int(off), int(l), offp != nil)
	if n != nil && offp != nil {
		*offp = C.int(o)
	}
	return cptr(n)
}

//export mbufgo_mapin
func mbufgo_mapin(m C.uintptr_t) (r C.uintptr_t) {
	defer catch("m_mapin")
	return C.uintptr_t(pools.Mapin(mb(m)))
}

//export mbufgo_claimm
func mbufgo_claimm(m, mo C.uintptr_t) {
	defer catch("m_claimm")
	pools.ClaimM(mb(m), uintptr(mo))
}

//export mbufgo_print
func mbufgo_print(m C.uintptr_t, chain C.int, pr C.uintptr_t) {
	defer catch("m_print")
	if pr == 0 {
		panic(&core.Violation{Func: "m_print", Msg: "NULL pr function"})
	}
	for _, line := range pools.Print(mb(m), chain != 0) {
		cs := C.CString(line)
		C.mbuf__call_pr(pr, cs)
		C.free(unsafe.Pointer(cs))
	}
}
