package core

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// The per-P caches map memory for the Ps that use them, a chunk of
// pcacheChunk caches at a time: a small process pays little. They used to
// map all maxPCaches caches (3 MiB) when the pools were made, whatever
// GOMAXPROCS was.

// A chunk is mapped when one of its Ps first needs a cache, and holds
// exactly the caches of its Ps. Ps 1000-1003 (a chunk no P of this test
// runs on) stand for Ps that appear when GOMAXPROCS grows.
func TestCachesMapAChunkAtATime(t *testing.T) {
	p := newTestPools(t)
	pc := &p.pc
	const lo, hi = 1000, 1000 + pcacheChunk
	for i := lo; i < hi; i++ {
		if pc.at(i) != nil {
			t.Fatalf("P %d: its cache is mapped before the P used it", i)
		}
	}
	before := pc.mappedBytes()
	pc.mapChunk(lo + 1)
	for i := lo; i < hi; i++ {
		c := pc.at(i)
		if c == nil {
			t.Fatalf("P %d: no cache after its chunk was mapped", i)
		}
		if c.n != [2]int32{} || c.used != 0 {
			t.Fatalf("P %d: a new cache is not empty", i)
		}
	}
	if pc.at(lo-1) != nil || pc.at(hi) != nil {
		t.Fatal("mapping one chunk mapped its neighbours")
	}
	if got := pc.mappedBytes() - before; got != pcacheChunkBytes {
		t.Fatalf("one chunk mapped %d bytes, want %d", got, pcacheChunkBytes)
	}
	pc.mapChunk(lo + 2) // mapped already: no change
	pc.mapChunk(maxPCaches)
	if got := pc.mappedBytes() - before; got != pcacheChunkBytes {
		t.Fatalf("mapping a mapped chunk, or one past the last, mapped %d more bytes", got-pcacheChunkBytes)
	}
	// a cache mapped late is used like the others and flushed with them
	c := pc.at(lo + 1)
	c.used = 1
	c.n[kindMbuf] = int32(p.mbufs.take(c.slots[kindMbuf][:8]))
	if mb, _ := p.Outstanding(); mb < 8 {
		t.Fatalf("%d mbufs out, want the 8 parked on P %d", mb, lo+1)
	}
	p.FlushCaches()
	if mb, cl := p.Outstanding(); mb != 0 || cl != 0 || c.n[kindMbuf] != 0 {
		t.Fatalf("after a flush %d mbufs, %d clusters out, %d left on P %d", mb, cl, c.n[kindMbuf], lo+1)
	}
}

// In a process of its own with GOMAXPROCS=2: the caches work (slots stay
// parked after frees) and what holds them is a mapping of a chunk, not of
// maxPCaches caches. The mappings are read from /proc/self/maps.
func TestCachesMapLittleWithFewPs(t *testing.T) {
	if os.Getenv("LIBMBUF_PCACHE_CHILD") == "1" {
		cachesMapLittleChild(t)
		return
	}
	if os.Getenv("MBUF_TEST_EXEC") != "" {
		// Go under qemu-user dies waiting for a child (mk/ilp32-exec.sh)
		t.Skip("no child processes under qemu-user")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCachesMapLittleWithFewPs$", "-test.v")
	cmd.Env = append(os.Environ(), "LIBMBUF_PCACHE_CHILD=1", "GOMAXPROCS=2")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("child:\n%s", out)
}

func cachesMapLittleChild(t *testing.T) {
	if runtime.GOMAXPROCS(0) != 2 {
		t.Fatalf("GOMAXPROCS %d, want 2", runtime.GOMAXPROCS(0))
	}
	p := newTestPools(t)
	for range 3 { // the first call on a P maps its chunk and uses the depot
		var ms []*Mbuf
		for range 100 {
			ms = append(ms, p.GetCl(M_DONTWAIT, MT_DATA, M_PKTHDR))
		}
		for _, m := range ms {
			p.Freem(m)
		}
	}
	if mb, cl := p.Outstanding(); mb == 0 || cl == 0 {
		t.Fatalf("nothing parked in the caches after frees (%d mbufs, %d clusters out)", mb, cl)
	}
	if got, want := p.pc.mappedBytes(), pcacheChunkBytes; got > want {
		t.Errorf("%d bytes of caches mapped for 2 Ps, want at most %d", got, want)
	}
	// the mappings that hold the caches of the Ps there are
	vmas := map[string]uintptr{}
	for i := range runtime.GOMAXPROCS(0) {
		if c := p.pc.at(i); c != nil {
			r, size := mappingOf(t, uintptr(unsafe.Pointer(c)))
			vmas[r] = size
		}
	}
	var total uintptr
	for r, size := range vmas {
		t.Logf("caches in %s (%d KiB)", r, size>>10)
		total += size
	}
	if len(vmas) == 0 || total > 64<<10 {
		t.Fatalf("the caches of 2 Ps are in %d KiB of mappings (%d), want at most 64 KiB", total>>10, len(vmas))
	}
}

// mappingOf finds the mapping of /proc/self/maps that holds address a.
func mappingOf(t *testing.T, a uintptr) (string, uintptr) {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var lo, hi uintptr
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if _, err := fmt.Sscanf(fields[0], "%x-%x", &lo, &hi); err != nil {
			continue
		}
		if a >= lo && a < hi {
			return fields[0], hi - lo
		}
	}
	t.Fatalf("address %#x is in no mapping", a)
	return "", 0
}
