package mbuf

import (
	"bytes"
	"errors"
	"testing"
)

// Regression tests for the defects of issue 13, each written from the
// reported symptom.

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + 3)
	}
	return b
}

// c := p.Copy(1, 40); c.Cat(&q) changed byte 16 of c: the copy had no
// packet header, and Cat added q's length to a header that was not there.
func TestRegressCopyOffsetThenCat(t *testing.T) {
	data := pattern(100)
	p, err := New(data)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	c, err := p.Copy(1, 40)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Free()
	q, err := New([]byte("tail"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Cat(&q); err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte(nil), data[1:41]...), "tail"...)
	if got := c.Bytes(); !bytes.Equal(got, want) {
		t.Fatalf("Cat after Copy(1, 40):\n got %x\nwant %x", got, want)
	}
	if c.Len() != 44 {
		t.Fatalf("Len %d after Cat, want 44", c.Len())
	}
}

// Copy(off > 0, n) returned a Packet without a packet header: SetTag then
// failed and leaked its tag, and Split(Len) returned ErrNoBufs.
func TestRegressCopyOffsetIsAPacket(t *testing.T) {
	before := ReadStats()
	for _, size := range []int{100, MHLEN + 100, 3000} {
		for _, off := range []int{1, 17, size / 2} {
			p, err := New(pattern(size))
			if err != nil {
				t.Fatal(err)
			}
			if err := p.SetTag(PACKET_TAG_VLAN, []byte{0, 7}); err != nil {
				t.Fatal(err)
			}
			c, err := p.Copy(off, size-off-1)
			if err != nil {
				t.Fatalf("size %d Copy(%d): %v", size, off, err)
			}
			if c.Len() != size-off-1 {
				t.Fatalf("size %d Copy(%d): Len %d", size, off, c.Len())
			}
			if err := c.SetTag(PACKET_TAG_ENCAP, []byte("x")); err != nil {
				t.Fatalf("size %d Copy(%d): SetTag: %v", size, off, err)
			}
			if v, ok := c.Tag(PACKET_TAG_ENCAP); !ok || string(v) != "x" {
				t.Fatalf("size %d Copy(%d): tag not found", size, off)
			}
			tail, err := c.Split(c.Len())
			if err != nil {
				t.Fatalf("size %d Copy(%d): Split(Len): %v", size, off, err)
			}
			if tail.Len() != 0 || !bytes.Equal(c.Bytes(), pattern(size)[off:size-1]) {
				t.Fatalf("size %d Copy(%d): Split(Len) changed the data", size, off)
			}
			tail.Free()
			c.Free()
			p.Free()
		}
	}
	after := ReadStats()
	if after.Tags != before.Tags || after.Mbufs != before.Mbufs || after.Clusters != before.Clusters {
		t.Fatalf("left allocated: before %+v, after %+v", before, after)
	}
}

// ErrNoBufs came back when nothing ran out (Copy(10, 0), Copy(Len, -1)),
// so errors.Is(err, ErrNoBufs) reported false out-of-memory drops. An
// empty range is an empty packet.
func TestRegressEmptyCopyIsNotOutOfMemory(t *testing.T) {
	p, err := New(pattern(100))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	for _, r := range [][2]int{{10, 0}, {100, -1}, {0, 0}, {100, 0}} {
		c, err := p.Copy(r[0], r[1])
		if errors.Is(err, ErrNoBufs) || err != nil {
			t.Fatalf("Copy(%d, %d): %v", r[0], r[1], err)
		}
		if c.Len() != 0 || len(c.Bytes()) != 0 {
			t.Fatalf("Copy(%d, %d): %d bytes", r[0], r[1], c.Len())
		}
		c.Free()
	}
	// A split at the very end is an empty tail, not an allocation failure.
	tail, err := p.Split(p.Len())
	if err != nil || tail.Len() != 0 {
		t.Fatalf("Split(Len): %v", err)
	}
	tail.Free()
}
