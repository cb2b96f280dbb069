package mbuf

import (
	"io"
	"testing"
)

// The operations of a packet path allocate nothing on the Go heap: a
// Packet is a value, the pools are off-heap with a cache per P. (Leak
// tracking watches one packet in 1024, with one allocation then: it
// averages to zero.)
func TestNoAllocations(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("instrumented builds allocate")
	}
	frame := pattern(1500)
	dst := make([]byte, 1500)
	p, err := New(frame)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	ops := map[string]func(){
		"New+Free":   func() { q, _ := New(frame); q.Free() },
		"Clone+Free": func() { q, _ := p.Clone(); q.Free() },
		"Copy+Free":  func() { q, _ := p.Copy(10, 700); q.Free() },
		"Dup+Free":   func() { q, _ := p.Dup(); q.Free() },
		"Split+Cat": func() {
			q, _ := p.Split(700)
			_ = p.Cat(&q)
		},
		"TrimFront+Prepend": func() { _ = p.TrimFront(14); _ = p.Prepend(frame[:14]) },
		"Header":            func() { _, _ = p.Header(34) },
		"ReadAt":            func() { _, _ = p.ReadAt(dst, 0) },
		"WriteAt":           func() { _, _ = p.WriteAt(frame[:20], 14) },
		"Append+Truncate":   func() { _ = p.Append(frame[:100]); _ = p.Truncate(1500) },
		"Checksum":          func() { _, _ = p.Checksum(14, 20) },
		"WriteTo":           func() { _, _ = p.WriteTo(io.Discard) },
		"All": func() {
			for b := range p.All() {
				_ = b
			}
		},
		"SetTag+DeleteTag": func() { _ = p.SetTag(TagVLAN, frame[:2]); p.DeleteTag(TagVLAN) },
	}
	for name, op := range ops {
		if n := testing.AllocsPerRun(1000, op); n != 0 {
			t.Errorf("%s: %v allocations per run", name, n)
		}
	}
	srv, cli := udpLoopback(t)
	if srv == nil {
		return
	}
	tx, rx := NewConn(cli), NewConn(srv)
	if n := testing.AllocsPerRun(1000, func() {
		if _, err := tx.WritePacket(&p); err != nil {
			t.Fatal(err)
		}
		q, err := rx.ReadPacket(2048)
		if err != nil {
			t.Fatal(err)
		}
		q.Free()
	}); n != 0 {
		t.Errorf("Conn write+read: %v allocations per run", n)
	}
}
