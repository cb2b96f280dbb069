package mbuf_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/libmbuf/libmbuf/mbuf"
)

// An Ethernet + IPv4 frame as a driver would receive it.
func frame() []byte {
	eth := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x00}
	ip := []byte{0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}
	c := mbuf.Checksum(ip)
	ip[10], ip[11] = byte(c>>8), byte(c)
	udp := []byte{0x30, 0x39, 0x00, 0x35, 0, 8, 0, 0}
	return append(append(eth, ip...), udp...)
}

// The forward path of a router: strip the link header, edit the IPv4
// header in place (TTL and checksum), tag the VLAN, put a new link header
// in front.
func Example_forward() {
	p, err := mbuf.New(frame())
	if err != nil {
		log.Fatal(err)
	}
	defer p.Free()
	if err := p.TrimFront(14); err != nil {
		log.Fatal(err)
	}
	ip, err := p.Header(20) // contiguous and writable, or an error with p intact
	if err != nil {
		log.Fatal(err)
	}
	old := uint16(ip[8])<<8 | uint16(ip[9])
	ip[8]-- // TTL
	sum := mbuf.ChecksumUpdate(uint16(ip[10])<<8|uint16(ip[11]), old, uint16(ip[8])<<8|uint16(ip[9]))
	ip[10], ip[11] = byte(sum>>8), byte(sum)
	if err := p.SetTag(mbuf.TagVLAN, []byte{0, 42}); err != nil {
		log.Fatal(err)
	}
	if err := p.Prepend([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 3, 0x08, 0x00}); err != nil {
		log.Fatal(err)
	}
	check, err := p.Checksum(14, 20)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Len(), "bytes, ttl", ip[8], "header checksum ok:", check == 0)
	// Output: 42 bytes, ttl 63 header checksum ok: true
}

// A tap copy shares the storage; writing into the original copies first,
// so the tap keeps what it saw.
func Example_tap() {
	p, err := mbuf.New(make([]byte, 3000))
	if err != nil {
		log.Fatal(err)
	}
	defer p.Free()
	tap, err := p.Clone()
	if err != nil {
		log.Fatal(err)
	}
	defer tap.Free()
	fmt.Println(&tap)
	if _, err := p.WriteAt([]byte("new"), 0); err != nil {
		log.Fatal(err)
	}
	head := make([]byte, 3)
	if _, err := tap.ReadAt(head, 0); err != nil {
		log.Fatal(err)
	}
	fmt.Println(head, p.Segments()[0].Shared)
	// Output:
	// Packet(3000 bytes: 2048 EXT|PKTHDR|EXT_CLUSTER|EXT_RW shared -> 952 EXT|EXT_CLUSTER|EXT_RW shared)
	// [0 0 0] false
}

// A Go buffer as external storage: no copy; released when the last
// packet referring to it is freed.
func ExampleAttach() {
	buf := []byte("zero-copy frame")
	p, err := mbuf.Attach(buf, true, func() { fmt.Println("buffer released") })
	if err != nil {
		log.Fatal(err)
	}
	c, err := p.Copy(5, 4)
	if err != nil {
		log.Fatal(err)
	}
	p.Free()
	fmt.Printf("%s\n", c.Bytes())
	c.Free()
	// Output:
	// copy
	// buffer released
}

// Errors wrap sentinels: match them with errors.Is. A failed operation
// leaves the packet as it was.
func Example_errors() {
	p, err := mbuf.New([]byte("short"))
	if err != nil {
		log.Fatal(err)
	}
	defer p.Free()
	_, err = p.Header(100)
	fmt.Println(errors.Is(err, mbuf.ErrRange), errors.Is(err, mbuf.ErrNoBufs))
	fmt.Println(err)
	var e *mbuf.Error
	if errors.As(err, &e) {
		fmt.Println(e.Func, p.Len())
	}
	// Output:
	// true false
	// mbuf: m_pullup: offset 0, length 100 outside a packet of 5 bytes
	// m_pullup 5
}

// Free is idempotent; a handle left behind by a move or by Cat is stale
// and says so instead of touching memory another packet may own.
func Example_freeing() {
	p, err := mbuf.New([]byte("payload"))
	if err != nil {
		log.Fatal(err)
	}
	q, err := mbuf.New([]byte(" more"))
	if err != nil {
		log.Fatal(err)
	}
	if err := p.Cat(&q); err != nil { // q's mbufs now belong to p; q is empty
		log.Fatal(err)
	}
	fmt.Printf("%q %d\n", p.Bytes(), q.Len())
	owner := p.Take() // ownership moves; p is empty
	p.Free()          // nothing to free
	owner.Free()
	owner.Free() // idempotent
	fmt.Println(owner.Len(), owner.Valid())
	// Output:
	// "payload more" 0
	// 0 false
}

// The example of the README (readme_test.go checks that the README shows
// exactly this body).
func Example_readme() {
	p, err := mbuf.New(frame()) // a copy, in a header mbuf and clusters
	if err != nil {
		log.Fatal(err) // errors.Is(err, mbuf.ErrNoBufs): the pools are exhausted
	}
	defer p.Free() // off-heap memory: Free frees it, not the GC

	if err := p.TrimFront(14); err != nil { // strip the link header
		log.Fatal(err)
	}
	ip, err := p.Header(20) // contiguous and writable, or an error and p unchanged
	if err != nil {
		log.Fatal(err)
	}
	ip[8]--               // TTL, edited in place
	ip[10], ip[11] = 0, 0 // and the header checksum
	sum := mbuf.Checksum(ip)
	ip[10], ip[11] = byte(sum>>8), byte(sum)
	tap, err := p.Clone() // shares the storage; a write to either copies first
	if err != nil {
		log.Fatal(err)
	}
	defer tap.Free()
	if err := p.Prepend([]byte("NEW-LINK-HDR\x08\x00")); err != nil { // in place
		log.Fatal(err)
	}
	fmt.Println(&p, tap.Len())
	// Output: Packet(42 bytes: 42 PKTHDR) 28
}
