package mbuf

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libmbuf/libmbuf/core"
)

// Regressions of the lifetime defects of issue 13 (each failed on the
// code before handles had generations): a copied handle read freed
// memory (Len 100, or -559038737 under MBUF_DEBUG=1) and its Free
// panicked; a dropped packet stayed allocated with no report.

func TestRegressCopiedHandleAfterFree(t *testing.T) {
	p, err := New(make([]byte, 100))
	if err != nil {
		t.Fatal(err)
	}
	q := dupHandle(&p)
	p.Free()
	if n := q.Len(); n != 0 {
		t.Errorf("copied handle after Free: Len %d, want 0", n)
	}
	if _, err := q.ReadAt(make([]byte, 1), 0); !errors.Is(err, ErrFreed) {
		t.Errorf("copied handle after Free: ReadAt gave %v, want ErrFreed", err)
	}
	// the slot is reused by the next packet: the stale copy must not see it
	r, err := New([]byte("another packet"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Free()
	if r.m == q.m && (q.Valid() || q.Len() != 0) {
		t.Errorf("stale copy sees the packet that reused its mbuf")
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("Free of the copied handle panicked: %v", r)
			}
		}()
		q.Free()
		q.Free()
	}()
	if string(r.Bytes()) != "another packet" {
		t.Errorf("Free of a stale copy damaged the packet that reused the mbuf")
	}
}

// Every method of a stale handle says ErrFreed (or returns nothing) and
// none panics.
func TestStaleHandleEverywhere(t *testing.T) {
	p, err := New(pattern(3000))
	if err != nil {
		t.Fatal(err)
	}
	q := dupHandle(&p)
	if err := p.Prepend(pattern(ClusterSize + 1)); err != nil { // a new first mbuf: q is stale
		t.Fatal(err)
	}
	defer p.Free()
	other, _ := New([]byte("x"))
	defer other.Free()
	stale := []struct {
		name string
		err  error
	}{
		{"Append", q.Append([]byte("x"))},
		{"Prepend", q.Prepend([]byte("x"))},
		{"TrimFront", q.TrimFront(1)},
		{"Truncate", q.Truncate(1)},
		{"Adj", q.Adj(1)},
		{"Pullup", q.Pullup(1)},
		{"SetTag", q.SetTag(1, nil)},
		{"Copyback", q.Copyback(0, []byte("x"))},
		{"Cat", q.Cat(&other)},
		{"Cat (as the appended one)", other.Cat(&q)},
	}
	for _, s := range stale {
		if !errors.Is(s.err, ErrFreed) {
			t.Errorf("%s on a stale handle: %v", s.name, s.err)
		}
	}
	for name, f := range map[string]func() error{
		"Header":   func() error { _, err := q.Header(1); return err },
		"Pulldown": func() error { _, err := q.Pulldown(0, 1); return err },
		"Clone":    func() error { _, err := q.Clone(); return err },
		"Copy":     func() error { _, err := q.Copy(0, 1); return err },
		"Dup":      func() error { _, err := q.Dup(); return err },
		"Split":    func() error { _, err := q.Split(1); return err },
		"ReadAt":   func() error { _, err := q.ReadAt(make([]byte, 1), 0); return err },
		"WriteAt":  func() error { _, err := q.WriteAt([]byte("x"), 0); return err },
		"WriteTo":  func() error { _, err := q.WriteTo(&bytes.Buffer{}); return err },
		"ReadFrom": func() error { _, err := q.ReadFrom(strings.NewReader("x")); return err },
		"Checksum": func() error { _, err := q.Checksum(0, 1); return err },
		"Detach":   func() error { _, err := q.Detach(); return err },
	} {
		if err := f(); !errors.Is(err, ErrFreed) {
			t.Errorf("%s on a stale handle: %v", name, err)
		}
	}
	if q.Len() != 0 || q.Bytes() != nil || q.Valid() || q.Tags() != nil || q.Segments() != nil ||
		q.DeleteTag(1) || q.String() != "Packet(stale handle)" {
		t.Error("a reading method of a stale handle returned data")
	}
	if _, ok := q.Tag(1); ok {
		t.Error("Tag on a stale handle")
	}
	for range q.All() {
		t.Error("All on a stale handle yielded")
	}
	q.Free()
	if other.Len() != 1 || p.Len() != 3000+ClusterSize+1 {
		t.Error("operations on a stale handle changed live packets")
	}
}

// Two goroutines freeing two copies of one handle at once: exactly one
// frees, the pools stay consistent (run with -race too).
func TestConcurrentFreeOfCopies(t *testing.T) {
	before := liveCounts()
	for i := 0; i < 2000; i++ {
		p, err := New(pattern(100 + i%3000))
		if err != nil {
			t.Fatal(err)
		}
		q := dupHandle(&p)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); p.Free() }()
		go func() { defer wg.Done(); q.Free() }()
		wg.Wait()
	}
	if after := liveCounts(); after != before {
		t.Fatalf("live counts %v, before %v", after, before)
	}
}

// A packet dropped without Free is reported (with the call that made it)
// and freed when the garbage collector finds it; an attached buffer is
// released then.
func TestRegressDroppedPacketIsReportedAndFreed(t *testing.T) {
	WatchAll(true)
	defer WatchAll(false)
	var mu sync.Mutex
	var reports []string
	defer func(old func(string)) { leakOutput = old }(leakOutput)
	leakOutput = func(msg string) { mu.Lock(); reports = append(reports, msg); mu.Unlock() }

	before := liveCounts()
	released := make(chan struct{})
	dropPackets(t, released)
	deadline := time.Now().Add(10 * time.Second)
	for liveCounts() != before && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	if after := liveCounts(); after != before {
		t.Fatalf("dropped packets stay allocated: %v, before %v", after, before)
	}
	select {
	case <-released:
	case <-time.After(5 * time.Second):
		t.Fatal("the attached buffer of a dropped packet was not released")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 3 {
		t.Fatalf("%d reports, want 3: %q", len(reports), reports)
	}
	for _, r := range reports {
		if !strings.Contains(r, "dropped without Free") || !strings.Contains(r, "dropPackets") {
			t.Errorf("report does not name the leak and its maker: %q", r)
		}
	}
}

//go:noinline
func dropPackets(t *testing.T, released chan struct{}) {
	p, err := New(pattern(100))
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Clone() // shares p's storage; dropped too
	if err != nil {
		t.Fatal(err)
	}
	a, err := Attach(make([]byte, 64), true, func() { close(released) })
	if err != nil {
		t.Fatal(err)
	}
	_, _, _ = p.Len(), c.Len(), a.Len()
}

// A freed packet, or one handed on with Take, Cat or Detach, is never
// reported: only dropped owners are.
func TestNoReportForHandedOnPackets(t *testing.T) {
	WatchAll(true)
	defer WatchAll(false)
	var reports []string
	var mu sync.Mutex
	defer func(old func(string)) { leakOutput = old }(leakOutput)
	leakOutput = func(msg string) { mu.Lock(); reports = append(reports, msg); mu.Unlock() }
	var keep Packet
	func() {
		p, _ := New(pattern(10))
		p.Free()
		q, _ := New(pattern(10))
		r, _ := New(pattern(10))
		if err := q.Cat(&r); err != nil {
			t.Error(err)
		}
		keep = q.Take()
	}()
	for i := 0; i < 5; i++ {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	keep.Free()
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 0 {
		t.Fatalf("reports for packets that were not leaked: %q", reports)
	}
}

// LeakReport names what is still allocated, by the call that made it.
func TestLeakReport(t *testing.T) {
	WatchAll(true)
	defer WatchAll(false)
	p, err := New(pattern(3000))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	n := LeakReport(&out)
	if n < 3 || !strings.Contains(out.String(), "TestLeakReport") || !strings.Contains(out.String(), "leak report") {
		t.Errorf("LeakReport = %d:\n%s", n, out.String())
	}
	p.Free()
}

// Under MBUF_DEBUG=1 (a child process: the mode is chosen when the pools
// are made), freed memory is quarantined, so a write through a slice kept
// past Free does not reach the next packet, and LeakReport names it.
func TestRegressSliceAfterFreeUnderDebug(t *testing.T) {
	if os.Getenv("MBUF_TEST_CHILD") == "slice-after-free" {
		sliceAfterFreeChild()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRegressSliceAfterFreeUnderDebug$", "-test.v")
	cmd.Env = append(os.Environ(), "MBUF_TEST_CHILD=slice-after-free", "MBUF_DEBUG=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, want := range []string{"next packet intact", "write after free", "was modified after it was freed"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("child output lacks %q:\n%s", want, out)
		}
	}
}

func sliceAfterFreeChild() {
	p, err := New(make([]byte, 100))
	if err != nil {
		panic(err)
	}
	hdr, err := p.Header(20)
	if err != nil {
		panic(err)
	}
	p.Free()
	q, err := New(make([]byte, 100))
	if err != nil {
		panic(err)
	}
	hdr[0] = 0xee // the misuse: a slice kept past Free
	if b := q.Bytes(); b[0] == 0 {
		os.Stdout.WriteString("next packet intact\n")
	}
	q.Free()
	LeakReport(os.Stdout)
}

// MBUF_LEAK_REPORT=1 works in a pure-Go program: with LeakCheck deferred
// in main, a leak is listed (with the call that made the packet) and
// the exit status is 97; with nothing left it is 0.
func TestLeakCheckExitStatus(t *testing.T) {
	switch os.Getenv("MBUF_TEST_CHILD") {
	case "leak":
		defer LeakCheck()
		p, _ := New(make([]byte, 100))
		keepAlive = p.Take() // still reachable: a leak GC cannot free
		return
	case "noleak":
		defer LeakCheck()
		p, _ := New(make([]byte, 100))
		p.Free()
		return
	}
	for _, c := range []struct {
		child  string
		status int
		want   string
	}{{"leak", 97, "TestLeakCheckExitStatus"}, {"noleak", 0, ""}} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLeakCheckExitStatus$")
		cmd.Env = append(os.Environ(), "MBUF_TEST_CHILD="+c.child, "MBUF_LEAK_REPORT=1")
		out, err := cmd.CombinedOutput()
		status := 0
		if ee, ok := err.(*exec.ExitError); ok {
			status = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if status != c.status || !bytes.Contains(out, []byte(c.want)) {
			t.Errorf("%s: exit status %d, want %d; output:\n%s", c.child, status, c.status, out)
		}
	}
}

var keepAlive Packet

// C code sharing the pool may corrupt a chain (a wild m_next): no method
// panics or follows the bad pointer; the ones with an error say
// ErrInvalid.
func TestCorruptChainNeverPanics(t *testing.T) {
	p, err := New(pattern(3000))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetTag(TagVLAN, []byte{1}); err != nil {
		t.Fatal(err)
	}
	second := p.m.Next
	gone, _ := New(nil)
	freedSlot := core.Addr(gone.m)
	gone.Free()
	for _, bad := range []uintptr{0x1000, core.Addr(p.m) + 8, freedSlot} {
		p.m.Next = core.MbufAt(bad)
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("next %#x: panic %v", bad, r)
				}
			}()
			var errs []error
			_, err := p.ReadAt(make([]byte, 3000), 0)
			errs = append(errs, err)
			_, err = p.Checksum(0, 3000)
			errs = append(errs, err)
			_, err = p.Clone()
			errs = append(errs, err)
			_, err = p.Dup()
			errs = append(errs, err)
			_, err = p.Copy(10, 2900)
			errs = append(errs, err)
			errs = append(errs, p.Append([]byte("x")))
			for i, err := range errs {
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("next %#x: operation %d: %v", bad, i, err)
				}
			}
			for range p.All() {
			}
			_ = p.Segments()
			_ = p.String()
			_, _ = p.WriteTo(io.Discard)
			_ = p.Tags()
		}()
	}
	p.m.Next = second
	if err := p.Truncate(2999); err != nil {
		t.Fatal(err)
	}
	p.Free()
}

// C code sharing the pool may also corrupt an mbuf's own fields (m_data
// outside its buffer, a negative or too long m_len) or loop a chain: the
// methods that read or send the bytes check each mbuf as the core does
// and never read outside a buffer or walk forever (the errors say
// ErrInvalid; methods without an error stop or return nothing).
func TestCorruptMbufFieldsAreCheckedByEveryWalk(t *testing.T) {
	_, cli := udpLoopback(t)
	if cli == nil {
		t.Skip("no UDP loopback")
	}
	udp := NewConn(cli)

	p, err := New(pattern(2048)) // a full cluster, so Cat keeps the tail's mbuf
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	tail, err := New(pattern(20))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Cat(&tail); err != nil {
		t.Fatal(err)
	}
	m := p.m
	second := m.Next
	if second == nil || second.Len != 20 {
		t.Fatalf("want a chain of 2048 + 20 bytes, got %v", p.String())
	}
	data, length := second.Data, second.Len
	corruptions := []struct {
		name      string
		set       func()
		rangeOnly bool // past the bytes ReadAt uses, which m_copydata does not check
	}{
		{"m_data past the buffer", func() { second.Data += 4096 }, false},
		{"m_data before the buffer", func() { second.Data -= 512 }, false},
		{"m_len past the buffer", func() { second.Len = 4000 }, false},
		{"negative m_len", func() { second.Len = -8 }, false},
		{"a loop", func() { second.Next = m }, true},
	}
	for _, c := range corruptions {
		t.Run(c.name, func(t *testing.T) {
			c.set()
			defer func() { second.Data, second.Len, second.Next = data, length, nil }()
			got := make([]byte, 2068)
			_, err := p.ReadAt(got, 0)
			if c.rangeOnly && err == nil {
				if want := append(pattern(2048), pattern(20)...); !bytes.Equal(got, want) {
					t.Errorf("ReadAt read the wrong bytes")
				}
			} else if !errors.Is(err, ErrInvalid) {
				t.Errorf("ReadAt: %v, want ErrInvalid", err)
			}
			if _, err := p.Checksum(0, 2068); !errors.Is(err, ErrInvalid) {
				t.Errorf("Checksum: %v, want ErrInvalid", err)
			}
			if _, err := udp.WritePacket(&p); !errors.Is(err, ErrInvalid) {
				t.Errorf("WritePacket: %v, want ErrInvalid", err)
			}
			yields := 0
			for b := range p.All() {
				if yields++; len(b) != 2048 || yields > 2 {
					t.Errorf("All yielded %d bytes of a corrupt chain", len(b))
					break
				}
			}
			if s := p.Segments(); s != nil {
				t.Errorf("Segments of a corrupt chain: %d segments", len(s))
			}
			_ = p.String()
		})
	}
}
