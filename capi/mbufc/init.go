// Package mbufc is the C ABI of include/mbuf.h over the Go core: the
// NetBSD functions with their exact signatures, the per-thread caches and
// the small hot operations in C, and the //export shims (mbufgo_*) through
// which the C side hands everything else to core.
//
// capi (package main) links it into libmbuf.so. A Go program that imports
// it gets the same functions in its own binary, so cgo code compiled
// against include/mbuf.h and Go code share one runtime and one pool.
//
// The layer is thin on purpose: each shim converts its arguments, calls
// core, and recovers any panic so that nothing unwinds into C.
package mbufc

/*
#cgo CFLAGS: -I${SRCDIR}/../../include -O2 -gdwarf-4 -Wall -Wextra -Wno-unused-parameter -fvisibility=default
#include "internal.h"
*/
import "C"

import (
	"os"
	"unsafe"

	"github.com/libmbuf/libmbuf/core"
)

// pools is the process-wide core, bound to the C globals.
var pools *core.Pools

func init() {
	g := &core.Globals{
		NMBClusters:   (*int32)(unsafe.Pointer(&C.nmbclusters)),
		MbLowat:       (*int32)(unsafe.Pointer(&C.mblowat)),
		MclLowat:      (*int32)(unsafe.Pointer(&C.mcllowat)),
		MaxLinkHdr:    (*int32)(unsafe.Pointer(&C.max_linkhdr)),
		MaxProtoHdr:   (*int32)(unsafe.Pointer(&C.max_protohdr)),
		MaxHdr:        (*int32)(unsafe.Pointer(&C.max_hdr)),
		MaxDataLen:    (*int32)(unsafe.Pointer(&C.max_datalen)),
		MCFail:        (*int32)(unsafe.Pointer(&C.MCFail)),
		MPFail:        (*int32)(unsafe.Pointer(&C.MPFail)),
		MSFail:        (*int32)(unsafe.Pointer(&C.MSFail)),
		Stat:          (*core.Mbstat)(unsafe.Pointer(&C.mbstat)),
		UnknownOwners: (*[core.MT_OOBDATA + 1]core.Mowner)(unsafe.Pointer(&C.unknown_mowners)),
		RevokedOwner:  (*core.Mowner)(unsafe.Pointer(&C.revoked_mowner)),
		ClusterCache:  uintptr(unsafe.Pointer(C.mcl_cache)),
	}
	h := core.Hooks{
		Reclaim: func() { C.mbuf__drain_hooks() },
		CallExtFree: func(fn, m, buf, size, arg uintptr) {
			C.mbuf__call_ext_free(C.uintptr_t(fn), C.uintptr_t(m), C.uintptr_t(buf),
				C.uintptr_t(size), C.uintptr_t(arg))
		},
		FreeMalloc: func(buf uintptr) { C.mbuf__free_malloc(C.uintptr_t(buf)) },
		Warn: func(msg string) {
			cs := C.CString(msg)
			C.mbuf__warn(cs)
			C.free(unsafe.Pointer(cs))
		},
		OwnerName: func(o uintptr) (string, bool) {
			var b [40]C.char
			if C.mbuf__owner_name(C.uintptr_t(o), &b[0], C.int(len(b))) == 0 {
				return "", false
			}
			return C.GoString(&b[0]), true
		},
		ArenaGrown: func() { C.mbuf__arena_sync() },
		Symbol: func(pc uintptr) string {
			var b [256]C.char
			C.mbuf__dbg_symbolize(C.uintptr_t(pc), &b[0], C.int(len(b)))
			return C.GoString(&b[0])
		},
	}
	// Never exit or abort the host from here: pools that could not map
	// their arenas fail every allocation with a warning instead.
	p, err := core.Init(g, h)
	if err != nil { // the process already has its pools (a Go program)
		os.Stderr.WriteString("libmbuf: " + err.Error() + ": using the existing pools\n")
		p = core.Default()
	}
	pools = p
}

// catch is deferred by every export: it turns a panic into a pending
// violation that the C wrapper reports after the call returns (on a plain
// C stack, where the user's handler may even longjmp).
func catch(fn string) {
	if r := recover(); r != nil {
		v, ok := r.(*core.Violation)
		if !ok {
			v = &core.Violation{Func: fn, Msg: "internal error: " + anyString(r)}
		}
		C.mbuf__set_pending((*C.char)(unsafe.Pointer(unsafe.StringData(v.Func))), C.int(len(v.Func)),
			(*C.char)(unsafe.Pointer(unsafe.StringData(v.Msg))), C.int(len(v.Msg)))
	}
}

func anyString(r any) string {
	switch x := r.(type) {
	case error:
		return x.Error()
	case string:
		return x
	}
	return "unexpected panic"
}

func mb(p C.uintptr_t) *core.Mbuf   { return core.MbufAt(uintptr(p)) }
func cptr(m *core.Mbuf) C.uintptr_t { return C.uintptr_t(core.Addr(m)) }
func slots(p C.uintptr_t, n C.int) []uintptr {
	return unsafe.Slice((*uintptr)(unsafe.Pointer(core.MbufAt(uintptr(p)))), int(n))
}
