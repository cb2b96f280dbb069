package udp4

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/libmbuf/libmbuf/mbuf"
)

// Go builds IPv4 + UDP packets with package mbuf, in chains of every
// shape; the ported NetBSD code, compiled into this test binary, fills in
// and checks their checksums on those very chains (no copy: the chain is
// handed over and back); packets it rejects it frees itself, the ones it
// accepts Go frees. C-built packets are freed by Go. Both sides see one
// pool: the same live counts, the same cluster limit.

const ethLen = 14

// datagram builds an Ethernet + IPv4 + UDP frame of payload bytes, its
// checksums zero, as a packet of random shape.
func datagram(t *testing.T, rng *rand.Rand, payload int, port uint16) (mbuf.Packet, []byte) {
	t.Helper()
	f := make([]byte, ethLen+20+8+payload)
	copy(f, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x00})
	ip := f[ethLen:]
	ip[0], ip[8], ip[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(ip[2:], uint16(20+8+payload))
	copy(ip[12:], []byte{10, 0, 0, 1, 10, 0, 0, 2})
	udp := ip[20:]
	binary.BigEndian.PutUint16(udp[0:], 40000)
	binary.BigEndian.PutUint16(udp[2:], port)
	binary.BigEndian.PutUint16(udp[4:], uint16(8+payload))
	for i := range udp[8:] {
		udp[8+i] = byte(rng.Uint32())
	}
	// a chain of random pieces, some sharing storage with a clone
	var p mbuf.Packet
	for rest := f; len(rest) > 0; {
		k := min(len(rest), 1+rng.IntN(600))
		piece, err := mbuf.New(rest[:k])
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Cat(&piece); err != nil {
			t.Fatal(err)
		}
		rest = rest[k:]
	}
	return p.Take(), f
}

// goUDPSum is the UDP checksum computed in Go over the pseudo header and
// the datagram, to compare with what the C code wrote.
func goUDPSum(frame []byte) uint16 {
	ip := frame[ethLen:]
	udp := ip[20:]
	pseudo := make([]byte, 0, 12+len(udp))
	pseudo = append(pseudo, ip[12:20]...)
	pseudo = append(pseudo, 0, 17, udp[4], udp[5])
	pseudo = append(pseudo, udp...)
	pseudo[12+6], pseudo[12+7] = 0, 0
	s := mbuf.Checksum(pseudo)
	if s == 0 {
		s = 0xffff
	}
	return s
}

func TestGoPacketsThroughPortedC(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	before := mbuf.ReadStats()
	Clear()
	accepted := 0
	for i := 0; i < 300; i++ {
		payload := rng.IntN(3000)
		p, frame := datagram(t, rng, payload, uint16(7000+i%3))
		if _, err := p.Header(ethLen + 28); err != nil { // the C code wants the headers contiguous
			t.Fatal(err)
		}
		if err := FillChecksums(&p, ethLen); err != nil {
			t.Fatal(err)
		}
		got := p.Bytes()
		if sum, err := p.Checksum(ethLen, 20); err != nil || sum != 0 {
			t.Fatalf("the C code's IPv4 checksum does not check in Go: %#x %v", sum, err)
		}
		if want := goUDPSum(got); binary.BigEndian.Uint16(got[ethLen+26:]) != want {
			t.Fatalf("UDP checksum: C wrote %#04x, Go computes %#04x", binary.BigEndian.Uint16(got[ethLen+26:]), want)
		}
		copy(frame, got)

		want := OK
		switch i % 5 {
		case 1: // a flipped header byte
			_, _ = p.WriteAt([]byte{frame[ethLen+12] ^ 0x10}, ethLen+12)
			want = BadIPSum
		case 2: // a flipped payload byte
			if payload == 0 {
				break
			}
			k := ethLen + 28 + rng.IntN(payload)
			_, _ = p.WriteAt([]byte{frame[k] ^ 0x01}, int64(k))
			want = BadSum
		case 3: // cut short
			if err := p.Truncate(ethLen + 28 + payload/2); err != nil {
				t.Fatal(err)
			}
			if payload/2 == payload {
				break
			}
			want = BadLen
		}
		v, err := Check(&p, ethLen)
		if err != nil {
			t.Fatal(err)
		}
		if v != want {
			t.Fatalf("packet %d (%d bytes of payload): verdict %q, want %q", i, payload, Reason(v), Reason(want))
		}
		if v != OK {
			if p.Valid() || p.Len() != 0 {
				t.Fatal("a packet the C code freed still looks valid in Go")
			}
			continue
		}
		accepted++
		if !bytes.Equal(p.Bytes(), frame) {
			t.Fatal("the packet came back from C changed")
		}
		p.Free() // freed in Go
	}
	if n := Accepted(7000) + Accepted(7001) + Accepted(7002); n != accepted {
		t.Fatalf("C counted %d accepted packets, Go %d", n, accepted)
	}
	Clear()
	if n := Allocated(); n != 0 {
		t.Fatalf("the C code left %d allocations", n)
	}
	if after := mbuf.ReadStats(); after.Mbufs != before.Mbufs || after.Clusters != before.Clusters || after.Tags != before.Tags {
		t.Fatalf("left allocated: %+v, before %+v", after, before)
	}
}

func TestCPacketsFreedInGo(t *testing.T) {
	before := mbuf.ReadStats()
	data := bytes.Repeat([]byte("made in C "), 500)
	p, err := BuildInC(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Bytes(), data) {
		t.Fatal("the C-built packet reads differently in Go")
	}
	if s := mbuf.ReadStats(); s.Mbufs <= before.Mbufs || s.Clusters <= before.Clusters {
		t.Fatalf("Go does not see the mbufs C allocated: %+v", s)
	}
	if err := p.Prepend([]byte("go:")); err != nil {
		t.Fatal(err)
	}
	p.Free()
	if s := mbuf.ReadStats(); s.Mbufs != before.Mbufs || s.Clusters != before.Clusters {
		t.Fatalf("freeing in Go did not return C's mbufs: %+v, before %+v", s, before)
	}
	if _, err := mbuf.Adopt(nil); !errors.Is(err, mbuf.ErrInvalid) {
		t.Fatalf("Adopt(NULL): %v", err)
	}
}

// One pool: C's statistics count the mbufs Go allocates, and the C global
// nmbclusters limits Go.
func TestOnePool(t *testing.T) {
	base := CLiveMbufs()
	var ps [10]mbuf.Packet
	for i := range ps {
		var err error
		if ps[i], err = mbuf.New(make([]byte, 100)); err != nil {
			t.Fatal(err)
		}
	}
	if n := CLiveMbufs(); n != base+len(ps) {
		t.Fatalf("C sees %d live MT_DATA mbufs, want %d", n, base+len(ps))
	}
	for i := range ps {
		ps[i].Free()
	}
	if n := CLiveMbufs(); n != base {
		t.Fatalf("C sees %d live MT_DATA mbufs after Go freed them, want %d", n, base)
	}

	// Clusters already taken from the depot (parked in a P's cache) stay
	// usable when the limit drops; past them, the C limit stops Go.
	old := SetClusterLimit(mbuf.ReadStats().Clusters + 2)
	defer SetClusterLimit(old)
	var held []mbuf.Packet
	defer func() {
		for i := range held {
			held[i].Free()
		}
	}()
	for len(held) < 1000 {
		p, err := mbuf.New(make([]byte, mbuf.ClusterSize))
		if errors.Is(err, mbuf.ErrNoBufs) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, p.Take())
	}
	if len(held) >= 1000 {
		t.Fatal("the C global nmbclusters does not limit Go")
	}
	t.Logf("the limit stopped Go after %d clusters", len(held))
}
