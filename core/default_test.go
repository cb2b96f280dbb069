package core

import (
	"testing"
	"unsafe"
)

// Go code may use the process-wide pools before package mbufc binds them
// to the C globals (a package initialised earlier than mbufc): Init then
// binds the same pools, so that C and Go still share one pool, and keeps
// the counters gathered so far.
func TestInitBindsPoolsMadeEarlier(t *testing.T) {
	early := Default()
	m := early.Get(M_DONTWAIT, MT_DATA)
	early.Freem(m)
	*early.g.MCFail = 3
	early.g.Stat.Drops = 2

	s, err := newStatic(64 << 10)
	if err != nil {
		t.Fatal(err)
	}
	g := privateGlobals(s) // stands for the C globals
	*g.NMBClusters = 777
	var reclaimed bool
	p, err := Init(g, Hooks{Reclaim: func() { reclaimed = true }})
	if err != nil || p != early || Default() != early {
		t.Fatalf("Init made other pools (%v)", err)
	}
	if p.g.NMBClusters != g.NMBClusters || *p.g.NMBClusters != 777 {
		t.Fatal("the pools do not read the bound globals")
	}
	if *g.MCFail != 3 || g.Stat.Drops != 2 {
		t.Fatalf("counters lost: MCFail %d, drops %d", *g.MCFail, g.Stat.Drops)
	}
	if p.Reclaim(); !reclaimed {
		t.Fatal("the bound hooks are not used")
	}
	if uintptr(unsafe.Pointer(p.g.Stat)) != uintptr(unsafe.Pointer(g.Stat)) {
		t.Fatal("mbstat not bound")
	}
}
