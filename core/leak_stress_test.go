package core

import (
	"math/rand/v2"
	"sync"
	"testing"
)

// TestConcurrentChainsLeaveNothing runs goroutines that allocate, share
// (Copym), split, deep-copy and free packets, handing some to each other,
// then checks the census is empty and the whole cluster limit can be
// allocated again. Under go test -race (make test-race) it is the Go
// side's thread stress test.
func TestConcurrentChainsLeaveNothing(t *testing.T) {
	p := newTestPools(t)
	const limit, workers = 200, 4
	*p.g.NMBClusters = limit
	ops := 3000
	if testing.Short() {
		ops = 500
	}
	mail := make(chan *Mbuf, 32)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 1))
			var held []*Mbuf
			for i := 0; i < ops; i++ {
				switch r.IntN(6) {
				case 0, 1:
					m := p.GetCl(M_DONTWAIT, MT_DATA, M_PKTHDR)
					if m == nil {
						continue
					}
					m.Len, m.Pkt().Len = 0, 0
					p.Copyback(m, 0, 1+r.IntN(3000), make([]byte, 3000))
					held = append(held, m)
				case 2:
					if len(held) > 0 {
						if c := p.Copym(held[0], 0, M_COPYALL, M_DONTWAIT); c != nil {
							held = append(held, c)
						}
					}
				case 3:
					if n := len(held); n > 0 && Length(held[n-1]) > 1 {
						if tail := p.Split(held[n-1], 1, M_DONTWAIT); tail != nil {
							held = append(held, tail)
						}
					}
				case 4:
					if n := len(held); n > 0 {
						select {
						case mail <- held[n-1]:
							held = held[:n-1]
						case m := <-mail:
							held = append(held, m)
						default:
						}
					}
				default:
					if n := len(held); n > 0 {
						k := r.IntN(n)
						p.Freem(held[k])
						held = append(held[:k], held[k+1:]...)
					}
				}
			}
			for _, m := range held {
				p.Freem(m)
			}
		}(uint64(w + 1))
	}
	wg.Wait()
	close(mail)
	for m := range mail {
		p.Freem(m)
	}
	if l := p.Leaks(); l.Total() != 0 {
		t.Fatalf("left behind:\n%s", l)
	}
	var all []*Mbuf
	for i := 0; i <= limit; i++ {
		m := p.GetCl(M_DONTWAIT, MT_DATA, 0)
		if m == nil {
			break
		}
		all = append(all, m)
	}
	if len(all) != limit {
		t.Fatalf("%d of %d clusters could be allocated again", len(all), limit)
	}
	for _, m := range all {
		p.Free(m)
	}
	assertNoLeaks(t, p)
}
