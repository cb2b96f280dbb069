package mbuf

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/libmbuf/libmbuf/core"
)

// Leak tracking. A watched Packet carries a *watch; runtime.AddCleanup
// runs collect when no Packet value holding that watch is reachable. If
// the handle still owns its chain then, the packet was dropped without
// Free: it is reported with the call that made it, and freed (so an
// attached buffer is released and unpinned).
//
// Watching costs an allocation and a stack capture, so by default one
// packet in watchEvery is watched, chosen by its first mbuf's generation:
// every packet made from a fresh mbuf slot (generation 1) is watched, so a
// program that keeps leaking, and so keeps needing new memory, is caught
// early. MBUF_LEAK_REPORT=1 or MBUF_DEBUG watch every packet.

const watchEvery = 1024 // a power of two

var watchMask = uint32(watchEvery - 1)

func init() {
	if os.Getenv("MBUF_LEAK_REPORT") != "" && os.Getenv("MBUF_LEAK_REPORT") != "0" ||
		os.Getenv("MBUF_DEBUG") != "" && os.Getenv("MBUF_DEBUG") != "0" {
		watchMask = 0
	}
}

// WatchAll makes leak tracking watch every packet made from now on (as
// MBUF_LEAK_REPORT=1 does), or back to sampling; for tests.
func WatchAll(all bool) {
	if all {
		atomic.StoreUint32(&watchMask, 0)
	} else {
		atomic.StoreUint32(&watchMask, watchEvery-1)
	}
}

// watch is what the cleanup is attached to; rec is what it reads.
type watch struct{ rec *watchRec }

type watchRec struct {
	m    atomic.Pointer[core.Mbuf]
	gen  atomic.Uint32
	pcs  [16]uintptr
	npcs int
}

var watched struct {
	sync.Mutex
	recs map[*watchRec]struct{}
}

// leakOutput receives the report of a collected packet (tests replace it).
var leakOutput func(msg string) = func(msg string) { report(msg) }

func maybeWatch(m *core.Mbuf, gen uint32) *watch {
	if (gen>>1)&atomic.LoadUint32(&watchMask) != 0 {
		return nil
	}
	return newWatch(m, gen)
}

func newWatch(m *core.Mbuf, gen uint32) *watch {
	r := &watchRec{}
	r.m.Store(m)
	r.gen.Store(gen)
	r.npcs = runtime.Callers(3, r.pcs[:])
	w := &watch{rec: r}
	runtime.AddCleanup(w, collect, r)
	watched.Lock()
	if watched.recs == nil {
		watched.recs = make(map[*watchRec]struct{})
	}
	watched.recs[r] = struct{}{}
	watched.Unlock()
	return w
}

// follow records the new first mbuf of the watched packet.
func (w *watch) follow(m *core.Mbuf, gen uint32) {
	w.rec.m.Store(m)
	w.rec.gen.Store(gen)
}

// collect runs when the watched packet's handles are all unreachable.
func collect(r *watchRec) {
	watched.Lock()
	delete(watched.recs, r)
	watched.Unlock()
	m, gen := r.m.Load(), r.gen.Load()
	pl := core.Default()
	if m == nil || !pl.HandleLive(m, gen) {
		return
	}
	size := core.Length(m)
	if !pl.Release(m, gen) {
		return
	}
	leakOutput(fmt.Sprintf("leak: a Packet of %d bytes was dropped without Free (made by %s); freed now", size, r.site()))
	freeChain(pl, m)
}

// site names the first caller outside this package.
func (r *watchRec) site() string {
	frames := runtime.CallersFrames(r.pcs[:r.npcs])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "github.com/libmbuf/libmbuf/mbuf.") || strings.HasSuffix(f.File, "_test.go") {
			return fmt.Sprintf("%s (%s:%d)", f.Function, f.File, f.Line)
		}
		if !more {
			return "unknown"
		}
	}
}

// LeakCheck is MBUF_LEAK_REPORT for Go programs, which have no exit
// hook: defer it at the top of main (or call it at the end of TestMain).
// With MBUF_LEAK_REPORT=1 in the environment it writes LeakReport to
// standard error and, if anything is still allocated, exits with status
// 97, as the C library does at exit; otherwise it does nothing. (In a Go
// program the C library's own exit report does not run: Go exits without
// running atexit handlers.)
func LeakCheck() {
	if v := os.Getenv("MBUF_LEAK_REPORT"); v == "" || v == "0" {
		return
	}
	if LeakReport(os.Stderr) > 0 {
		os.Exit(97)
	}
}

// LeakReport writes what is still allocated to w and returns the number
// of objects (mbufs, clusters, tags): the watched packets not freed, by
// the call that made them, then the pools' census by kind. Call it when
// the program is done (Go has no exit hook), e.g. deferred in main or at
// the end of TestMain; 0 means nothing leaked. It first runs the garbage
// collector, so that dropped watched packets are reported and freed, and
// in debug mode (MBUF_DEBUG) it checks every freed object still kept out
// of use for writes after free (a slice kept past Free), which are
// reported too.
func LeakReport(w io.Writer) int {
	pl := core.Default()
	runtime.GC()
	runtime.GC()
	if pl.DebugMode() != 0 {
		pl.DebugFlush()
		for _, r := range pl.DebugReports() {
			fmt.Fprintln(w, "libmbuf: "+r)
		}
	}
	sites := map[string]int{}
	watched.Lock()
	for r := range watched.recs {
		if m := r.m.Load(); m != nil && pl.HandleLive(m, r.gen.Load()) {
			sites[r.site()]++
		}
	}
	watched.Unlock()
	total := pl.LeakReport(w)
	if total > 0 && len(sites) > 0 {
		names := make([]string, 0, len(sites))
		for s := range sites {
			names = append(names, s)
		}
		sort.Strings(names)
		for _, s := range names {
			fmt.Fprintf(w, "  %6d packet(s) made by %s still not freed\n", sites[s], s)
		}
	}
	return total
}
