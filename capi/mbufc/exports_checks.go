package mbufc

/*
#include "internal.h"
*/
import "C"

import "github.com/libmbuf/libmbuf/core"

// Checks the C side asks the core to make when its own predicate
// (checks.h) failed, so that the violation is worded by the core.

//export mbufgo_check_chain
func mbufgo_check_chain(m C.uintptr_t, fn *C.char) (ok C.int) {
	name := C.GoString(fn)
	defer catch(name)
	pools.CheckChain(name, mb(m))
	return 1
}

//export mbufgo_check_storage_target
func mbufgo_check_storage_target(m C.uintptr_t, fn *C.char) (ok C.int) {
	name := C.GoString(fn)
	defer catch(name)
	pools.CheckStorageTarget(name, mb(m))
	return 1
}

//export mbufgo_check_how
func mbufgo_check_how(how C.int, fn *C.char) (ok C.int) {
	name := C.GoString(fn)
	defer catch(name)
	core.CheckHow(name, int(how))
	return 1
}
