package mbuf

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// dupHandle copies a handle behind go vet's back (a bare return is not
// checked): how the tests make the stale copies vet would report.
func dupHandle(p *Packet) (q Packet) {
	q.m, q.gen, q.watch = p.m, p.gen, p.watch
	return
}

// randomPacket builds a packet of random length and random shape (small
// mbufs, clusters, pieces shared with a freed clone, empty mbufs) and
// returns it with its bytes.
func randomPacket(t *testing.T, rng *rand.Rand) (Packet, []byte) {
	t.Helper()
	ref := make([]byte, rng.IntN(5000))
	for i := range ref {
		ref[i] = byte(rng.Uint32())
	}
	var p Packet
	for rest := ref; len(rest) > 0 || p.m == nil; {
		k := min(len(rest), 1+rng.IntN(3000))
		if rng.IntN(4) == 0 {
			k = min(len(rest), rng.IntN(8))
		}
		piece, err := New(rest[:k])
		if err != nil {
			t.Fatal(err)
		}
		if rng.IntN(3) == 0 { // share its storage with a clone freed later
			c, err := piece.Clone()
			if err != nil {
				t.Fatal(err)
			}
			defer c.Free()
		}
		if err := p.Cat(&piece); err != nil {
			t.Fatal(err)
		}
		rest = rest[k:]
		if len(rest) == 0 {
			break
		}
	}
	if !bytes.Equal(p.Bytes(), ref) && len(ref) > 0 {
		t.Fatal("randomPacket: bytes differ")
	}
	return p.Take(), ref
}

// stats are the live counts a test compares before and after.
func liveCounts() [4]int {
	s := ReadStats()
	return [4]int{s.Mbufs, s.Zombies, s.Clusters, s.Tags}
}
