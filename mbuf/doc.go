// Package mbuf gives Go programs NetBSD's mbuf packet buffers: chains of
// small buffers and 2 KiB clusters kept outside the Go heap, the 2007
// uipc_mbuf.c operations on them (copy by reference with copy-on-write,
// split, concatenate, pull up, prepend in place), packet tags, and a Go
// shape over them: io.ReaderAt, io.WriterAt, io.WriterTo, io.ReaderFrom,
// an iterator over the segments, whole-packet reads and writes on
// sockets, and the Internet checksum.
//
// # Packets
//
// A Packet is a handle on one chain with a packet header. It is a small
// value (no heap allocation): New, Clone, Copy, Split and the other
// constructors return one, and its methods take a pointer:
//
//	p, err := mbuf.New(frame)
//	if err != nil {
//		return err // errors.Is(err, mbuf.ErrNoBufs): the pools are exhausted
//	}
//	defer p.Free()
//
// The zero Packet is empty: Append, ReadFrom and Prepend start a packet
// in it, and Free, Len and the read methods treat it as 0 bytes.
//
// # Ownership and lifetime
//
// The memory of a packet is freed by Free, never by the garbage
// collector. A Packet must have one owner: go vet reports copies of a
// Packet value (pass *Packet, or move ownership with Take). A handle that
// no longer owns its chain is stale: a copy of a handle whose packet was
// freed, consumed by Cat, handed to C with Detach, or given a new first
// mbuf by another copy. Every method of a stale handle returns ErrFreed
// (Len returns 0) without touching the memory, which may already belong
// to another packet: each first mbuf carries a generation number that
// moves on whenever a handle gives it up. Free is idempotent and never
// panics; no method panics.
//
// Slices handed out by Header, Pulldown, All and Segments point into the
// packet's memory. They are valid until the packet next changes (any
// method that modifies it) or is freed; writing through them is allowed
// only for Header, Pulldown and WriteAt's in-place cases (the bytes of
// All and Segments may be shared with other packets). With MBUF_DEBUG=1
// in the environment, freed memory is poisoned and kept out of use for a
// while, and a write through a slice kept past Free is reported (see
// LeakReport).
//
// A Packet dropped without Free is found by the garbage collector when
// leak tracking watches it: then it is reported on standard error with
// the call that made it, and freed (an attached buffer is released). One
// packet in 1024 is watched (a fresh mbuf slot always is, so a leak that
// keeps taking new memory is found early); MBUF_LEAK_REPORT=1 in the
// environment watches every packet. Go has no exit hook: defer LeakCheck
// in main (with MBUF_LEAK_REPORT=1 it prints the census of what is left
// and exits with status 97 if anything is), or call LeakReport.
//
// A Packet is not safe for concurrent use; different packets may be used
// from different goroutines. The pools are process-wide, with a cache per
// P in front of them, so allocation takes no lock.
//
// # Errors
//
// Methods return ErrNoBufs when the pools are exhausted (NMBCLUSTERS
// reached), ErrRange for an offset or length outside the packet,
// ErrFreed for a stale handle, ErrTooBig for a size no buffer can hold
// and ErrInvalid for other broken contracts, each wrapped in an *Error
// naming the NetBSD operation; match them with errors.Is. A failed method
// leaves the packet as it was, except Pullup and Pulldown, which keep
// NetBSD's contract (the chain is freed on failure) for ported code; use
// Header for the non-destructive form.
//
// # C in the same program
//
// A Go program that imports github.com/libmbuf/libmbuf/capi/mbufc gets the
// C ABI of include/mbuf.h in its own binary: cgo code compiled against
// mbuf.h and this package share one pool. Detach hands a packet to C as a
// struct mbuf pointer, Adopt takes one back. Without mbufc the pools are
// private to Go.
package mbuf
