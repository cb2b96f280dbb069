package mbufc

/*
#include "internal.h"
*/
import "C"

import (
	"sync"

	"github.com/libmbuf/libmbuf/core"
)

// Packet tags (uipc_mbuf2.c): thin shims over core/tags.go.

func tag(p C.uintptr_t) *core.MTag { return core.TagAt(uintptr(p)) }

func tagptr(t *core.MTag) C.uintptr_t {
	if t == nil {
		return 0
	}
	return C.uintptr_t(uintptrOf(t))
}

//export mbufgo_tag_get
func mbufgo_tag_get(typ, l, wait C.int) (t C.uintptr_t) {
	defer catch("m_tag_get")
	return tagptr(pools.TagGet(int(typ), int(l), int(wait)))
}

//export mbufgo_tag_free
func mbufgo_tag_free(t C.uintptr_t) {
	defer catch("m_tag_free")
	pools.TagFree(tag(t))
}

//export mbufgo_tag_prepend
func mbufgo_tag_prepend(m, t C.uintptr_t) {
	defer catch("m_tag_prepend")
	pools.TagPrepend(mb(m), tag(t))
}

//export mbufgo_tag_unlink
func mbufgo_tag_unlink(m, t C.uintptr_t) {
	defer catch("m_tag_unlink")
	pools.TagUnlink(mb(m), tag(t))
}

//export mbufgo_tag_delete
func mbufgo_tag_delete(m, t C.uintptr_t) {
	defer catch("m_tag_delete")
	pools.TagDelete(mb(m), tag(t))
}

//export mbufgo_tag_delete_chain
func mbufgo_tag_delete_chain(m, t C.uintptr_t) {
	defer catch("m_tag_delete_chain")
	pools.TagDeleteChain(mb(m), tag(t))
}

// the C hook that frees foreign tags (mbuf_set_foreign_tag_free)
var foreignTagFree struct {
	sync.Mutex
	fn C.uintptr_t
}

//export mbufgo_set_foreign_tag_free
func mbufgo_set_foreign_tag_free(fn C.uintptr_t) (old C.uintptr_t) {
	defer catch("mbuf_set_foreign_tag_free")
	foreignTagFree.Lock()
	defer foreignTagFree.Unlock()
	old, foreignTagFree.fn = foreignTagFree.fn, fn
	if fn == 0 {
		pools.SetForeignTagFree(nil)
	} else {
		pools.SetForeignTagFree(func(t *core.MTag) { C.mbuf__call_tag_free(fn, tagptr(t)) })
	}
	return old
}

//export mbufgo_tag_find
func mbufgo_tag_find(m C.uintptr_t, typ C.int, t C.uintptr_t) (r C.uintptr_t) {
	defer catch("m_tag_find")
	return tagptr(pools.TagFind(mb(m), int(typ), tag(t)))
}

//export mbufgo_tag_copy
func mbufgo_tag_copy(t C.uintptr_t) (r C.uintptr_t) {
	defer catch("m_tag_copy")
	return tagptr(pools.TagCopy(tag(t)))
}

//export mbufgo_tag_copy_chain
func mbufgo_tag_copy_chain(to, from C.uintptr_t) (ok C.int) {
	defer catch("m_tag_copy_chain")
	if pools.TagCopyChain(mb(to), mb(from)) {
		return 1
	}
	return 0
}

//export mbufgo_tag_init
func mbufgo_tag_init(m C.uintptr_t) {
	defer catch("m_tag_init")
	pools.TagInit(mb(m))
}

//export mbufgo_tag_first
func mbufgo_tag_first(m C.uintptr_t) (r C.uintptr_t) {
	defer catch("m_tag_first")
	return tagptr(pools.TagFirst(mb(m)))
}

//export mbufgo_tag_next
func mbufgo_tag_next(m, t C.uintptr_t) (r C.uintptr_t) {
	defer catch("m_tag_next")
	return tagptr(pools.TagNext(mb(m), tag(t)))
}
