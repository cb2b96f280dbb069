package mbufc

/*
#include "internal.h"
*/
import "C"

import "github.com/libmbuf/libmbuf/core"

// PATTERN for exports (follow it for every Go-implemented function):
//
//	//export mbufgo_NAME
//	func mbufgo_NAME(m C.uintptr_t, n C.int) (r C.uintptr_t) {
//		defer catch("NETBSD_NAME")
//		return cptr(pools.Name(mb(m), int(n)))
//	}
//
// and in a .c file, the ABI function with its exact prototype from
// include/mbuf.h calls it and then MBUF_FLUSH() (which reports a recovered
// violation through the panic handler on the C stack):
//
//	struct mbuf *NETBSD_NAME(struct mbuf *m, int n) {
//		struct mbuf *r = (struct mbuf *)mbufgo_NAME((uintptr_t)m, n);
//		MBUF_FLUSH();
//		return r;
//	}
//
// Pointers cross as uintptr_t (they point into off-heap memory Go never
// moves), results are named so a recovered panic returns the zero value.

//export mbufgo_shared
func mbufgo_shared() C.uintptr_t {
	return C.uintptr_t(uintptrOf(pools.Shared()))
}

//export mbufgo_check_mbuf
func mbufgo_check_mbuf(m C.uintptr_t, fn *C.char) (ok C.int) {
	name := C.GoString(fn)
	defer catch(name)
	pools.CheckMbuf(name, mb(m))
	return 1
}

//export mbufgo_take
func mbufgo_take(kind, how C.int, dst C.uintptr_t, n C.int) (got C.int) {
	defer catch("mbuf cache refill")
	if kind == 0 {
		return C.int(pools.TakeMbufs(slots(dst, n), int(how)))
	}
	return C.int(pools.TakeClusters(slots(dst, n), int(how)))
}

//export mbufgo_give
func mbufgo_give(kind C.int, src C.uintptr_t, n C.int) {
	defer catch("mbuf cache drain")
	if kind == 0 {
		pools.GiveMbufs(slots(src, n))
	} else {
		pools.GiveClusters(slots(src, n))
	}
}

//export mbufgo_get
func mbufgo_get(how, typ, hdr C.int) (m C.uintptr_t) {
	if hdr != 0 {
		defer catch("m_gethdr")
		return cptr(pools.GetHdr(int(how), int(typ)))
	}
	defer catch("m_get")
	return cptr(pools.Get(int(how), int(typ)))
}

//export mbufgo_clget
func mbufgo_clget(m C.uintptr_t, how C.int) {
	defer catch("m_clget")
	pools.ClGet(mb(m), int(how))
}

//export mbufgo_getcl
func mbufgo_getcl(how, typ, flags C.int) (m C.uintptr_t) {
	defer catch("m_getcl")
	return cptr(pools.GetCl(int(how), int(typ), int(flags)))
}

//export mbufgo_free
func mbufgo_free(m C.uintptr_t) (next C.uintptr_t) {
	defer catch("m_free")
	return cptr(pools.Free(mb(m)))
}

//export mbufgo_freem
func mbufgo_freem(m C.uintptr_t) {
	defer catch("m_freem")
	pools.Freem(mb(m))
}

//export mbufgo_ext_free
func mbufgo_ext_free(m C.uintptr_t) {
	defer catch("m_ext_free")
	pools.ExtFree(mb(m))
}

//export mbufgo_extadd
func mbufgo_extadd(m, buf, size, mtype, free, arg C.uintptr_t) {
	defer catch("MEXTADD")
	pools.ExtAdd(mb(m), uintptr(buf), uintptr(size), uintptr(mtype), uintptr(free), uintptr(arg))
}

//export mbufgo_chtype
func mbufgo_chtype(m C.uintptr_t, t C.int) {
	defer catch("MCHTYPE")
	pools.ChType(mb(m), int(t))
}

// mbufgo_reclaim is m_reclaim: the core runs the hooks (C ones through
// Hooks.Reclaim), so that one rule guards them against re-entry.
//
//export mbufgo_reclaim
func mbufgo_reclaim() {
	defer catch("m_reclaim")
	pools.Reclaim()
}

//export mbufgo_max_clusters
func mbufgo_max_clusters() C.int { return C.int(core.MaxClusters) }

//export mbufgo_set_lowat
func mbufgo_set_lowat(mb, cl C.int) {
	defer catch("kern.mbuf")
	pools.SetLowat(int(mb), int(cl))
}
