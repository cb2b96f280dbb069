package core

import (
	"os"
	"sync"
)

var defaultPools struct {
	sync.Mutex
	p *Pools
}

// Init creates the process-wide pools with the given globals and hooks
// (capi calls it with the C globals). It fails if they already exist.
func Init(g *Globals, h Hooks) (*Pools, error) {
	defaultPools.Lock()
	defer defaultPools.Unlock()
	if defaultPools.p != nil {
		return nil, os.ErrExist
	}
	p, err := New(g, h)
	if err != nil {
		return nil, err
	}
	defaultPools.p = p
	return p, nil
}

// Default returns the process-wide pools, creating them with private
// globals on first use.
func Default() *Pools {
	defaultPools.Lock()
	defer defaultPools.Unlock()
	if defaultPools.p == nil {
		p, err := New(nil, Hooks{Warn: func(msg string) { os.Stderr.WriteString(msg + "\n") }})
		if err != nil {
			panic("libmbuf: cannot create pools: " + err.Error())
		}
		defaultPools.p = p
	}
	return defaultPools.p
}
