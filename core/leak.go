package core

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Leak report: what is still allocated, grouped by kind, mbuf type and
// MBUFTRACE owner. Objects cached by threads are free, not leaked, so the
// report is exact at any quiescent point (no other thread mid-call).

// LeakGroup is one line of the report.
type LeakGroup struct {
	Kind    string // "mbuf", "zombie" (freed holder of shared storage), "freeing" (see Leaks.Freeing), "cluster", "tag"
	Type    int    // m_type of the mbuf (of the holder for clusters); -1 for tags
	Owner   string // "name/descr" of m_owner, its address if not an attached mowner, "" if none
	Site    string // allocating call (MBUF_DEBUG=alloc), else ""
	ExtFree string // for "freeing": the ext_free callback that kept the mbuf
	Count   int
}

// Leaks is the state of the pools: live mbufs, zombie holders, mbufs an
// ext_free callback never gave back, live clusters and live tags, grouped.
type Leaks struct {
	Mbufs, Zombies, Clusters, Tags int
	// Freeing counts mbufs handed to a custom ext_free callback that has
	// not released them with pool_cache_put(mb_cache, m).
	Freeing int
	Groups  []LeakGroup
}

// Total is the number of objects still allocated.
func (l *Leaks) Total() int { return l.Mbufs + l.Zombies + l.Freeing + l.Clusters + l.Tags }

// mbufRec is what the census copies out of one allocated mbuf slot under
// the depot lock: raw values of the slot itself, nothing read through
// them. Names are found afterwards, with no lock of the pools held.
type mbufRec struct {
	addr    uintptr
	state   byte
	typ     int
	owner   uintptr // m_owner, unvalidated
	holds   uintptr // the cluster whose descriptor this mbuf holds, or 0
	extFree uintptr // ext_free of an mbuf left freeing
}

// censusMbufs lists the allocated mbuf slots.
func (p *Pools) censusMbufs() []mbufRec {
	d := &p.mbufs
	d.mu.Lock()
	defer d.mu.Unlock()
	a := d.a
	var out []mbufRec
	for i, n := 0, a.committed(); i < n; i++ {
		s := a.state(i)
		if s != stateLive && s != stateZombie && s != stateFreeing {
			continue
		}
		addr := a.base + uintptr(i)<<a.shift
		m := MbufAt(addr)
		r := mbufRec{addr: addr, state: s, typ: int(m.Type), owner: m.Owner}
		if m.Flags&(M_EXT|M_EXT_CLUSTER) == M_EXT|M_EXT_CLUSTER && *m.ExtRefPtr() == m {
			r.holds = m.ExtStorage().Buf
		}
		if s == stateFreeing {
			r.extFree = m.ExtStorage().Free
		}
		out = append(out, r)
	}
	return out
}

// censusClusters lists the live cluster slots.
func (p *Pools) censusClusters() []uintptr {
	d := &p.clusters
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.a
	var out []uintptr
	for i, n := 0, c.committed(); i < n; i++ {
		if c.state(i) == stateLive {
			out = append(out, c.base+uintptr(i)<<c.shift)
		}
	}
	return out
}

// Leaks takes the census. Call it at a quiescent point (no other thread
// inside the library): it is exact then, and safe at any time.
func (p *Pools) Leaks() *Leaks {
	type key struct {
		kind, owner, site, extFree string
		typ                        int
	}
	counts := map[key]int{}
	l := &Leaks{}
	clusterOwner := map[uintptr]key{}
	names := ownerNamer{p: p}

	for _, r := range p.censusMbufs() {
		k := key{kind: "mbuf", typ: r.typ, owner: names.name(r.owner), site: p.debugAllocSite(r.addr)}
		switch r.state {
		case stateZombie:
			k.kind = "zombie"
			l.Zombies++
		case stateFreeing:
			k.kind = "freeing"
			k.extFree = p.symbol(r.extFree)
			l.Freeing++
		default:
			l.Mbufs++
		}
		counts[k]++
		if r.holds != 0 {
			ck := k
			ck.kind, ck.site, ck.extFree = "cluster", "", ""
			clusterOwner[r.holds] = ck
		}
	}
	for _, addr := range p.censusClusters() {
		k, ok := clusterOwner[addr]
		if !ok {
			k = key{kind: "cluster", typ: -1, owner: "(no holder)"}
		}
		k.site = p.debugAllocSite(addr)
		counts[k]++
		l.Clusters++
	}

	if n := p.LiveTags(); n > 0 {
		l.Tags = n
		counts[key{kind: "tag", typ: -1}] = n
	}
	for k, n := range counts {
		l.Groups = append(l.Groups, LeakGroup{k.kind, k.typ, k.owner, k.site, k.extFree, n})
	}
	order := map[string]int{"mbuf": 0, "zombie": 1, "freeing": 2, "cluster": 3, "tag": 4}
	sort.Slice(l.Groups, func(i, j int) bool {
		x, y := l.Groups[i], l.Groups[j]
		if x.Kind != y.Kind {
			return order[x.Kind] < order[y.Kind]
		}
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		return fmt.Sprint(x.Type, x.Owner, x.Site, x.ExtFree) < fmt.Sprint(y.Type, y.Owner, y.Site, y.ExtFree)
	})
	return l
}

// symbol names a C function address ("0x4011d6 (forget_free+0x0 (./prog))").
func (p *Pools) symbol(pc uintptr) string {
	s := fmt.Sprintf("%#x", pc)
	if h := p.hooks.Symbol; h != nil && pc != 0 && pc != goExtFree {
		if name := h(pc); name != "" && name != s {
			s += " (" + name + ")"
		}
	}
	return s
}

var typeNames = [...]string{"MT_FREE", "MT_DATA", "MT_HEADER", "MT_SONAME", "MT_SOOPTS",
	"MT_FTABLE", "MT_CONTROL", "MT_OOBDATA"}

func typeName(t int) string {
	switch {
	case t < 0:
		return "-"
	case t < len(typeNames):
		return typeNames[t]
	}
	return fmt.Sprintf("type %d", t)
}

// String formats the report; empty when nothing is allocated.
func (l *Leaks) String() string {
	if l.Total() == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "libmbuf: leak report: %d mbufs, %d zombie holders, %d clusters, %d tags still allocated",
		l.Mbufs, l.Zombies, l.Clusters, l.Tags)
	if l.Freeing > 0 {
		fmt.Fprintf(&b, "; %d mbufs never given back by their ext_free", l.Freeing)
	}
	b.WriteByte('\n')
	for _, g := range l.Groups {
		fmt.Fprintf(&b, "  %6d %-7s", g.Count, g.Kind)
		if g.Type >= 0 {
			fmt.Fprintf(&b, " %-10s", typeName(g.Type))
		}
		if g.Owner != "" {
			fmt.Fprintf(&b, " owner %s", g.Owner)
		}
		if g.Site != "" {
			fmt.Fprintf(&b, " allocated by %s", g.Site)
		}
		if g.ExtFree != "" {
			fmt.Fprintf(&b, ": ext_free %s did not call pool_cache_put", g.ExtFree)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// LeakReport writes the report to w and returns the number of objects
// still allocated.
func (p *Pools) LeakReport(w io.Writer) int {
	l := p.Leaks()
	io.WriteString(w, l.String())
	return l.Total()
}
