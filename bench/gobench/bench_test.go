package gobench

import (
	"sync"
	"syscall"
	"testing"

	"github.com/libmbuf/libmbuf/mbuf"
	"gvisor.dev/gvisor/pkg/buffer"
)

// Each benchmark has a sub-benchmark per library, doing the same work:
// BenchmarkX/mbuf and BenchmarkX/gvisor. bench/report.sh prints the
// mbuf/gvisor ratio of each pair. Errors are checked as a program would.

var (
	small = pattern(64)
	mtu   = pattern(1500)
	frame = ipv4Frame(1500)
	ethHd = []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 3, 0x08, 0x00}
)

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// ipv4Frame is an Ethernet frame of n bytes carrying an IPv4 header with
// a valid checksum.
func ipv4Frame(n int) []byte {
	f := pattern(n)
	copy(f, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x00})
	ip := f[14:34]
	copy(ip, []byte{0x45, 0, byte((n - 14) >> 8), byte(n - 14), 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2})
	c := mbuf.Checksum(ip)
	ip[10], ip[11] = byte(c>>8), byte(c)
	return f
}

func must(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

// decTTL is the IPv4 hop: TTL minus one, checksum updated (RFC 1624).
func decTTL(ip []byte) {
	old := uint16(ip[8])<<8 | uint16(ip[9])
	ip[8]--
	sum := mbuf.ChecksumUpdate(uint16(ip[10])<<8|uint16(ip[11]), old, uint16(ip[8])<<8|uint16(ip[9]))
	ip[10], ip[11] = byte(sum>>8), byte(sum)
}

// ---- make a packet and free it ---------------------------------------------

func mbufNewFree(b *testing.B, data []byte) {
	p, err := mbuf.New(data)
	must(b, err)
	p.Free()
}

func gvisorNewFree(data []byte) {
	v := buffer.MakeWithData(data)
	v.Release()
}

func BenchmarkAllocFree(b *testing.B) {
	b.Run("mbuf", func(b *testing.B) { parallel(b, 1, func() { mbufNewFree(b, small) }) })
	b.Run("gvisor", func(b *testing.B) { parallel(b, 1, func() { gvisorNewFree(small) }) })
}

// parallel runs op b.N times in each of g goroutines: ns/op is then the
// wall time of one operation to each goroutine while g run at once, and
// cpu-ns/op the processor time the process spent per operation (which a
// busy machine does not inflate: what sharing a cache line or a lock
// costs shows there, waiting for a processor does not). Perfect scaling
// keeps cpu-ns/op at its single-goroutine value.
func parallel(b *testing.B, g int, op func()) {
	b.ReportAllocs()
	var wg sync.WaitGroup
	b.ResetTimer()
	cpu0 := cpuTime()
	for range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < b.N; i++ {
				op()
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(g*b.N), "cpu-ns/op")
}

// withCPU reports cpu-ns/op, the processor time per operation (see
// parallel), for a benchmark body that runs b.Loop.
func withCPU(b *testing.B, body func()) {
	cpu0 := cpuTime()
	body()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the processor time of the process so far, in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func BenchmarkAllocFree2Goroutines(b *testing.B) {
	b.Run("mbuf", func(b *testing.B) { parallel(b, 2, func() { mbufNewFree(b, small) }) })
	b.Run("gvisor", func(b *testing.B) { parallel(b, 2, func() { gvisorNewFree(small) }) })
}

func BenchmarkBuild1500(b *testing.B) {
	b.Run("mbuf", func(b *testing.B) {
		b.ReportAllocs()
		withCPU(b, func() {
			for b.Loop() {
				mbufNewFree(b, mtu)
			}
		})
	})
	b.Run("gvisor", func(b *testing.B) {
		b.ReportAllocs()
		withCPU(b, func() {
			for b.Loop() {
				gvisorNewFree(mtu)
			}
		})
	})
}

// ---- read a packet out -----------------------------------------------------

func BenchmarkCopyOut1500(b *testing.B) {
	dst := make([]byte, 1500)
	b.Run("mbuf", func(b *testing.B) {
		p, err := mbuf.New(mtu)
		must(b, err)
		defer p.Free()
		b.ReportAllocs()
		withCPU(b, func() {
			for b.Loop() {
				_, err := p.ReadAt(dst, 0)
				must(b, err)
			}
		})
	})
	b.Run("gvisor", func(b *testing.B) {
		v := buffer.MakeWithData(mtu)
		defer v.Release()
		b.ReportAllocs()
		withCPU(b, func() {
			for b.Loop() {
				if _, err := v.ReadAt(dst, 0); err != nil && v.Size() != 1500 {
					b.Fatal(err)
				}
			}
		})
	})
}

// ---- copies sharing storage ------------------------------------------------------

func BenchmarkCloneFree(b *testing.B) {
	b.Run("mbuf", func(b *testing.B) {
		p, err := mbuf.New(mtu)
		must(b, err)
		defer p.Free()
		b.ReportAllocs()
		withCPU(b, func() {
			for b.Loop() {
				c, err := p.Clone()
				must(b, err)
				c.Free()
			}
		})
	})
	b.Run("gvisor", func(b *testing.B) {
		v := buffer.MakeWithData(mtu)
		defer v.Release()
		b.ReportAllocs()
		withCPU(b, func() {
			for b.Loop() {
				c := v.Clone()
				c.Release()
			}
		})
	})
}

// A clone cut in two (gVisor has no split: a second clone trimmed at the
// front, the first truncated), both parts freed.
func BenchmarkCopySplitFree(b *testing.B) {
	b.Run("mbuf", func(b *testing.B) {
		p, err := mbuf.New(mtu)
		must(b, err)
		defer p.Free()
		b.ReportAllocs()
		withCPU(b, func() {
			for b.Loop() {
				c, err := p.Clone()
				must(b, err)
				t, err := c.Split(700)
				must(b, err)
				t.Free()
				c.Free()
			}
		})
	})
	b.Run("gvisor", func(b *testing.B) {
		v := buffer.MakeWithData(mtu)
		defer v.Release()
		b.ReportAllocs()
		withCPU(b, func() {
			for b.Loop() {
				c := v.Clone()
				t := c.Clone()
				t.TrimFront(700)
				c.Truncate(700)
				t.Release()
				c.Release()
			}
		})
	})
}

// ---- headers -----------------------------------------------------------------

// The forward path of a router: a frame arrives (copied into a packet),
// the link header goes, the IPv4 header is edited in place (TTL and
// checksum), a new link header goes in front, the frame is copied out to
// the transmit ring, and the packet is freed.
func BenchmarkForward(b *testing.B) {
	tx := make([]byte, len(frame))
	b.Run("mbuf", func(b *testing.B) {
		b.ReportAllocs()
		withCPU(b, func() {
			for b.Loop() {
				p, err := mbuf.New(frame)
				must(b, err)
				must(b, p.TrimFront(14))
				ip, err := p.Header(20)
				must(b, err)
				decTTL(ip)
				must(b, p.Prepend(ethHd))
				_, err = p.ReadAt(tx, 0)
				must(b, err)
				p.Free()
			}
		})
	})
	b.Run("gvisor", func(b *testing.B) {
		b.ReportAllocs()
		withCPU(b, func() {
			for b.Loop() {
				v := buffer.MakeWithData(frame)
				v.TrimFront(14)
				ip, ok := v.PullUp(0, 20)
				if !ok {
					b.Fatal("PullUp")
				}
				decTTL(ip.AsSlice())
				must(b, v.Prepend(buffer.NewViewWithData(ethHd)))
				if _, err := v.ReadAt(tx, 0); err != nil && v.Size() != int64(len(tx)) {
					b.Fatal(err)
				}
				v.Release()
			}
		})
	})
}

// A link header stripped and another put in its place, on a packet that
// stays.
func BenchmarkStripPrepend(b *testing.B) {
	b.Run("mbuf", func(b *testing.B) {
		p, err := mbuf.New(frame)
		must(b, err)
		defer p.Free()
		b.ReportAllocs()
		withCPU(b, func() {
			for b.Loop() {
				must(b, p.TrimFront(14))
				must(b, p.Prepend(ethHd))
			}
		})
	})
	b.Run("gvisor", func(b *testing.B) {
		v := buffer.MakeWithData(frame)
		defer v.Release()
		b.ReportAllocs()
		withCPU(b, func() {
			for b.Loop() {
				v.TrimFront(14)
				must(b, v.Prepend(buffer.NewViewWithData(ethHd)))
			}
		})
	})
}

// The Internet checksum of a 1500-byte packet.
func BenchmarkChecksum1500(b *testing.B) {
	b.Run("mbuf", func(b *testing.B) {
		p, err := mbuf.New(mtu)
		must(b, err)
		defer p.Free()
		b.ReportAllocs()
		withCPU(b, func() {
			for b.Loop() {
				_, err := p.Checksum(0, 1500)
				must(b, err)
			}
		})
	})
	b.Run("gvisor", func(b *testing.B) {
		v := buffer.MakeWithData(mtu)
		defer v.Release()
		b.ReportAllocs()
		withCPU(b, func() {
			for b.Loop() {
				_ = v.Checksum(0)
			}
		})
	})
}
