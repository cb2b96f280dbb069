package core

import "sync"

// goExtFree in ext_free marks storage whose release is a Go function
// (Go-owned buffers attached with ExtAddGo); ext_arg is then its key.
const goExtFree = 1

var goFrees struct {
	sync.Mutex
	next uintptr
	fns  map[uintptr]func()
}

// ExtAddGo attaches buf (memory that stays valid until release runs, e.g.
// pinned Go memory) as external storage; release runs exactly once when
// the last reference goes. writable adds M_EXT_RW.
func (p *Pools) ExtAddGo(m *Mbuf, buf uintptr, size int, writable bool, release func()) {
	goFrees.Lock()
	if goFrees.fns == nil {
		goFrees.fns = make(map[uintptr]func())
	}
	goFrees.next++
	key := goFrees.next
	goFrees.fns[key] = release
	goFrees.Unlock()
	p.ExtAdd(m, buf, uintptr(size), 0, goExtFree, key)
	if writable {
		m.Flags |= M_EXT_RW
	}
}

func (p *Pools) runGoExtFree(m *Mbuf, key uintptr) {
	goFrees.Lock()
	fn := goFrees.fns[key]
	delete(goFrees.fns, key)
	goFrees.Unlock()
	p.putMbuf(m)
	if fn != nil {
		fn()
	}
}
