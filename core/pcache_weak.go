//go:build !amd64 && !386

package core

import "sync/atomic"

// releaseBusy ends an owner's critical section with a store that orders
// the cache's slots before the flag (weakly ordered CPUs).
func releaseBusy(b *uint32) { atomic.StoreUint32(b, 0) }
