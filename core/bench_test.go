package core

import "testing"

// Benchmarks of the core called from Go (no C crossing): what a Go user of
// the mbuf package pays. `make bench` prints them beside the C figures,
// divided by the C baselines (malloc+free, memcpy) of the same run.

func benchPools(b *testing.B) *Pools {
	b.Helper()
	p, err := New(nil, Hooks{})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func benchClusters(p *Pools, n, each int) *Mbuf {
	var top, last *Mbuf
	for i := 0; i < n; i++ {
		flags := 0
		if i == 0 {
			flags = M_PKTHDR
		}
		m := p.GetCl(M_DONTWAIT, MT_DATA, flags)
		m.Len = int32(each)
		if last == nil {
			top = m
		} else {
			last.Next = m
		}
		last = m
	}
	top.Pkt().Len = int32(n * each)
	return top
}

func BenchmarkGetFree(b *testing.B) {
	p := benchPools(b)
	for i := 0; i < b.N; i++ {
		p.Free(p.Get(M_DONTWAIT, MT_DATA))
	}
}

func BenchmarkGetHdrClGetFreem(b *testing.B) {
	p := benchPools(b)
	for i := 0; i < b.N; i++ {
		m := p.GetHdr(M_DONTWAIT, MT_DATA)
		p.ClGet(m, M_DONTWAIT)
		p.Freem(m)
	}
}

func BenchmarkCopyData1500(b *testing.B) {
	p := benchPools(b)
	m := benchClusters(p, 1, 1500)
	dst := make([]byte, 1500)
	b.SetBytes(1500)
	for i := 0; i < b.N; i++ {
		p.CopyData(m, 0, 1500, dst)
	}
	p.Freem(m)
}

func BenchmarkCopymFreem3Clusters(b *testing.B) {
	p := benchPools(b)
	m := benchClusters(p, 3, 1500)
	for i := 0; i < b.N; i++ {
		p.Freem(p.Copym(m, 0, M_COPYALL, M_DONTWAIT))
	}
	p.Freem(m)
}

func BenchmarkAdjBoth(b *testing.B) {
	p := benchPools(b)
	m := benchClusters(p, 1, 1500)
	for i := 0; i < b.N; i++ {
		p.Adj(m, 14)
		p.Adj(m, -14)
		m.Data -= 14
		m.Len += 28
		m.Pkt().Len += 28
	}
	p.Freem(m)
}

func BenchmarkSplitUndo(b *testing.B) {
	p := benchPools(b)
	m := benchClusters(p, 3, 1500)
	for i := 0; i < b.N; i++ {
		t := p.Split(m, 1000, M_DONTWAIT)
		m.Len = 1000 + t.Len
		m.Next = t.Next
		m.Pkt().Len = 4500
		t.Next = nil
		p.Free(t)
	}
	p.Freem(m)
}
