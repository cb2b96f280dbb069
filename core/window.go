package core

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync/atomic"
	"syscall"
)

// Address space for the arenas. Each arena lives in windows: address
// ranges only it will use, so that a slot never moves and a pointer check
// is a range check. Memory is mapped into a window a chunk at a time, as
// the pools grow. A window is had one of two ways:
//
//   - reserved: the whole window is mapped PROT_NONE up front and chunks
//     are made accessible in place (mprotect). Nothing else can land in
//     it. Used when the address space is unlimited (RLIMIT_AS infinite),
//     where a reservation costs nothing but numbers in ps.
//   - claimed: under an RLIMIT_AS every mapped byte counts, reserved or
//     not, so the windows are only chosen: in the middle of the largest
//     unmapped gap of the process (/proc/self/maps), and chunks are mapped
//     into them as needed with MAP_FIXED_NOREPLACE, which never replaces a
//     mapping, as long as they leave some headroom below the limit. The kernel places other mappings top-down in the highest
//     gap that fits, far from the middle of a gap of terabytes; if
//     something does take the next chunk's addresses, or the limit is
//     reached, the arena stops growing there and allocations fail cleanly
//     (NULL and a rate-limited warning), never the process.
//
// Either way the library's address space grows with use: under a limit,
// a program that keeps a few hundred packets maps a few MiB.

// window is an address range an arena grows into.
type window struct {
	base, size uintptr
	reserved   bool // mapped PROT_NONE up front (else claimed)
}

const rw = syscall.PROT_READ | syscall.PROT_WRITE

// commit makes [off, off+n) of the window readable and writable.
func (w window) commit(off, n uintptr) error {
	if off+n > w.size {
		return errors.New("past the end of its window")
	}
	if w.reserved {
		return mprotect(w.base+off, n, rw)
	}
	if err := checkHeadroom(n); err != nil {
		return err
	}
	return mmapFixed(w.base+off, n)
}

// headroom is the address space the arenas leave free below an RLIMIT_AS,
// for the Go runtime (which dies if it cannot map its own memory: a new
// heap arena takes 64 MiB at once) and the host program's malloc, so that
// when mbufs use up the space, allocations fail, not the process. It is
// sized to the limit when the windows are claimed: half of what was free
// then, between 8 and 64 MiB.
var headroom atomic.Uint64

const minHeadroom, maxHeadroom = 8 << 20, 64 << 20

func setHeadroom() {
	h := uint64(maxHeadroom)
	if limit := asLimit(); limit != 0 {
		if vm, ok := vmSize(); ok && vm < limit {
			h = min(max((limit-vm)/2, minHeadroom), maxHeadroom)
		}
	}
	headroom.Store(h)
}

// checkHeadroom fails if mapping n more bytes would leave less than the
// headroom below the RLIMIT_AS (none: no check).
func checkHeadroom(n uintptr) error {
	limit := asLimit()
	if limit == 0 {
		return nil
	}
	h := headroom.Load()
	if vm, ok := vmSize(); ok && vm+uint64(n)+h > limit {
		return fmt.Errorf("that would leave less than %d MiB of address space", h>>20)
	}
	return nil
}

// vmSize is the process's mapped address space (VmSize), in bytes.
func vmSize() (uint64, bool) {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f, _, _ := bytes.Cut(data, []byte(" "))
	pages, err := strconv.ParseUint(string(f), 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * uint64(os.Getpagesize()), true
}

// uncommit undoes commit (a chunk whose state bytes could not be mapped).
func (w window) uncommit(off, n uintptr) {
	if w.reserved {
		mprotect(w.base+off, n, syscall.PROT_NONE)
		return
	}
	munmap(w.base+off, n)
}

// windowMode says how windows are had.
type windowMode int

const (
	windowsAuto     windowMode = iota // reserved without an RLIMIT_AS, else claimed
	windowsReserved                   // tests
	windowsClaimed                    // tests
	windowsNone                       // tests: as if the address space had no room
)

const windowAlign = 2 << 20 // huge-page friendly, and a multiple of every slot size

// asLimit returns the soft RLIMIT_AS, or 0 when there is none.
func asLimit() uint64 {
	var r syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_AS, &r) != nil || r.Cur == ^uint64(0) {
		return 0
	}
	return r.Cur
}

// limitNote explains an address space failure under a limit.
func limitNote() string {
	if l := asLimit(); l != 0 {
		return fmt.Sprintf(" (RLIMIT_AS is %d MiB)", l>>20)
	}
	return ""
}

// getWindows returns windows of the given sizes (possibly smaller when the
// address space cannot hold them: each at least windowAlign).
func getWindows(mode windowMode, sizes []uintptr) ([]window, error) {
	if mode == windowsAuto {
		mode = windowsReserved
		if asLimit() != 0 {
			mode = windowsClaimed
		}
	}
	if mode == windowsNone {
		return nil, errors.New("no address space (test)")
	}
	if mode == windowsReserved {
		if ws, err := reserveWindows(sizes); err == nil {
			return ws, nil
		}
		// e.g. a strict overcommit policy: claim instead
	}
	setHeadroom()
	return claimWindows(sizes)
}

func reserveWindows(sizes []uintptr) ([]window, error) {
	var ws []window
	for _, size := range sizes {
		size = roundUp(size, windowAlign)
		base, err := mmapAnywhere(size, syscall.PROT_NONE, syscall.MAP_NORESERVE)
		if err != nil {
			for _, w := range ws {
				munmap(w.base, w.size)
			}
			return nil, err
		}
		ws = append(ws, window{base: base, size: size, reserved: true})
	}
	return ws, nil
}

// claimWindows lays the windows out one after the other in the middle of
// the largest gap, shrunk in proportion if the gap is less than twice
// their total.
func claimWindows(sizes []uintptr) ([]window, error) {
	var total uintptr
	for i := range sizes {
		sizes[i] = roundUp(sizes[i], windowAlign)
		total += sizes[i]
	}
	lo, hi, err := largestGap()
	if err != nil {
		return nil, fmt.Errorf("no room for the arenas: %w", err)
	}
	gap := hi - lo
	if gap/2 < total {
		// a small address space (ILP32): in proportion, half the gap
		scale := float64(gap/2) / float64(total)
		total = 0
		for i := range sizes {
			sizes[i] = max(windowAlign, uintptr(float64(sizes[i])*scale)&^(windowAlign-1))
			total += sizes[i]
		}
		if total+windowAlign > gap {
			return nil, fmt.Errorf("no room for the arenas: the largest free gap is %d bytes", gap)
		}
	}
	base := roundUp(lo+(gap-total)/2, windowAlign)
	ws := make([]window, len(sizes))
	for i, size := range sizes {
		ws[i] = window{base: base, size: size}
		base += size
	}
	return ws, nil
}

// largestGap finds the largest unmapped range between two mappings of
// this process (not above the last ordinary mapping: the stack, or the
// vsyscall page beyond the user address space).
func largestGap() (lo, hi uintptr, err error) {
	data, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, 0, err
	}
	type span struct{ lo, hi uintptr }
	var maps []span
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.Contains(line, []byte("[vsyscall]")) {
			continue
		}
		r, _, _ := bytes.Cut(line, []byte(" "))
		a, b, ok := bytes.Cut(r, []byte("-"))
		if !ok {
			continue
		}
		x, err1 := strconv.ParseUint(string(a), 16, 64)
		y, err2 := strconv.ParseUint(string(b), 16, 64)
		if err1 != nil || err2 != nil || uint64(uintptr(y)) != y {
			continue
		}
		maps = append(maps, span{uintptr(x), uintptr(y)})
	}
	sort.Slice(maps, func(i, j int) bool { return maps[i].lo < maps[j].lo })
	for i := 1; i < len(maps); i++ {
		if g := maps[i].lo - maps[i-1].hi; maps[i].lo > maps[i-1].hi && g > hi-lo {
			lo, hi = maps[i-1].hi, maps[i].lo
		}
	}
	if hi == lo {
		return 0, 0, errors.New("no gap found in /proc/self/maps")
	}
	return lo, hi, nil
}

func roundUp(n, align uintptr) uintptr { return (n + align - 1) &^ (align - 1) }

// mmapFixed maps anonymous read-write memory at exactly addr, or fails if
// anything is mapped there (MAP_FIXED_NOREPLACE; a kernel older than 4.17
// takes the flag as a hint, so the address is checked too).
func mmapFixed(addr, n uintptr) error {
	got, err := mmapRaw(addr, n, rw, syscall.MAP_PRIVATE|syscall.MAP_ANON|mapFixedNoreplace)
	if err != nil {
		return err
	}
	if got != addr {
		munmap(got, n)
		return syscall.EEXIST
	}
	return nil
}

func mmapAnywhere(n uintptr, prot, flags int) (uintptr, error) {
	return mmapRaw(0, n, prot, syscall.MAP_PRIVATE|syscall.MAP_ANON|flags)
}

const mapFixedNoreplace = 0x100000 // MAP_FIXED_NOREPLACE (Linux 4.17)

func mprotect(addr, n uintptr, prot int) error {
	if _, _, e := syscall.Syscall(syscall.SYS_MPROTECT, addr, n, uintptr(prot)); e != 0 {
		return e
	}
	return nil
}

func munmap(addr, n uintptr) {
	syscall.Syscall(syscall.SYS_MUNMAP, addr, n, 0)
}
