package mbuf

import (
	"unsafe"

	"github.com/libmbuf/libmbuf/core"
)

// Handing packets to C code in the same program and back. These are for
// programs that import github.com/libmbuf/libmbuf/capi/mbufc, whose C ABI
// (include/mbuf.h) works on the same pools: there a struct mbuf * from
// Detach is an ordinary chain for C code, and C code may hand chains to
// Adopt. Ownership moves; nothing is copied.

// Detach hands the packet over as a pointer to its first struct mbuf and
// leaves p empty. The receiver owns the chain: C code frees it with
// m_freem (or hands it back with Adopt). Every copy of the handle is
// stale from now on.
func (p *Packet) Detach() (unsafe.Pointer, error) {
	m, err := p.head("Detach")
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errorf(ErrInvalid, "Detach", "empty Packet")
	}
	if !core.Default().Release(m, p.gen) {
		return nil, freed("Detach")
	}
	p.m, p.gen, p.watch = nil, 0, nil
	return unsafe.Pointer(m), nil
}

// Adopt takes over a chain handed over by C code: m must point at the
// first mbuf of a live chain of these pools with a packet header
// (M_PKTHDR), not owned by another Packet. The caller gives up the
// pointer: from now on the chain is freed by the Packet.
func Adopt(m unsafe.Pointer) (_ Packet, err error) {
	defer recoverTo(&err, "Adopt")
	pl := core.Default()
	h := (*core.Mbuf)(m)
	pl.CheckChain("Adopt", h)
	if h == nil {
		return Packet{}, errorf(ErrInvalid, "Adopt", "NULL mbuf")
	}
	if h.Flags&core.M_PKTHDR == 0 {
		return Packet{}, errorf(ErrInvalid, "Adopt", "mbuf %p has no packet header", m)
	}
	gen, ok := pl.Claim(h)
	if !ok {
		return Packet{}, errorf(ErrInvalid, "Adopt", "mbuf %p is already owned by a Packet", m)
	}
	return Packet{m: h, gen: gen, watch: maybeWatch(h, gen)}, nil
}
