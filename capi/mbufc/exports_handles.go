package mbufc

/*
#include "internal.h"

// in python_helpers.c: the ext_free of storage owned through a handle
uintptr_t mbuf__handle_ext_free_fn(void);
*/
import "C"

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	pointer "github.com/mattn/go-pointer"

	"github.com/libmbuf/libmbuf/core"
)

// Owners of external storage that C cannot hold directly (a Go value)
// are kept in a go-pointer handle: the handle (a unique C pointer) goes
// into ext_arg, the Go record behind it says how to release the owner.
// The storage's ext_free is mbuf__handle_ext_free, which releases the
// handle when the last mbuf referring to the storage goes, whoever frees
// it (Python, C, Go), exactly once. (Python owners need no handle: C
// holds them directly, see python_helpers.c.)
//
// Handles are made when storage is attached and released with it: they
// never sit on the per-packet path of ordinary mbufs.

// extOwner is what a handle holds.
type extOwner struct {
	release func()
}

// liveHandles counts handles made and not yet released.
var liveHandles atomic.Int64

func newHandle(o *extOwner) unsafe.Pointer {
	liveHandles.Add(1)
	return pointer.Save(o)
}

// attachOwned makes m's storage buf[0, size) owned by o: MEXTADD with the
// handle's ext_free, M_EXT_RW if writable. On a violation the handle is
// released again (the owner too) before the panic goes on.
func attachOwned(m C.uintptr_t, buf, size C.uintptr_t, writable bool, o *extOwner) {
	h := newHandle(o)
	ok := false
	defer func() {
		if !ok {
			releaseHandle(h)
		}
	}()
	mbuf := mb(m)
	pools.ExtAdd(mbuf, uintptr(buf), uintptr(size), 0,
		uintptr(C.mbuf__handle_ext_free_fn()), uintptr(h))
	if writable {
		mbuf.Flags |= core.M_EXT_RW
	}
	ok = true
}

func releaseHandle(h unsafe.Pointer) {
	o, _ := pointer.Restore(h).(*extOwner)
	if o == nil {
		panic(&core.Violation{Func: "m_ext_free",
			Msg: fmt.Sprintf("ext_arg %p is not a live handle (released twice?)", h)})
	}
	pointer.Unref(h)
	liveHandles.Add(-1)
	if o.release != nil {
		o.release()
	}
}

//export mbufgo_handle_release
func mbufgo_handle_release(h C.uintptr_t) {
	defer catch("m_ext_free")
	p := uintptr(h)
	releaseHandle(*(*unsafe.Pointer)(unsafe.Pointer(&p)))
}

//export mbufgo_handles_live
func mbufgo_handles_live() C.long { return C.long(liveHandles.Load()) }
