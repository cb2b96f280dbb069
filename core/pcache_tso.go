//go:build amd64 || 386

package core

// releaseBusy ends an owner's critical section. x86 keeps stores in order
// (TSO), so a plain store publishes the cache's slots before the flag.
func releaseBusy(b *uint32) { *b = 0 }
