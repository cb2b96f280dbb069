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
	Kind  string // "mbuf", "zombie" (freed holder of shared storage), "cluster", "tag"
	Type  int    // m_type of the mbuf (of the holder for clusters); -1 for tags
	Owner string // "name/descr" of m_owner, "" if unknown
	Site  string // allocating call (MBUF_DEBUG=alloc), else ""
	Count int
}

// Leaks is the state of the pools: live mbufs, zombie holders, live
// clusters and live tags, grouped.
type Leaks struct {
	Mbufs, Zombies, Clusters, Tags int
	Groups                         []LeakGroup
}

// Total is the number of objects still allocated.
func (l *Leaks) Total() int { return l.Mbufs + l.Zombies + l.Clusters + l.Tags }

// Leaks takes the census. Call it at a quiescent point.
func (p *Pools) Leaks() *Leaks {
	type key struct {
		kind, owner, site string
		typ               int
	}
	counts := map[key]int{}
	l := &Leaks{}
	clusterOwner := map[uintptr]key{}

	p.mbufs.mu.Lock()
	a := p.mbufs.a
	for i := 0; i < a.nCommit; i++ {
		s := a.state(i)
		if s != stateLive && s != stateZombie {
			continue
		}
		addr := a.base + uintptr(i)<<a.shift
		m := MbufAt(addr)
		k := key{kind: "mbuf", typ: int(m.Type), owner: ownerName(m.Owner), site: p.debugAllocSite(addr)}
		if s == stateZombie {
			k.kind = "zombie"
			l.Zombies++
		} else {
			l.Mbufs++
		}
		counts[k]++
		if m.Flags&(M_EXT|M_EXT_CLUSTER) == M_EXT|M_EXT_CLUSTER && *m.ExtRefPtr() == m {
			ck := k
			ck.kind = "cluster"
			ck.site = ""
			clusterOwner[m.ExtStorage().Buf] = ck
		}
	}
	p.mbufs.mu.Unlock()

	p.clusters.mu.Lock()
	c := p.clusters.a
	for i := 0; i < c.nCommit; i++ {
		if c.state(i) != stateLive {
			continue
		}
		addr := c.base + uintptr(i)<<c.shift
		k, ok := clusterOwner[addr]
		if !ok {
			k = key{kind: "cluster", typ: -1, owner: "(no holder)"}
		}
		k.site = p.debugAllocSite(addr)
		counts[k]++
		l.Clusters++
	}
	p.clusters.mu.Unlock()

	if n := p.LiveTags(); n > 0 {
		l.Tags = n
		counts[key{kind: "tag", typ: -1}] = n
	}
	for k, n := range counts {
		l.Groups = append(l.Groups, LeakGroup{k.kind, k.typ, k.owner, k.site, n})
	}
	order := map[string]int{"mbuf": 0, "zombie": 1, "cluster": 2, "tag": 3}
	sort.Slice(l.Groups, func(i, j int) bool {
		x, y := l.Groups[i], l.Groups[j]
		if x.Kind != y.Kind {
			return order[x.Kind] < order[y.Kind]
		}
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		return fmt.Sprint(x.Type, x.Owner, x.Site) < fmt.Sprint(y.Type, y.Owner, y.Site)
	})
	return l
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
	fmt.Fprintf(&b, "libmbuf: leak report: %d mbufs, %d zombie holders, %d clusters, %d tags still allocated\n",
		l.Mbufs, l.Zombies, l.Clusters, l.Tags)
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
