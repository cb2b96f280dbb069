package mbufc

/*
#include "internal.h"
*/
import "C"

import (
	"unsafe"

	"github.com/libmbuf/libmbuf/core"
)

// mbufgo_type_counts writes the live mbufs of each type allocated minus
// freed on the Go side (kept per P by core's caches) into dst[256], for
// mbuf_stats_sync.
//
//export mbufgo_type_counts
func mbufgo_type_counts(dst C.uintptr_t) {
	defer catch("mbuf_stats_sync")
	pools.GoTypeCounts((*[core.NumTypes]int64)(unsafe.Pointer(core.MbufAt(uintptr(dst)))))
}

// mbufgo_barrier_all is core.Barrier for the C stealer (barrier.c): 1 if
// every running thread executed a full barrier, 0 if the caller must fall
// back to asking the scheduler.
//
//export mbufgo_barrier_all
func mbufgo_barrier_all() C.int {
	if core.Barrier() {
		return 1
	}
	return 0
}
