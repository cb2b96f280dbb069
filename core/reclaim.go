package core

import (
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
)

// Drain hooks and m_reclaim. At a limit an allocation runs the hooks once
// and retries (takeOne). A hook may free memory, and may allocate; but an
// allocation made inside a hook that finds nothing free would run the
// hooks again from inside, and again, until the stack overflows. So the
// hooks never run re-entered on one thread: an allocation inside a hook
// takes what is free or fails at once (NULL, counted in mbstat.m_drops),
// M_WAIT included, and m_reclaim inside a hook returns at once. Other
// threads that reach the limit meanwhile run the hooks themselves (hooks
// must allow that, as they must allow being called from any thread).

type drainHook struct {
	id int
	fn func()
}

// threadSet is the set of OS threads (by thread id) inside the drain
// hooks. A C thread calling into Go runs its callback on its own thread,
// and Reclaim locks a Go caller to its thread while the hooks run, so the
// thread id names the caller for the whole reclaim.
type threadSet struct {
	mu   sync.Mutex
	tids map[int]struct{}
}

// enter adds the calling thread; false if it is already in the set.
func (s *threadSet) enter(tid int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, in := s.tids[tid]; in {
		return false
	}
	if s.tids == nil {
		s.tids = make(map[int]struct{})
	}
	s.tids[tid] = struct{}{}
	return true
}

func (s *threadSet) leave(tid int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tids, tid)
}

// RegisterDrain adds a Go drain hook run by Reclaim; it returns an id.
func (p *Pools) RegisterDrain(fn func()) int {
	p.drainMu.Lock()
	defer p.drainMu.Unlock()
	p.nextID++
	p.drains = append(p.drains, drainHook{p.nextID, fn})
	return p.nextID
}

// UnregisterDrain removes a hook added by RegisterDrain.
func (p *Pools) UnregisterDrain(id int) bool {
	p.drainMu.Lock()
	defer p.drainMu.Unlock()
	for i, h := range p.drains {
		if h.id == id {
			p.drains = append(p.drains[:i], p.drains[i+1:]...)
			return true
		}
	}
	return false
}

// Reclaim is m_reclaim: run every drain hook (the host's, then the Go
// ones) and count mbstat.m_drain; nothing, from inside a hook.
func (p *Pools) Reclaim() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := syscall.Gettid()
	if !p.draining.enter(tid) {
		return
	}
	defer p.draining.leave(tid)
	if p.hooks.Reclaim != nil {
		p.hooks.Reclaim()
	}
	p.drainMu.Lock()
	hooks := append([]drainHook(nil), p.drains...)
	p.drainMu.Unlock()
	for _, h := range hooks {
		h.fn()
	}
	atomic.AddUintptr(&p.g.Stat.Drain, 1)
}
