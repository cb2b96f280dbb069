package gobench

import (
	"os"
	"strconv"
	"testing"

	"github.com/libmbuf/libmbuf/mbuf"
	"gvisor.dev/gvisor/pkg/buffer"
)

// Instructions per operation, the noise-free second figure beside the
// timed table: instr.sh runs TestInstr under callgrind for one row and
// library at two counts and divides the difference. Each op is the body
// of its benchmark row, without the error checks.
var instrOps = map[string]func(n int){
	"CloneFree/mbuf": func(n int) {
		p, _ := mbuf.New(mtu)
		instrLoop(n, func() { c, _ := p.Clone(); c.Free() })
		p.Free()
	},
	"CloneFree/gvisor": func(n int) {
		v := buffer.MakeWithData(mtu)
		instrLoop(n, func() { c := v.Clone(); c.Release() })
		v.Release()
	},
	"AllocFree/mbuf":   func(n int) { instrLoop(n, func() { p, _ := mbuf.New(small); p.Free() }) },
	"AllocFree/gvisor": func(n int) { instrLoop(n, func() { v := buffer.MakeWithData(small); v.Release() }) },
	"Build1500/mbuf":   func(n int) { instrLoop(n, func() { p, _ := mbuf.New(mtu); p.Free() }) },
	"Build1500/gvisor": func(n int) { instrLoop(n, func() { v := buffer.MakeWithData(mtu); v.Release() }) },
	"CopyOut1500/mbuf": func(n int) {
		dst := make([]byte, 1500)
		p, _ := mbuf.New(mtu)
		instrLoop(n, func() { p.ReadAt(dst, 0) })
		p.Free()
	},
	"CopyOut1500/gvisor": func(n int) {
		dst := make([]byte, 1500)
		v := buffer.MakeWithData(mtu)
		instrLoop(n, func() { v.ReadAt(dst, 0) })
		v.Release()
	},
	"StripPrepend/mbuf": func(n int) {
		p, _ := mbuf.New(frame)
		instrLoop(n, func() { p.TrimFront(14); p.Prepend(ethHd) })
		p.Free()
	},
	"StripPrepend/gvisor": func(n int) {
		v := buffer.MakeWithData(frame)
		instrLoop(n, func() { v.TrimFront(14); v.Prepend(buffer.NewViewWithData(ethHd)) })
		v.Release()
	},
	"Forward/mbuf": func(n int) {
		tx := make([]byte, len(frame))
		instrLoop(n, func() {
			p, _ := mbuf.New(frame)
			p.TrimFront(14)
			ip, _ := p.Header(20)
			decTTL(ip)
			p.Prepend(ethHd)
			p.ReadAt(tx, 0)
			p.Free()
		})
	},
	"Forward/gvisor": func(n int) {
		tx := make([]byte, len(frame))
		instrLoop(n, func() {
			v := buffer.MakeWithData(frame)
			v.TrimFront(14)
			ip, _ := v.PullUp(0, 20)
			decTTL(ip.AsSlice())
			v.Prepend(buffer.NewViewWithData(ethHd))
			v.ReadAt(tx, 0)
			v.Release()
		})
	},
	"CopySplitFree/mbuf": func(n int) {
		p, _ := mbuf.New(mtu)
		instrLoop(n, func() { c, _ := p.Clone(); t, _ := c.Split(700); t.Free(); c.Free() })
		p.Free()
	},
	"CopySplitFree/gvisor": func(n int) {
		v := buffer.MakeWithData(mtu)
		instrLoop(n, func() {
			c := v.Clone()
			t := c.Clone()
			t.TrimFront(700)
			c.Truncate(700)
			t.Release()
			c.Release()
		})
		v.Release()
	},
}

// instrLoop runs op n times; instr.sh counts from here down.
//
//go:noinline
func instrLoop(n int, op func()) {
	for range n {
		op()
	}
}

// TestInstr runs the op INSTR_OP (row/library) INSTR_N times; without
// INSTR_OP (a plain go test) it does nothing.
func TestInstr(t *testing.T) {
	name := os.Getenv("INSTR_OP")
	if name == "" {
		t.Skip("INSTR_OP not set: run instr.sh")
	}
	if instrOps[name] == nil {
		t.Fatalf("no op %q", name)
	}
	n, _ := strconv.Atoi(os.Getenv("INSTR_N"))
	instrOps[name](n)
}
