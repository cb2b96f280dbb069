package core

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// Debug mode, chosen once when the pools are created from the environment
// variable MBUF_DEBUG (no rebuild):
//
//	MBUF_DEBUG=1      poison and quarantine freed mbufs and clusters
//	MBUF_DEBUG=alloc  the same, and record the API call that allocated
//	                  each object (shown in misuse and leak reports)
//
// A freed mbuf or cluster is filled with the 0xdeadbeef pattern and kept
// out of circulation in a FIFO of the last debugQuarantine frees. When it
// leaves the FIFO the pattern is verified: a write after free (through a
// stale pointer, or past the end of a neighbouring object) is reported
// with the object's owner and the call that freed it. Any API call handed
// a freed mbuf reports the same details. Debug mode also sets
// SharedSlowPath, so the C fast path sends every call through Go, and
// tells valgrind (DebugMemHook) which slab bytes are off limits.

const (
	debugQuarantine = 512                // frees of each kind kept out of circulation
	poisonWord      = uint32(0xdeadbeef) // the pattern of freed memory (typed: an int overflows on 386)
)

// Access states handed to DebugMemHook.
const (
	DebugMemNoAccess  = 0 // freed: any access is a bug
	DebugMemUndefined = 1 // just allocated: writable, contents undefined
	DebugMemDefined   = 2 // readable (the library is about to check it)
)

// DebugMemHook, when set (capi sets it to valgrind client requests), is
// told how slab memory may be accessed as debug mode frees and hands out
// objects. It is called only in debug mode.
var DebugMemHook func(addr, size uintptr, state int)

// DebugSymbolizeHook, when set, names a C program counter found in a
// captured stack ("user_fn+0x9 (prog)") and says whether it lies in
// libmbuf itself. capi sets it under MBUF_DEBUG=alloc, where it also has
// the Go runtime record the C frames of each call (SetCgoTraceback), so
// reports can name the C function that called the library.
var DebugSymbolizeHook func(pc uintptr) (name string, ours bool)

// DebugReportHook, when set, receives corruption found when an object
// leaves the quarantine (capi reports it through the panic handler once
// the current call has returned). Without it the report goes to stderr.
// Reports are also kept (DebugReports).
var DebugReportHook func(fn, msg string)

type debugEnt struct {
	addr    uintptr
	cluster bool
}

// callSite is a captured stack (program counters), named only when a
// report needs it: capturing is cheap, symbolizing is not.
type callSite struct {
	pc [32]uintptr // Go frames, then C frames when capi records them
	n  int
}

func capture() (c callSite) {
	c.n = runtime.Callers(3, c.pc[:])
	return
}

// debugRec is what is remembered of an object: who freed it, its owner
// then, and (MBUF_DEBUG=alloc) the call that allocated it.
type debugRec struct {
	freed, alloc callSite
	owner        uintptr // struct mowner * of a freed mbuf
}

type debugState struct {
	mu         sync.Mutex
	allocSites bool
	q          [2]fifo // quarantines: mbufs, clusters
	recs       map[uintptr]debugRec
	reports    []string
	ownerName  func(uintptr) string // Pools.ownerName: never reads a bad owner
}

// newDebugFromEnv reads MBUF_DEBUG; nil means debug mode is off.
func newDebugFromEnv() *debugState {
	v := strings.ToLower(strings.TrimSpace(os.Getenv("MBUF_DEBUG")))
	switch v {
	case "", "0", "no", "off", "false":
		return nil
	}
	return &debugState{allocSites: strings.Contains(v, "alloc"), recs: make(map[uintptr]debugRec)}
}

// EnableDebug turns debug mode on for pools created without it (tests and
// Go programs; C and Python use MBUF_DEBUG). Call it before any object is
// allocated.
func (p *Pools) EnableDebug(allocSites bool) {
	p.initDebug(&debugState{allocSites: allocSites, recs: make(map[uintptr]debugRec)})
}

// DebugMode reports 0 (off), 1 (poison and quarantine) or 2 (with
// allocation sites).
func (p *Pools) DebugMode() int {
	switch {
	case p.dbg == nil:
		return 0
	case p.dbg.allocSites:
		return 2
	}
	return 1
}

// DebugReports returns the quarantine corruption reports seen so far.
func (p *Pools) DebugReports() []string {
	if p.dbg == nil {
		return nil
	}
	p.dbg.mu.Lock()
	defer p.dbg.mu.Unlock()
	return append([]string(nil), p.dbg.reports...)
}

func debugMem(addr, size uintptr, state int) {
	if h := DebugMemHook; h != nil {
		h(addr, size, state)
	}
}

func poison(addr, size uintptr) {
	w := unsafe.Slice((*uint32)(ptr(addr)), size/4)
	for i := range w {
		w[i] = poisonWord
	}
}

// firstUnpoisoned returns the offset of the first word that lost the
// pattern, or -1.
func firstUnpoisoned(addr, size uintptr) (int, uint32) {
	w := unsafe.Slice((*uint32)(ptr(addr)), size/4)
	for i, x := range w {
		if x != poisonWord {
			return i * 4, x
		}
	}
	return -1, 0
}

// debugAlloc runs when an object leaves a depot for the user: it becomes
// writable for valgrind, and its allocation site is recorded.
func (p *Pools) debugAlloc(a, size uintptr) {
	if p.dbg != nil { // inlined: the common case costs a test
		p.debugAllocOn(a, size)
	}
}

func (p *Pools) debugAllocOn(a, size uintptr) {
	d := p.dbg
	debugMem(a, size, DebugMemUndefined)
	if d.allocSites {
		c := capture()
		d.mu.Lock()
		d.recs[a] = debugRec{alloc: c}
		d.mu.Unlock()
		return
	}
	d.mu.Lock()
	delete(d.recs, a)
	d.mu.Unlock()
}

// debugFree poisons a freed mbuf (cluster: cluster true) and puts it in
// quarantine. It returns false when debug mode is off (the caller gives
// the object back to its depot as usual).
func (p *Pools) debugFree(a uintptr, cluster bool) bool {
	return p.dbg != nil && p.debugFreeOn(a, cluster) // inlined: the common case costs a test
}

func (p *Pools) debugFreeOn(a uintptr, cluster bool) bool {
	d := p.dbg
	size, k := uintptr(MSIZE), 0
	rec := debugRec{freed: capture()}
	if cluster {
		size, k = MCLBYTES, 1
	} else {
		rec.owner = MbufAt(a).Owner
	}
	poison(a, size)
	debugMem(a, size, DebugMemNoAccess)
	d.mu.Lock()
	if old, ok := d.recs[a]; ok {
		rec.alloc = old.alloc
	}
	d.recs[a] = rec
	d.q[k].push(debugEnt{a, cluster})
	d.mu.Unlock()
	p.debugEvict(k, debugQuarantine)
	return true
}

// debugEvict moves the oldest quarantined objects of kind k (0 mbufs, 1
// clusters) back to their depot until keep remain, verifying each.
func (p *Pools) debugEvict(k, keep int) {
	d := p.dbg
	size, dep := uintptr(MSIZE), &p.mbufs
	if k == 1 {
		size, dep = MCLBYTES, &p.clusters
	}
	d.mu.Lock()
	var out []debugEnt
	for d.q[k].n > keep {
		out = append(out, d.q[k].pop())
	}
	var bad []string
	for _, e := range out {
		if msg := d.verify(e, size); msg != "" {
			bad = append(bad, msg)
		}
	}
	d.reports = append(d.reports, bad...)
	d.mu.Unlock()
	for _, e := range out {
		dep.give([]uintptr{e.addr})
	}
	if len(bad) > 0 {
		fn := apiCall(callerSite())
		for _, msg := range bad {
			p.debugReport(fn, msg)
		}
	}
}

func callerSite() callSite { return capture() }

// fifo is the quarantine of one kind: a ring of debugEnt.
type fifo struct {
	buf     []debugEnt
	head, n int
}

func (f *fifo) push(e debugEnt) {
	if f.n == len(f.buf) {
		nb := make([]debugEnt, max(2*len(f.buf), 64))
		for i := 0; i < f.n; i++ {
			nb[i] = f.buf[(f.head+i)%len(f.buf)]
		}
		f.buf, f.head = nb, 0
	}
	f.buf[(f.head+f.n)%len(f.buf)] = e
	f.n++
}

func (f *fifo) pop() debugEnt {
	e := f.buf[f.head]
	f.head = (f.head + 1) % len(f.buf)
	f.n--
	return e
}

// DebugFlush empties the quarantine, verifying every object in it (a drain
// hook in debug mode, so quarantined clusters never hold the pool at its
// limit; also useful before a final check).
func (p *Pools) DebugFlush() {
	if p.dbg == nil {
		return
	}
	p.debugEvict(0, 0)
	p.debugEvict(1, 0)
}

func (p *Pools) initDebug(d *debugState) {
	if d == nil {
		return
	}
	p.dbg = d
	d.ownerName = p.ownerName
	p.sh.Flags |= SharedSlowPath
	p.RegisterDrain(p.DebugFlush)
}

// verify checks an object leaving quarantine (d.mu held).
func (d *debugState) verify(e debugEnt, size uintptr) string {
	debugMem(e.addr, size, DebugMemDefined)
	off, val := firstUnpoisoned(e.addr, size)
	if off >= 0 {
		poison(e.addr, size)
	}
	debugMem(e.addr, size, DebugMemNoAccess)
	if off < 0 {
		return ""
	}
	kind := "mbuf"
	if e.cluster {
		kind = "cluster"
	}
	return fmt.Sprintf("write after free: %s %#x was modified after it was freed "+
		"(byte %d is %#08x, not the %#x poison)%s", kind, e.addr, off, val, poisonWord,
		d.recs[e.addr].describe(d.ownerName))
}

func (p *Pools) debugReport(fn, msg string) {
	fn, _, _ = strings.Cut(fn, " (")
	if h := DebugReportHook; h != nil {
		h(fn, msg)
		return
	}
	os.Stderr.WriteString("libmbuf: debug: " + fn + ": " + msg + "\n")
}

// describe formats a record as "; freed by m_freem, owner unknown/data".
func (r debugRec) describe(ownerName func(uintptr) string) string {
	var b strings.Builder
	if r.freed.n > 0 {
		b.WriteString("; freed by " + apiCall(r.freed))
	}
	if o := ownerName(r.owner); o != "" {
		b.WriteString(", owner " + o)
	}
	if r.alloc.n > 0 {
		b.WriteString(", allocated by " + apiCall(r.alloc))
	}
	return b.String()
}

// debugFreedBy is the debug detail appended to "not allocated" messages.
func (p *Pools) debugFreedBy(a uintptr) string {
	d := p.dbg
	if d == nil {
		return ""
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.recs[a]
	if !ok || r.freed.n == 0 {
		return ""
	}
	return r.describe(d.ownerName)
}

// debugAllocSite returns the recorded allocation call of a live object.
func (p *Pools) debugAllocSite(a uintptr) string {
	d := p.dbg
	if d == nil || !d.allocSites {
		return ""
	}
	d.mu.Lock()
	c := d.recs[a].alloc
	d.mu.Unlock()
	if c.n == 0 {
		return ""
	}
	return apiCall(c)
}

// debugCheckLive runs on every API entry that checks a live mbuf in
// debug mode: its storage must not have been freed, and m_data and m_len
// must stay inside its buffer (internal data, cluster or MEXTADD storage).
func (p *Pools) debugCheckLive(fn string, m *Mbuf) {
	if p.dbg == nil {
		return
	}
	if m.Len < 0 {
		violate(fn, "mbuf %#x has a negative m_len %d", Addr(m), m.Len)
	}
	lo, hi := m.DatAddr(), m.DatEnd()
	if m.Flags&M_EXT != 0 {
		h := Addr(*m.ExtRefPtr())
		idx, inside, aligned := p.mbufs.a.slot(h)
		if !inside || !aligned {
			violate(fn, "mbuf %#x has a corrupt m_ext_ref %#x", Addr(m), h)
		}
		if s := p.mbufs.a.state(idx); s != stateLive && s != stateZombie {
			violate(fn, "mbuf %#x uses the storage of mbuf %#x, which was freed%s",
				Addr(m), h, p.debugFreedBy(h))
		}
		e := m.Ext()
		if m.Flags&M_EXT_CLUSTER != 0 {
			idx, inside, _ := p.clusters.a.slot(e.Buf)
			if !inside || p.clusters.a.state(idx) != stateLive {
				violate(fn, "mbuf %#x uses cluster %#x, which is not allocated%s",
					Addr(m), e.Buf, p.debugFreedBy(e.Buf))
			}
		}
		lo, hi = e.Buf, e.Buf+e.Size
	}
	if uintptr(m.Len) > hi-lo {
		violate(fn, "mbuf %#x has m_len %d, more than its buffer holds", Addr(m), m.Len)
	}
	if m.Data < lo || m.Data+uintptr(m.Len) > hi {
		violate(fn, "mbuf %#x: m_data %#x + m_len %d lies outside its buffer [%#x, %#x)",
			Addr(m), m.Data, m.Len, lo, hi)
	}
}

func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// apiNames maps core entry points to the NetBSD call a user made.
var apiNames = map[string]string{
	"Get": "m_get", "GetHdr": "m_gethdr", "GetClr": "m_getclr", "ClGet": "m_clget",
	"GetCl": "m_getcl", "Free": "m_free", "Freem": "m_freem", "ExtFree": "m_ext_free",
	"PutMbuf": "pool_cache_put", "Copym": "m_copym", "Dup": "m_dup",
	"CopyPacket": "m_copypacket", "Cat": "m_cat", "Adj": "m_adj", "Prepend": "m_prepend",
	"Pullup": "m_pullup", "Copyup": "m_copyup", "Split": "m_split", "Devget": "m_devget",
	"Copyback": "m_copyback", "CopybackCow": "m_copyback_cow",
	"MakeWritable": "m_makewritable", "Pulldown": "m_pulldown",
	"MovePkthdr": "m_move_pkthdr", "CopyPkthdr": "M_COPY_PKTHDR",
	"ExtAdd": "MEXTADD", "ExtAddGo": "MEXTADD", "TakeMbufs": "mbuf cache refill",
	"TakeClusters": "mbuf cache refill", "Reclaim": "m_reclaim",
}

const corePrefix = "github.com/libmbuf/libmbuf/core.(*Pools)."

// cCaller is the first C frame of a stack below libmbuf's own frames: the
// user's code that called the library.
func cCaller(c callSite) string {
	h := DebugSymbolizeHook
	if h == nil {
		return ""
	}
	inLib := false // frames before libmbuf's are the unwinder's (or an interceptor's)
	for _, pc := range c.pc[:c.n] {
		if runtime.FuncForPC(pc) != nil {
			continue // a Go frame
		}
		name, ours := h(pc)
		if ours {
			inLib = true
		} else if inLib {
			return name
		}
	}
	return ""
}

// apiCall names the outermost core entry point of a captured stack (the
// API call being made), with the first caller outside core for Go users.
func apiCall(c callSite) string {
	frames := runtime.CallersFrames(c.pc[:c.n])
	name, caller := "", ""
	for {
		f, more := frames.Next()
		if rest, ok := strings.CutPrefix(f.Function, corePrefix); ok {
			if rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
				name = rest
				caller = ""
			}
		} else if name != "" && caller == "" && !strings.HasPrefix(f.Function, "runtime.") {
			caller = f.Function
		}
		if !more {
			break
		}
	}
	if name == "" {
		return "?"
	}
	if api, ok := apiNames[name]; ok {
		name = api
	}
	if cc := cCaller(c); cc != "" {
		return name + " from " + cc
	}
	// a Go caller other than the C ABI's shims (capi/mbufc) says where from
	if caller != "" && !strings.Contains(caller, ".mbufgo_") {
		name += " (from " + caller + ")"
	}
	return name
}
