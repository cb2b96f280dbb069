package core

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Arena capacities: the most address space each arena may use, sized here
// and nowhere else, for the word size. Memory is mapped into the arenas'
// windows a chunk at a time as the pools grow (window.go), so these only
// bound growth; but without an RLIMIT_AS the windows are reserved whole,
// and an ILP32 process has only 3-4 GiB in all: there the windows and
// their state bytes take 424 MiB (32 times the default NMBCLUSTERS of
// clusters), against 6.4 GB on LP64 (TestWindowsFitTheAddressSpace).
const (
	lp64Shift         = 4 * (^uintptr(0) >> 63)           // 4 on 64-bit, 0 on 32-bit
	mbufArenaBytes    = uintptr(128<<20) << lp64Shift     // 2 GiB (128 MiB on 32-bit)
	clusterArenaBytes = uintptr(256<<20) << lp64Shift     // 4 GiB (256 MiB on 32-bit)
	mbufSlots         = int(mbufArenaBytes / MSIZE)       // 4 Mi mbufs (512 Ki on i386)
	clusterSlots      = int(clusterArenaBytes / MCLBYTES) // 2 Mi clusters (128 Ki)
	mbufsPerChunk     = 2048                              // 1 MiB mapped at a time
	clustersPerChunk  = 512                               // 1 MiB
	MaxClusters       = clusterSlots
	mownerSize        = unsafe.Sizeof(Mowner{}) // 96 on LP64, 64 on ILP32
	limitWarnInterval = time.Minute
	limitWarnMessage  = "WARNING: mclpool limit reached; increase NMBCLUSTERS"
	numUnknownOwners  = MT_OOBDATA + 1
)

// Shared is the block the C fast path reads: arena bounds and state bytes
// for its pointer checks, and the per-type counts of Go-side allocations.
// Its layout is mirrored by struct mbuf_shared in capi/mbufc/internal.h.
type Shared struct {
	MbBase, MbEnd uintptr
	ClBase, ClEnd uintptr
	MbState       uintptr
	ClState       uintptr
	Flags         uint32 // SharedSlowPath etc.
	_             uint32
	GoTypes       [NumTypes]int64
}

// Flags in Shared.Flags.
const (
	// SharedSlowPath sends every C fast-path call through Go (debug mode,
	// owner tracing); mbuf_set_fastpath cannot turn them back on.
	SharedSlowPath = 1 << 0
	// SharedFastPathOff starts the C side with its fast paths off
	// (MBUF_FASTPATH=0); mbuf_set_fastpath may turn them on.
	SharedFastPathOff = 1 << 1
)

// Mbstat mirrors struct mbstat.
type Mbstat struct {
	Spare  [4]uintptr
	Drops  uintptr
	Wait   uintptr
	Drain  uintptr
	MTypes [NumTypes]uint16
}

// Mowner mirrors struct mowner.
type Mowner struct {
	Name            [16]byte
	Descr           [16]byte
	LinkNext        uintptr
	LinkPrev        uintptr
	Claims          uintptr
	Releases        uintptr
	ClusterClaims   uintptr
	ClusterReleases uintptr
	ExtClaims       uintptr
	ExtReleases     uintptr
}

// Globals are the kernel variables of uipc_mbuf.c. In libmbuf.so they are
// C globals (ported code reads and writes them); capi binds their
// addresses here. A pure-Go user gets private copies.
type Globals struct {
	NMBClusters, MbLowat, MclLowat              *int32
	MaxLinkHdr, MaxProtoHdr, MaxHdr, MaxDataLen *int32
	MCFail, MPFail, MSFail                      *int32
	Stat                                        *Mbstat
	UnknownOwners                               *[numUnknownOwners]Mowner
	RevokedOwner                                *Mowner
	ClusterCache                                uintptr // mcl_cache: ext_arg of clusters
}

// Hooks connect the pools to the C world; all may be nil in pure Go.
type Hooks struct {
	// Reclaim runs the host's side of m_reclaim (the C drain hooks);
	// Pools.Reclaim calls it, guarded against re-entry, before the Go ones.
	Reclaim func()
	// CallExtFree calls a C ext_free(m, buf, size, arg) callback.
	CallExtFree func(fn, m, buf, size, arg uintptr)
	// FreeMalloc releases MEXTMALLOC storage with free(3).
	FreeMalloc func(buf uintptr)
	// Warn logs a rate-limited warning (default: stderr).
	Warn func(msg string)
	// OwnerName names an attached struct mowner ("name/descr"); false if
	// o is not on the attached list (reports then never read through it).
	OwnerName func(o uintptr) (string, bool)
	// Symbol names a C function address for reports ("sym+0x0 (file)").
	Symbol func(pc uintptr) string
	// ArenaGrown tells the C fast path that Shared.MbEnd or ClEnd moved.
	ArenaGrown func()
}

// Pools owns the mbuf and cluster depots and everything hung off them.
type Pools struct {
	mbufs    depot
	clusters depot
	sh       *Shared
	g        Globals
	hooks    Hooks
	tags     tagHeap

	drainMu  sync.Mutex
	drains   []drainHook
	nextID   int
	draining threadSet // threads running drain hooks (reclaim.go)

	foreignMu   sync.Mutex
	foreignFree func(t *MTag) // frees foreign tags (tags.go); nil: none

	warnMu   sync.Mutex
	lastWarn map[string]time.Time // rate limit of each warning
	setupErr error                // why the arenas have no room, if they have none

	dbg *debugState // debug mode (core/debug.go); nil when off
	pc  pcaches     // per-P caches of free slots (core/pcache.go)
}

// New creates pools. g may be nil (private globals with NetBSD defaults).
// It does not fail for want of memory: pools whose arenas could not be set
// up (no address space) fail every allocation cleanly, with a warning
// saying why, rather than take the host process down.
func New(g *Globals, h Hooks) (*Pools, error) { return newPools(g, h, windowsAuto) }

func newPools(g *Globals, h Hooks, mode windowMode) (*Pools, error) {
	p := &Pools{hooks: h}
	static, err := newStatic(64 << 10)
	if err != nil {
		return nil, err
	}
	p.sh = (*Shared)(static.alloc(unsafe.Sizeof(Shared{})))
	if g == nil {
		g = privateGlobals(static)
	}
	p.g = *g
	ws, err := getWindows(mode, []uintptr{
		mbufArenaBytes, uintptr(mbufSlots) * stateStride,
		clusterArenaBytes, uintptr(clusterSlots) * stateStride,
	})
	if err != nil {
		p.setupErr = err
		ws = make([]window, 4) // empty: every allocation fails
		p.warn("setup", func() string { return "WARNING: no mbufs can be allocated: " + err.Error() + limitNote() })
	}
	mb := newArena("mbuf", MSIZE, ws[0], ws[1], mbufsPerChunk)
	cl := newArena("cluster", MCLBYTES, ws[2], ws[3], clustersPerChunk)
	p.sh.MbBase, p.sh.MbEnd = mb.base, mb.base
	p.sh.ClBase, p.sh.ClEnd = cl.base, cl.base
	p.sh.MbState, p.sh.ClState = mb.stateBase, cl.stateBase
	p.mbufs = depot{a: mb, grew: p.arenaGrown, growFailed: p.growFailed}
	p.clusters = depot{a: cl, grew: p.arenaGrown, growFailed: p.growFailed,
		limit: func() int { return int(atomic.LoadInt32(p.g.NMBClusters)) }}
	p.mbufs.setLowat(int(*p.g.MbLowat))
	p.clusters.setLowat(int(*p.g.MclLowat))
	if err := p.tags.init(); err != nil {
		return nil, err
	}
	p.sh.Flags |= sharedFlagsFromEnv()
	p.initDebug(newDebugFromEnv())
	// The per-P caches are an optimisation: without address space for
	// them the pools work without (New never fails for want of memory).
	if err := p.pc.init(p); err != nil {
		p.warn("pcache", func() string {
			return "WARNING: no per-P caches for Go callers: " + err.Error() + limitNote()
		})
	}
	return p, nil
}

// arenaGrown publishes the arenas' new extent to the C fast path (under
// the growing depot's lock).
func (p *Pools) arenaGrown() {
	p.pc.mbSpan.Store(p.mbufs.a.end() - p.mbufs.a.base)
	atomic.StoreUintptr(&p.sh.MbEnd, p.mbufs.a.end())
	atomic.StoreUintptr(&p.sh.ClEnd, p.clusters.a.end())
	if p.hooks.ArenaGrown != nil {
		p.hooks.ArenaGrown()
	}
}

// growFailed warns (rate-limited) that an allocation failed because an
// arena could not grow.
func (p *Pools) growFailed(a *arena, err error) {
	p.warn(a.name, func() string {
		if p.setupErr != nil {
			err = fmt.Errorf("no %ss: the arenas could not be set up: %w", a.name, p.setupErr)
		}
		return "WARNING: " + err.Error() + limitNote()
	})
}

// privateGlobals allocates the kernel variables with their defaults.
func privateGlobals(s *static) *Globals {
	i32 := func(v int32) *int32 { p := (*int32)(s.alloc(4)); *p = v; return p }
	g := &Globals{
		NMBClusters: i32(4096), MbLowat: i32(16), MclLowat: i32(8),
		MaxLinkHdr: i32(16), MaxProtoHdr: i32(60), MaxHdr: i32(76), MaxDataLen: i32(MHLEN - 76),
		MCFail: i32(0), MPFail: i32(0), MSFail: i32(0),
		Stat:          (*Mbstat)(s.alloc(unsafe.Sizeof(Mbstat{}))),
		UnknownOwners: (*[numUnknownOwners]Mowner)(s.alloc(numUnknownOwners * mownerSize)),
		RevokedOwner:  (*Mowner)(s.alloc(mownerSize)),
	}
	g.ClusterCache = uintptr(unsafe.Pointer(g.Stat)) // any stable non-NULL tag
	// named as capi/mbufc/globals.c names the C ones
	for i, descr := range [...]string{"free", "data", "header", "soname", "soopts", "ftable", "control", "oobdata"} {
		copy(g.UnknownOwners[i].Name[:], "unknown")
		copy(g.UnknownOwners[i].Descr[:], descr)
	}
	copy(g.RevokedOwner.Name[:], "revoked")
	return g
}

// Shared returns the block the C fast path reads.
func (p *Pools) Shared() *Shared { return p.sh }

// Globals returns the bound kernel variables.
func (p *Pools) Globals() *Globals { return &p.g }

// inArenas reports whether a lies inside the mbuf or the cluster arena.
func (p *Pools) inArenas(a uintptr) bool {
	_, inMbufs, _ := p.mbufs.a.slot(a)
	_, inClusters, _ := p.clusters.a.slot(a)
	return inMbufs || inClusters
}

// ---- allocation ---------------------------------------------------------

// takeOne gets one slot from d; on exhaustion it runs the drain hooks once
// and retries (M_WAIT fails at the hard limit too, as PR_LIMITFAIL does).
// With the per-P caches on, the kind is tight meanwhile and the retry waits
// for slots on their way back (pcache.go), so that it fails only when no
// slot is free anywhere.
func (p *Pools) takeOne(d *depot, how int) uintptr {
	var one [1]uintptr
	if d.take(one[:]) == 1 {
		return one[0]
	}
	if how == M_WAIT {
		atomic.AddUintptr(&p.g.Stat.Wait, 1)
	}
	if p.pc.on {
		if p.takeAtLimit(d, one[:]) {
			return one[0]
		}
	} else {
		p.Reclaim()
		if d.take(one[:]) == 1 {
			return one[0]
		}
	}
	if d == &p.clusters && d.atLimit() { // not when the arena could not grow
		p.warnLimit()
	}
	atomic.AddUintptr(&p.g.Stat.Drops, 1)
	return 0
}

func (p *Pools) warnLimit() { p.warn("limit", func() string { return limitWarnMessage }) }

// warn logs msg() through Hooks.Warn, at most once a minute per key; msg
// is only called then (a program failing at the limit over and over
// costs no formatting, and no memory).
func (p *Pools) warn(key string, msg func() string) {
	p.warnMu.Lock()
	now := time.Now()
	last, seen := p.lastWarn[key]
	due := !seen || now.Sub(last) >= limitWarnInterval
	if due {
		if p.lastWarn == nil {
			p.lastWarn = make(map[string]time.Time)
		}
		p.lastWarn[key] = now
	}
	p.warnMu.Unlock()
	if due && p.hooks.Warn != nil {
		p.hooks.Warn(msg())
	}
}

// InitMbuf sets the fields MGET sets on a fresh mbuf of type typ.
func (p *Pools) InitMbuf(m *Mbuf, typ int) {
	m.Next, m.NextPkt = nil, nil
	m.Data = m.DatAddr()
	m.Flags = 0
	m.Len = 0
	m.Type = int16(typ)
	m.Paddr = PaddrInvalid
	m.Owner = p.unknownOwner(typ)
	setPtr(m.ExtRefPtr(), m)
}

// InitPkthdr turns a fresh mbuf into a packet header as MGETHDR does.
func InitPkthdr(m *Mbuf) {
	m.Data = m.PktDatAddr()
	m.Flags = M_PKTHDR
	copyPktHdr(m.Pkt(), &PktHdr{})
}

func (p *Pools) unknownOwner(typ int) uintptr {
	return uintptr(unsafe.Pointer(&p.g.UnknownOwners[ownerIndex(typ)]))
}

// alloc takes a fresh mbuf of type typ, or nil; arguments are trusted.
func (p *Pools) alloc(how, typ int) *Mbuf {
	a := p.takeSlot(&p.mbufs, kindMbuf, how, typ)
	if a == 0 {
		return nil
	}
	return p.newMbuf(a, typ)
}

// newMbuf makes the free slot a, just taken, a live mbuf of type typ.
func (p *Pools) newMbuf(a uintptr, typ int) *Mbuf {
	p.mbufs.a.setStateOf(a, stateLive)
	p.debugAlloc(a, MSIZE)
	m := MbufAt(a)
	p.InitMbuf(m, typ)
	return m
}

// allocHdr is alloc plus the packet header.
func (p *Pools) allocHdr(how, typ int) *Mbuf {
	m := p.alloc(how, typ)
	if m != nil {
		InitPkthdr(m)
	}
	return m
}

// Get is m_get / MGET.
func (p *Pools) Get(how, typ int) *Mbuf {
	checkHow("m_get", how)
	checkType("m_get", typ)
	return p.alloc(how, typ)
}

// GetHdr is m_gethdr / MGETHDR.
func (p *Pools) GetHdr(how, typ int) *Mbuf {
	checkHow("m_gethdr", how)
	checkType("m_gethdr", typ)
	return p.allocHdr(how, typ)
}

// GetClr is m_getclr: m_get and MLEN zero bytes.
func (p *Pools) GetClr(how, typ int) *Mbuf {
	checkHow("m_getclr", how)
	checkType("m_getclr", typ)
	m := p.alloc(how, typ)
	if m != nil {
		clear(m.dat[:])
	}
	return m
}

// ClGet is m_clget / MCLGET: attach a cluster; M_EXT stays clear on failure.
func (p *Pools) ClGet(m *Mbuf, how int) {
	p.CheckMbuf("m_clget", m)
	checkHow("m_clget", how)
	checkNoStorage("m_clget", m)
	p.clget(m, how)
}

func (p *Pools) clget(m *Mbuf, how int) {
	buf := p.takeSlot(&p.clusters, kindCluster, how, -1)
	if buf != 0 {
		p.newCluster(m, buf)
	}
}

// newCluster makes the free cluster buf, just taken, live and m's.
func (p *Pools) newCluster(m *Mbuf, buf uintptr) {
	p.clusters.a.setStateOf(buf, stateLive)
	p.debugAlloc(buf, MCLBYTES)
	p.attachCluster(m, buf)
}

// attachCluster makes m the holder of cluster buf (MCLINITREFERENCE etc.).
func (p *Pools) attachCluster(m *Mbuf, buf uintptr) {
	e := m.ExtStorage()
	// field by field, as the C fast path does: the page array of the
	// union is never used, and clearing it cost more than the rest
	e.Lock, e.RefCnt, e.Flags = 0, 1, 0
	e.Buf, e.Free, e.Arg, e.Size = buf, 0, p.g.ClusterCache, MCLBYTES
	e.MType, e.Paddr = 0, PaddrInvalid
	setPtr(m.ExtRefPtr(), m)
	m.Data = buf
	m.Flags = m.Flags&^M_EXTCOPYFLAGS | M_EXT | M_EXT_CLUSTER | M_EXT_RW
}

// GetCl is m_getcl: a (header, if flags has M_PKTHDR) mbuf with a cluster.
func (p *Pools) GetCl(how, typ, flags int) *Mbuf {
	checkHow("m_getcl", how)
	checkType("m_getcl", typ)
	return p.getcl(how, typ, flags)
}

func (p *Pools) getcl(how, typ, flags int) *Mbuf {
	if mb, cl := p.takePair(typ); mb != 0 { // both from this P's cache at once
		m := p.newMbuf(mb, typ)
		if flags&M_PKTHDR != 0 {
			InitPkthdr(m)
		}
		p.newCluster(m, cl)
		return m
	}
	var m *Mbuf
	if flags&M_PKTHDR != 0 {
		m = p.allocHdr(how, typ)
	} else {
		m = p.alloc(how, typ)
	}
	if m == nil {
		return nil
	}
	p.clget(m, how)
	if m.Flags&M_EXT == 0 {
		p.free(m)
		return nil
	}
	return m
}

// ExtAdd is MEXTADD: attach caller storage. Only M_EXT is set, so the
// storage is read-only (M_READONLY) unless the caller adds M_EXT_RW.
func (p *Pools) ExtAdd(m *Mbuf, buf, size, mtype, free, arg uintptr) {
	p.CheckStorageTarget("MEXTADD", m)
	e := m.ExtStorage()
	*e = ExtStorage{RefCnt: 1, Buf: buf, Free: free, Arg: arg, Size: size, MType: mtype, Paddr: PaddrInvalid}
	setPtr(m.ExtRefPtr(), m)
	m.Data = buf
	m.Flags = m.Flags&^M_EXTCOPYFLAGS | M_EXT
}

// ChType is MCHTYPE: move m's count to type t.
func (p *Pools) ChType(m *Mbuf, t int) {
	p.CheckMbuf("MCHTYPE", m)
	checkType("MCHTYPE", t)
	p.countType(int(m.Type), -1)
	p.countType(t, 1)
	m.Type = int16(t)
}

// ---- freeing ------------------------------------------------------------

// Free is m_free / MFREE: free one mbuf and return its successor.
func (p *Pools) Free(m *Mbuf) *Mbuf {
	p.CheckMbuf("m_free", m)
	return p.freeAs("m_free", m)
}

// Freem is m_freem: free a whole chain (nil is allowed).
func (p *Pools) Freem(m *Mbuf) {
	for m != nil {
		p.CheckMbuf("m_freem", m)
		m = p.free(m)
	}
}

// free releases a checked mbuf: its tags, its type count, its reference
// to ext storage, and the mbuf itself.
func (p *Pools) free(m *Mbuf) *Mbuf { return p.freeAs("m_freem", m) }

// freeAs is free with fn naming the call in violations.
func (p *Pools) freeAs(fn string, m *Mbuf) *Mbuf {
	if m.Type < 0 || int(m.Type) >= NumTypes {
		violate(fn, "mbuf %#x has a corrupt m_type %d", Addr(m), m.Type)
	}
	if m.Flags&M_EXT != 0 && *m.ExtRefPtr() != m {
		p.checkHolder(fn, m) // before its reference count is written
	}
	n := m.Next
	if m.Flags&M_PKTHDR != 0 && m.Pkt().Tags != nil {
		p.deleteTags(fn, m, nil)
	}
	if m.Flags&M_EXT != 0 {
		p.extFree(m, int(m.Type))
	} else {
		p.putMbufOf(m, int(m.Type))
	}
	return n
}

// ExtFree is m_ext_free: drop m's reference to its storage and free m.
func (p *Pools) ExtFree(m *Mbuf) {
	p.CheckMbuf("m_ext_free", m)
	if m.Flags&M_EXT == 0 {
		violate("m_ext_free", "mbuf %#x has no external storage", Addr(m))
	}
	if *m.ExtRefPtr() != m {
		p.checkHolder("m_ext_free", m)
	}
	p.extFree(m, int(m.Type))
}

// extFree implements the 2007 holder/sharer rule. The holder (the mbuf
// whose descriptor the storage uses) stays allocated as a zombie while
// sharers remain; the last reference frees the storage, then the holder.
//
// typ is m's type, counted as no longer live when m goes back to its
// cache in the same step (one per-P critical section, not two); < 0 when
// it was counted already (a zombie holder).
func (p *Pools) extFree(m *Mbuf, typ int) {
	holder := *m.ExtRefPtr()
	embedded := holder == m
	// The holder of storage nobody shares (the common free of a packet
	// buffer) frees it without an atomic write, as the C fast path does:
	// only an mbuf holding a reference can add or drop one, so at a count
	// of 1 nobody else can.
	e := m.ExtStorage()
	if embedded && atomic.LoadUint32(&e.RefCnt) == 1 {
		e.RefCnt = 0
	} else if !p.dropShared(m, holder, embedded, typ) {
		return
	}
	switch {
	case m.Flags&M_EXT_CLUSTER != 0:
		p.putClusterAndMbuf(e.Buf, m, typ)
	case e.Free != 0:
		// The callback frees the mbuf itself (pool_cache_put(mb_cache, m)).
		if typ >= 0 {
			p.countType(typ, -1)
		}
		p.mbufs.a.setStateOf(Addr(m), stateFreeing)
		p.callExtFree(e.Free, Addr(m), e.Buf, e.Size, e.Arg)
	default:
		if p.hooks.FreeMalloc != nil {
			p.hooks.FreeMalloc(e.Buf)
		}
		p.putMbufOf(m, typ)
	}
}

// dropShared drops m's reference to storage that may be shared, by the
// 2007 holder/sharer rule; true when m is the holder and that was the
// last reference (the caller frees the storage and m).
func (p *Pools) dropShared(m, holder *Mbuf, embedded bool, typ int) bool {
	if embedded {
		// A zombie before the decrement: whoever drops the last
		// reference (possibly on another thread) must find it one.
		p.mbufs.a.setStateOf(Addr(m), stateZombie)
	}
	if atomic.AddUint32(&holder.ExtStorage().RefCnt, ^uint32(0)) != 0 {
		if embedded {
			if typ >= 0 {
				p.countType(typ, -1) // freed, though its slot stays a zombie
			}
			return false
		}
		setPtr(m.ExtRefPtr(), m)
		p.putMbufOf(m, typ)
		return false
	}
	if !embedded {
		// The holder is a zombie: dropping its last reference frees the
		// storage and the holder; then the sharer itself goes.
		atomic.AddUint32(&holder.ExtStorage().RefCnt, 1)
		p.extFree(holder, -1)
		setPtr(m.ExtRefPtr(), m)
		p.putMbufOf(m, typ)
		return false
	}
	return true
}

func (p *Pools) callExtFree(fn, m, buf, size, arg uintptr) {
	if fn == goExtFree {
		p.runGoExtFree(MbufAt(m), arg)
		return
	}
	if p.hooks.CallExtFree == nil {
		violate("m_ext_free", "no way to call ext_free %#x", fn)
	}
	p.hooks.CallExtFree(fn, m, buf, size, arg)
}

// PutMbuf is pool_cache_put(mb_cache, m): what an ext_free callback calls
// to release the mbuf it was handed (or any live mbuf without storage).
func (p *Pools) PutMbuf(m *Mbuf) {
	a := Addr(m)
	idx, inside, aligned := p.mbufs.a.slot(a)
	if !inside || !aligned {
		violate("pool_cache_put", "%#x is not an mbuf", a)
	}
	if s := p.mbufs.a.state(idx); s != stateFreeing {
		violate("pool_cache_put", "mbuf %#x is not being freed by ext_free (state %d)", a, s)
	}
	p.putMbuf(m)
}

func (p *Pools) putMbuf(m *Mbuf) { p.putMbufOf(m, -1) }

// putMbufOf is putMbuf that also counts a live mbuf of type typ gone
// (typ < 0: nothing to count).
func (p *Pools) putMbufOf(m *Mbuf, typ int) {
	if p.mbufGone(m, typ) {
		p.putSlot(&p.mbufs, kindMbuf, Addr(m), typ)
	}
}

// mbufGone marks m free; false if debug mode's quarantine kept it (then
// it is counted gone here), true if the caller puts the slot back.
func (p *Pools) mbufGone(m *Mbuf, typ int) bool {
	a := Addr(m)
	p.mbufs.a.setStateOf(a, stateFree)
	if p.debugFree(a, false) {
		if typ >= 0 {
			p.countType(typ, -1)
		}
		return false
	}
	return true
}

// clusterGone checks that buf is a live cluster and marks it free; false
// if debug mode's quarantine kept it, true if the caller puts it back.
func (p *Pools) clusterGone(buf uintptr) bool {
	idx, inside, aligned := p.clusters.a.slot(buf)
	if !inside || !aligned || p.clusters.a.state(idx) != stateLive {
		violate("m_ext_free", "cluster %#x is not a live cluster", buf)
	}
	p.clusters.a.setState(idx, stateFree)
	return !p.debugFree(buf, true)
}

// putClusterAndMbuf frees cluster buf (clusterGone) and mbuf m (mbufGone) into
// this P's cache in one critical section when it can keep both.
func (p *Pools) putClusterAndMbuf(buf uintptr, m *Mbuf, typ int) {
	cl := p.clusterGone(buf)
	mb := p.mbufGone(m, typ)
	if cl && mb && p.putPair(Addr(m), buf, typ) {
		return
	}
	if cl {
		p.putSlot(&p.clusters, kindCluster, buf, -1)
	}
	if mb {
		p.putSlot(&p.mbufs, kindMbuf, Addr(m), typ)
	}
}

// ---- batches for the C per-thread caches --------------------------------

// TakeMbufs moves up to len(dst) free mbuf slots to a C cache; 0 means
// exhausted even after the drain hooks ran.
func (p *Pools) TakeMbufs(dst []uintptr, how int) int { return p.takeBatch(&p.mbufs, dst, how) }

// TakeClusters is TakeMbufs for clusters (within nmbclusters).
func (p *Pools) TakeClusters(dst []uintptr, how int) int { return p.takeBatch(&p.clusters, dst, how) }

func (p *Pools) takeBatch(d *depot, dst []uintptr, how int) int {
	if n := d.take(dst); n > 0 {
		return n
	}
	if a := p.takeOne(d, how); a != 0 {
		dst[0] = a
		return 1
	}
	return 0
}

// GiveMbufs returns free mbuf slots from a C cache; each must be free.
func (p *Pools) GiveMbufs(src []uintptr) { p.giveBatch(&p.mbufs, src) }

// GiveClusters returns free cluster slots from a C cache.
func (p *Pools) GiveClusters(src []uintptr) { p.giveBatch(&p.clusters, src) }

func (p *Pools) giveBatch(d *depot, src []uintptr) {
	for _, a := range src {
		idx, inside, aligned := d.a.slot(a)
		if !inside || !aligned || d.a.state(idx) != stateFree {
			violate("mbuf cache", "bad %s %#x returned to the depot", d.a.name, a)
		}
	}
	d.give(src)
}

// ---- limits and statistics ---------------------------------------------

// SetLowat re-applies the low-water marks (kern.mbuf.mblowat/mcllowat).
func (p *Pools) SetLowat(mb, cl int) {
	p.mbufs.setLowat(mb)
	p.clusters.setLowat(cl)
}

// Outstanding reports mbufs and clusters outside the depots (live, zombie,
// or sitting in a per-thread cache).
func (p *Pools) Outstanding() (mbufs, clusters int) {
	mbufs, _ = p.mbufs.counts()
	clusters, _ = p.clusters.counts()
	return
}

// Live reports slots in the live state: what a leak check wants, since it
// ignores objects cached by threads.
func (p *Pools) Live() (mbufs, zombies, clusters int) {
	p.mbufs.mu.Lock()
	mbufs, zombies = p.mbufs.a.count(stateLive), p.mbufs.a.count(stateZombie)
	p.mbufs.mu.Unlock()
	p.clusters.mu.Lock()
	clusters = p.clusters.a.count(stateLive)
	p.clusters.mu.Unlock()
	return
}

// GoTypeCount is the number of live mbufs of type t allocated or freed on
// the Go side (the C caches keep their own share).
func (p *Pools) GoTypeCount(t int) int64 {
	return atomic.LoadInt64(&p.sh.GoTypes[t]) + p.pc.typeCount(t)
}

// String summarises the pools for debugging.
func (p *Pools) String() string {
	mo, mf := p.mbufs.counts()
	co, cf := p.clusters.counts()
	return fmt.Sprintf("mbufs out=%d free=%d; clusters out=%d free=%d", mo, mf, co, cf)
}

// AddReference is MCLADDREFERENCE: n (without storage) starts sharing o's
// ext storage; the reference always points at the holder.
func AddReference(o, n *Mbuf) {
	n.Flags |= o.Flags & M_EXTCOPYFLAGS
	h := *o.ExtRefPtr()
	atomic.AddUint32(&h.ExtStorage().RefCnt, 1)
	setPtr(n.ExtRefPtr(), h)
}
