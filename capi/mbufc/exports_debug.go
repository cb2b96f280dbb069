package mbufc

/*
#include "internal.h"
void	mbuf__dbg_mem(uintptr_t addr, uintptr_t size, int state);
void	*mbuf__dbg_context_fn(void);
void	*mbuf__dbg_traceback_fn(void);
int	mbuf__dbg_symbolize(uintptr_t pc, char *out, int n);
*/
import "C"

import (
	"os"
	"runtime"
	"strings"
	"unsafe"

	"github.com/libmbuf/libmbuf/core"
)

// Debug mode and the leak report (issue 8): shims over core/debug.go and
// core/leak.go; capi/mbufc/debug.c holds the C side (valgrind client requests,
// the report at exit).

func init() {
	// Debug mode tells valgrind which slab bytes are off limits ...
	core.DebugMemHook = func(addr, size uintptr, state int) {
		C.mbuf__dbg_mem(C.uintptr_t(addr), C.uintptr_t(size), C.int(state))
	}
	// ... and reports a write after free found in quarantine through the
	// panic handler once the current call has returned (MBUF_FLUSH).
	core.DebugReportHook = func(fn, msg string) {
		C.mbuf__set_pending((*C.char)(unsafe.Pointer(unsafe.StringData(fn))), C.int(len(fn)),
			(*C.char)(unsafe.Pointer(unsafe.StringData(msg))), C.int(len(msg)))
	}
	// MBUF_DEBUG=alloc: record the C stack of every call into the library,
	// so reports name the C caller (it costs a backtrace per call)
	if strings.Contains(strings.ToLower(os.Getenv("MBUF_DEBUG")), "alloc") {
		runtime.SetCgoTraceback(0, C.mbuf__dbg_traceback_fn(), C.mbuf__dbg_context_fn(), nil)
		core.DebugSymbolizeHook = func(pc uintptr) (string, bool) {
			var b [256]C.char
			ours := C.mbuf__dbg_symbolize(C.uintptr_t(pc), &b[0], C.int(len(b)))
			return C.GoString(&b[0]), ours != 0
		}
	}
}

// mbufgo_leak_report returns the leak report as a malloc'd C string (the
// caller frees it; empty when nothing is allocated) and the count.
//
//export mbufgo_leak_report
func mbufgo_leak_report(count *C.int) (s *C.char) {
	defer catch("mbuf_leak_report")
	l := pools.Leaks()
	*count = C.int(l.Total())
	return C.CString(l.String())
}

//export mbufgo_leak_count
func mbufgo_leak_count() (n C.int) {
	defer catch("mbuf_leak_count")
	return C.int(pools.Leaks().Total())
}

//export mbufgo_debug_mode
func mbufgo_debug_mode() C.int { return C.int(pools.DebugMode()) }

//export mbufgo_debug_flush
func mbufgo_debug_flush() {
	defer catch("mbuf_debug_flush")
	pools.DebugFlush()
}

// mbufgo_pool_cache_put is pool_cache_put(mb_cache, m) in debug mode,
// where the freed mbuf goes to the quarantine instead of a C cache.
//
//export mbufgo_pool_cache_put
func mbufgo_pool_cache_put(m C.uintptr_t) {
	defer catch("pool_cache_put")
	pools.PutMbuf(mb(m))
}
