package mbuf

import (
	"errors"
	"fmt"
	"os"

	"github.com/libmbuf/libmbuf/core"
)

// Sentinel errors; every error of the package wraps one (errors.Is).
var (
	// ErrNoBufs: the pools are exhausted (NMBCLUSTERS reached, or no
	// memory). The operation had no effect; a later retry may succeed.
	ErrNoBufs = errors.New("out of mbufs or clusters")
	// ErrRange: an offset or length outside the packet.
	ErrRange = errors.New("offset or length out of range")
	// ErrFreed: the handle no longer owns a packet (freed, consumed,
	// handed off, or a copy of a handle whose packet changed).
	ErrFreed = errors.New("packet freed or no longer owned by this handle")
	// ErrTooBig: more than one buffer can hold (a header larger than a
	// cluster, a tag payload over 65535 bytes).
	ErrTooBig = errors.New("too large for one buffer")
	// ErrInvalid: any other broken contract (a packet appended to
	// itself, a pointer that is not a live mbuf, a corrupt chain).
	ErrInvalid = errors.New("invalid argument")
)

// Error is a failed operation: the NetBSD function it maps to, what was
// wrong, and the sentinel it wraps.
type Error struct {
	Func string // the NetBSD operation, e.g. "m_copym"
	Msg  string // what was wrong, with the bad values
	Err  error  // ErrNoBufs, ErrRange, ErrFreed, ErrTooBig or ErrInvalid
}

func (e *Error) Error() string {
	if e.Msg == "" {
		return "mbuf: " + e.Func + ": " + e.Err.Error()
	}
	return "mbuf: " + e.Func + ": " + e.Msg
}

// Unwrap returns the sentinel, so errors.Is(err, ErrRange) works.
func (e *Error) Unwrap() error { return e.Err }

func errorf(kind error, fn, format string, args ...any) error {
	return &Error{Func: fn, Msg: fmt.Sprintf(format, args...), Err: kind}
}

func noBufs(fn string) error { return &Error{Func: fn, Err: ErrNoBufs} }

func freed(fn string) error { return &Error{Func: fn, Err: ErrFreed} }

// errRange reports off/n against a packet of size bytes.
func errRange(fn string, off, n, size int) error {
	return errorf(ErrRange, fn, "offset %d, length %d outside a packet of %d bytes", off, n, size)
}

// recoverTo turns a broken contract found by the core (which panics, as
// the kernel would) into an error of fn; it is deferred by every method
// that calls into the core with more than a trusted allocation.
func recoverTo(err *error, fn string) {
	if r := recover(); r != nil {
		*err = fromPanic(fn, r)
	}
}

// checkChain is the core's check of a whole chain (every mbuf live, its
// bytes inside its buffer, no loop; core.CheckChain) as an error of fn,
// for the walks here that read or send every buffer of a packet: C code
// sharing the pool may have damaged it.
func checkChain(fn string, m *core.Mbuf) (err error) {
	defer recoverTo(&err, fn)
	core.Default().CheckChain(fn, m)
	return nil
}

func fromPanic(fn string, r any) error {
	if v, ok := r.(*core.Violation); ok {
		return &Error{Func: v.Func, Msg: v.Msg, Err: ErrInvalid}
	}
	return errorf(ErrInvalid, fn, "internal error: %v", r)
}

// report writes a problem found where no error can be returned (Free of
// a corrupt chain, a leaked packet) to standard error.
func report(msg string) { os.Stderr.WriteString("libmbuf: " + msg + "\n") }
