package mbuf_test

import (
	"fmt"

	"github.com/libmbuf/libmbuf/mbuf"
)

// Build a packet, strip a header, put another in front, read it back.
func Example() {
	p, err := mbuf.New([]byte("ETHERNET-HDR|IP-HDR|payload"))
	if err != nil {
		panic(err)
	}
	defer p.Free()
	p.Adj(13)                  // strip the link header
	p.Prepend([]byte("VLAN|")) // in place: the first mbuf has room
	p.SetTag(mbuf.PACKET_TAG_VLAN, []byte{0, 42})
	vlan, _ := p.Tag(mbuf.PACKET_TAG_VLAN)
	fmt.Printf("%s %d bytes, vlan %d\n", p.Bytes(), p.Len(), vlan[1])
	// Output: VLAN|IP-HDR|payload 19 bytes, vlan 42
}

// Copy shares the clusters; writing into the original copies first.
func ExamplePacket_Copy() {
	p, _ := mbuf.New(make([]byte, 3000))
	defer p.Free()
	c, _ := p.Copy(0, -1)
	defer c.Free()
	fmt.Println(p)
	p.Copyback(0, []byte("new"))
	head, _ := c.Read(0, 3)
	fmt.Println(head, p.Segments()[0].Shared)
	// Output:
	// Packet(3000 bytes: 2048 EXT|PKTHDR|EXT_CLUSTER|EXT_RW shared -> 952 EXT|EXT_CLUSTER|EXT_RW shared)
	// [0 0 0] false
}

// A Go buffer as external storage: no copy, released when the last
// reference goes.
func ExampleAttach() {
	buf := []byte("zero-copy frame")
	p, _ := mbuf.Attach(buf, true, func() { fmt.Println("buffer released") })
	c, _ := p.Copy(5, 4)
	p.Free()
	fmt.Println(string(c.Bytes()))
	c.Free()
	// Output:
	// copy
	// buffer released
}

// Split and Cat are inverses.
func ExamplePacket_Split() {
	p, _ := mbuf.New([]byte("header|body"))
	tail, _ := p.Split(7)
	fmt.Printf("%q %q\n", p.Bytes(), tail.Bytes())
	p.Cat(tail)
	fmt.Printf("%q\n", p.Bytes())
	p.Free()
	// Output:
	// "header|" "body"
	// "header|body"
}
