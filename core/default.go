package core

import (
	"os"
	"sync"
	"sync/atomic"
)

var defaultPools struct {
	mu sync.Mutex // creation and binding
	p  atomic.Pointer[Pools]
}

// Init makes the process-wide pools use the given globals and hooks (capi
// calls it with the C globals, from package mbufc's init). If Go code
// already created them with private globals (a package initialised before
// mbufc used them), they are bound to g and h instead, so that C and Go
// still share one pool: the counters gathered so far are added to g's,
// and the tunables of g are kept.
func Init(g *Globals, h Hooks) (*Pools, error) {
	defaultPools.mu.Lock()
	defer defaultPools.mu.Unlock()
	if p := defaultPools.p.Load(); p != nil {
		p.rebind(g, h)
		return p, nil
	}
	p, err := New(g, h)
	if err != nil {
		return nil, err
	}
	defaultPools.p.Store(p)
	return p, nil
}

// Default returns the process-wide pools, creating them with private
// globals on first use. After that it is one atomic load.
func Default() *Pools {
	if p := defaultPools.p.Load(); p != nil {
		return p
	}
	return makeDefault()
}

func makeDefault() *Pools {
	defaultPools.mu.Lock()
	defer defaultPools.mu.Unlock()
	if p := defaultPools.p.Load(); p != nil {
		return p
	}
	p, err := New(nil, Hooks{Warn: func(msg string) { os.Stderr.WriteString(msg + "\n") }})
	if err != nil {
		panic("libmbuf: cannot create pools: " + err.Error())
	}
	defaultPools.p.Store(p)
	return p
}

// rebind moves pools created with private globals onto g and h. It runs
// at program initialisation, before C code can call the library. Objects
// allocated before keep pointing at the private unknown owners and
// cluster tag, which stay valid (the static block is never unmapped).
func (p *Pools) rebind(g *Globals, h Hooks) {
	old := p.g.Stat
	for i := range old.Spare {
		g.Stat.Spare[i] += old.Spare[i]
	}
	g.Stat.Drops += old.Drops
	g.Stat.Wait += old.Wait
	g.Stat.Drain += old.Drain
	*g.MCFail += *p.g.MCFail
	*g.MPFail += *p.g.MPFail
	*g.MSFail += *p.g.MSFail
	p.g = *g
	p.hooks = h
}
