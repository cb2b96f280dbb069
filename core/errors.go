package core

import "fmt"

// Violation is a broken contract of the API (what the kernel would panic
// on): the function and a message naming the bad value. Core code panics
// with it; the C layer recovers it and reports it to the panic handler.
type Violation struct {
	Func string
	Msg  string
}

func (v *Violation) Error() string { return v.Func + ": " + v.Msg }

func violate(fn, format string, args ...any) {
	panic(&Violation{Func: fn, Msg: fmt.Sprintf(format, args...)})
}

// Catch runs f and returns the Violation it panicked with, or nil. Other
// panics are turned into a Violation of fn too, so that nothing unwinds
// past the caller (the C boundary).
func Catch(fn string, f func()) (v *Violation) {
	defer func() {
		if r := recover(); r != nil {
			if vv, ok := r.(*Violation); ok {
				v = vv
				return
			}
			v = &Violation{Func: fn, Msg: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	f()
	return nil
}
