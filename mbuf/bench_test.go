package mbuf

import "testing"

// Benchmarks of the Go API (reported, never asserted).

func BenchmarkNewFree1500(b *testing.B) {
	data := make([]byte, 1500)
	for i := 0; i < b.N; i++ {
		p, _ := New(data)
		p.Free()
	}
}

func BenchmarkCopyFree(b *testing.B) {
	p, _ := New(make([]byte, 1500))
	defer p.Free()
	for i := 0; i < b.N; i++ {
		c, _ := p.Copy(0, -1)
		c.Free()
	}
}

func BenchmarkBytes1500(b *testing.B) {
	p, _ := New(make([]byte, 1500))
	defer p.Free()
	for i := 0; i < b.N; i++ {
		_ = p.Bytes()
	}
}

func BenchmarkAdjPrepend(b *testing.B) {
	p, _ := New(make([]byte, 1500))
	defer p.Free()
	hdr := make([]byte, 14)
	for i := 0; i < b.N; i++ {
		p.Adj(14)
		p.Prepend(hdr)
	}
}

func BenchmarkAttachFree(b *testing.B) {
	buf := make([]byte, 1500)
	for i := 0; i < b.N; i++ {
		p, _ := Attach(buf, true, nil)
		p.Free()
	}
}

func BenchmarkReadInto1500(b *testing.B) {
	p, _ := New(make([]byte, 1500))
	defer p.Free()
	dst := make([]byte, 1500)
	for i := 0; i < b.N; i++ {
		p.ReadAt(dst, 0)
	}
}
