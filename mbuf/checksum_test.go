package mbuf

import (
	"math/rand/v2"
	"testing"
)

// naiveSum is RFC 1071 word by word, the reference for the fast sum.
func naiveSum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

func TestChecksumMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 300; n++ {
		for _, fill := range []byte{0, 0xff, 1} {
			b := make([]byte, n)
			for i := range b {
				if fill == 1 {
					b[i] = byte(rng.Uint32())
				} else {
					b[i] = fill
				}
			}
			if got, want := Checksum(b), naiveSum(b); got != want {
				t.Fatalf("n=%d fill=%#x: %#04x, want %#04x", n, fill, got, want)
			}
		}
	}
}

// RFC 1071's worked example and a real IPv4 header.
func TestChecksumKnownValues(t *testing.T) {
	if got := Checksum([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}); got != ^uint16(0xddf2) {
		t.Errorf("RFC 1071 example: %#04x", got)
	}
	ip := []byte{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61,
		0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7}
	if got := Checksum(ip); got != 0 {
		t.Errorf("valid IPv4 header sums to %#04x, want 0", got)
	}
}

// The packet checksum over any range equals the flat one, whatever the
// chain looks like (odd buffer boundaries included).
func TestPacketChecksumRanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for iter := 0; iter < 200; iter++ {
		p, ref := randomPacket(t, rng)
		for k := 0; k < 20; k++ {
			off := rng.IntN(len(ref) + 1)
			n := rng.IntN(len(ref) - off + 1)
			got, err := p.Checksum(off, n)
			if err != nil {
				t.Fatal(err)
			}
			if want := naiveSum(ref[off : off+n]); got != want {
				t.Fatalf("iter %d [%d,+%d) over %s: %#04x, want %#04x", iter, off, n, &p, got, want)
			}
		}
		if _, err := p.Checksum(0, len(ref)+1); err == nil {
			t.Fatal("range past the end accepted")
		}
		p.Free()
	}
}

func TestChecksumUpdate(t *testing.T) {
	ip := []byte{0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}
	c := Checksum(ip)
	ip[10], ip[11] = byte(c>>8), byte(c)
	for ttl := 64; ttl > 0; ttl-- {
		old := uint16(ip[8])<<8 | uint16(ip[9])
		ip[8]--
		c = ChecksumUpdate(uint16(ip[10])<<8|uint16(ip[11]), old, uint16(ip[8])<<8|uint16(ip[9]))
		ip[10], ip[11] = byte(c>>8), byte(c)
		if Checksum(ip) != 0 {
			t.Fatalf("ttl %d: incremental update gives a bad header", ip[8])
		}
	}
}

// Long runs of 0xff bytes drive the 64-bit sum to its largest values,
// where a lost carry would show.
func TestChecksumCarries(t *testing.T) {
	for _, n := range []int{64, 128, 1500, 4096, 65535} {
		for _, prefix := range [][]byte{nil, {0xff}, {0, 1}, {0xfe, 0xff, 0xff}} {
			b := append(append([]byte{}, prefix...), make([]byte, n)...)
			for i := len(prefix); i < len(b); i++ {
				b[i] = 0xff
			}
			if got, want := Checksum(b), naiveSum(b); got != want {
				t.Fatalf("n=%d prefix %x: %#04x, want %#04x", n, prefix, got, want)
			}
		}
	}
}
