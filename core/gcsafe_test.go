package core

import (
	"runtime"
	"syscall"
	"testing"
	"unsafe"
)

// staleHeapAddress returns an address inside a span of the Go heap that
// has been freed: what the garbage collector rejects as a pointer.
func staleHeapAddress() uintptr {
	big := make([]byte, 1<<20) // a span of its own
	a := uintptr(unsafe.Pointer(&big[4096]))
	runtime.KeepAlive(big)
	runtime.GC()
	runtime.GC()
	return a
}

// fillWords writes w into every word of n bytes at addr.
func fillWords(addr uintptr, n int, w uintptr) {
	s := unsafe.Slice((*uintptr)(ptr(addr)), n/int(ptrSize))
	for i := range s {
		s[i] = w
	}
}

// Packet bytes may be anything, including a freed Go heap address. The
// pointer fields that overlap them (m_ext_ref and pkthdr.tags lie in m_dat)
// or that hold a caller's leftovers (a foreign tag's link) must be set
// without handing their old contents to the garbage collector, which
// aborts the process on such an address ("found bad pointer in Go heap")
// when a write barrier reports it during a collection. On ILP32 ordinary
// random data hit this within seconds of the model test (GC running all
// the time here keeps the write barrier on).
func TestPointerFieldsOverPacketBytes(t *testing.T) {
	p := newTestPools(t)
	var stale uintptr
	mem, err := syscall.Mmap(-1, 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(mem)
	foreign := (*MTag)(unsafe.Pointer(&mem[0])) // a port's own tag, off the Go heap

	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	defer func() { close(stop); <-done }()

	for i := 0; i < 100000; i++ {
		if i%10000 == 0 { // a fresh one, in case the span was reused
			stale = staleHeapAddress()
		}
		// MGETHDR over a slot whose m_dat held the address
		m := p.Get(M_DONTWAIT, MT_DATA)
		fillWords(m.DatAddr(), MLEN, stale)
		p.Free(m)
		h := p.GetHdr(M_DONTWAIT, MT_DATA)

		// MCLGET, M_COPY_PKTHDR, m_move_pkthdr and m_tag_init on mbufs
		// whose data covers m_ext_ref and pkthdr.tags
		m = p.Get(M_DONTWAIT, MT_DATA)
		fillWords(m.DatAddr(), MLEN, stale)
		p.ClGet(m, M_DONTWAIT)
		p.Free(m)
		m = p.Get(M_DONTWAIT, MT_DATA)
		fillWords(m.DatAddr(), MLEN, stale)
		p.CopyPkthdr(m, h)
		fillWords(m.PktDatAddr(), MHLEN, stale)
		m.Flags &^= M_PKTHDR
		fillWords(m.DatAddr(), MLEN, stale)
		p.MovePkthdr(m, h)
		fillWords(h.DatAddr(), MLEN, stale)
		h.Flags |= M_PKTHDR
		p.TagInit(h)

		// a foreign tag with the address in its link
		fillWords(uintptr(unsafe.Pointer(foreign)), 64, stale)
		p.TagPrepend(m, foreign)
		p.TagUnlink(m, foreign)
		p.Free(m)
		p.Free(h)
	}
	assertNoLeaks(t, p)
}
