package mbuf

import (
	"bytes"
	"errors"
	"io"
	"math/rand"
	"testing"
)

func live(t *testing.T) int {
	t.Helper()
	return ReadStats().Mbufs
}

func TestRoundTripSizes(t *testing.T) {
	before := live(t)
	for _, n := range []int{0, 1, MHLEN, MHLEN + 1, MCLBYTES, 5000} {
		data := bytes.Repeat([]byte{byte(n)}, n)
		p, err := New(data)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p.Bytes(), data) || p.Len() != n {
			t.Fatalf("n=%d: round trip differs", n)
		}
		p.Free()
		p.Free()
	}
	if live(t) != before {
		t.Fatal("leaked mbufs")
	}
}

func TestViolationsAreErrors(t *testing.T) {
	p, _ := New([]byte("short"))
	defer p.Free()
	_, err := p.ReadAt(make([]byte, 10), -2)
	var v *Error
	if !errors.As(err, &v) || v.Func != "m_copydata" || !errors.Is(err, ErrRange) {
		t.Fatalf("got %v", err)
	}
	if n, err := p.ReadAt(make([]byte, 3), 3); n != 2 || err != io.EOF {
		t.Fatalf("ReadAt past the end: %d, %v", n, err)
	}
	dst := make([]byte, 3)
	if n, err := p.ReadAt(dst, 2); n != 3 || err != nil || string(dst) != "ort" {
		t.Fatalf("ReadAt: %q, %v", dst, err)
	}
	if err := p.Pullup(1000); !errors.Is(err, ErrRange) || p.Len() != 5 {
		t.Fatalf("pullup beyond the packet: %v", err)
	}
	if err := p.Pullup(5); err != nil || string(p.Bytes()) != "short" {
		t.Fatalf("pullup of the whole packet: %v", err)
	}
}

func TestAttachReleasesOnce(t *testing.T) {
	released := 0
	buf := make([]byte, 100)
	p, err := Attach(buf, true, func() { released++ })
	if err != nil {
		t.Fatal(err)
	}
	c, _ := p.Clone()
	if err := p.Copyback(0, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if string(buf[:2]) == "hi" {
		t.Fatal("shared storage was written in place")
	}
	p.Free()
	if released != 0 {
		t.Fatal("released while a copy refers to it")
	}
	c.Free()
	if released != 1 {
		t.Fatalf("released %d times", released)
	}
}

// A random program of operations against the same one on a []byte.
func TestOpsMatchBytes(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	before := live(t)
	for iter := 0; iter < 300; iter++ {
		ref := make([]byte, rng.Intn(4000))
		rng.Read(ref)
		p, _ := New(ref)
		for step := 0; step < 10; step++ {
			switch rng.Intn(6) {
			case 0:
				n := rng.Intn(2*len(ref)+1) - len(ref)
				p.Adj(n)
				if n >= 0 {
					ref = ref[n:]
				} else {
					ref = ref[:len(ref)+n]
				}
			case 1:
				h := make([]byte, rng.Intn(MHLEN))
				rng.Read(h)
				p.Prepend(h)
				ref = append(h, ref...)
			case 2:
				off, d := rng.Intn(len(ref)+10), make([]byte, 1+rng.Intn(3000))
				rng.Read(d)
				p.Copyback(off, d)
				for len(ref) < off {
					ref = append(ref, 0)
				}
				ref = append(append(append([]byte(nil), ref[:off]...), d...), ref[min(len(ref), off+len(d)):]...)
			case 3:
				off := rng.Intn(len(ref) + 1)
				tail, err := p.Split(off)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(tail.Bytes(), ref[off:]) {
					t.Fatal("split tail differs")
				}
				p.Cat(&tail)
			case 4:
				c, _ := p.Copy(0, -1)
				d, _ := p.Dup()
				if !bytes.Equal(c.Bytes(), ref) || !bytes.Equal(d.Bytes(), ref) {
					t.Fatal("copy differs")
				}
				c.Free()
				d.Free()
			case 5:
				if n := 1 + rng.Intn(MHLEN); n <= len(ref) {
					if err := p.Pullup(n); err != nil {
						t.Fatal(err)
					}
				}
			}
			if !bytes.Equal(p.Bytes(), ref) || p.Len() != len(ref) {
				t.Fatalf("iter %d step %d: packet differs from the reference", iter, step)
			}
		}
		p.Free()
	}
	if live(t) != before {
		t.Fatal("leaked mbufs")
	}
}
