package mbuf

import (
	"strings"

	"github.com/libmbuf/libmbuf/core"
)

// Sizes of the NetBSD 2007 LP64 layout.
const (
	MbufSize       = core.MSIZE     // bytes in one mbuf
	MbufDataSize   = core.MLEN      // data room of a plain mbuf
	HeaderDataSize = core.MHLEN     // data room of an mbuf with a packet header
	ClusterSize    = core.MCLBYTES  // bytes in one cluster
	MinClusterSize = core.MINCLSIZE // smallest length worth a cluster
)

// Flags are an mbuf's m_flags.
type Flags int32

// The flags a Go caller sees on segments.
const (
	FlagExt     Flags = core.M_EXT         // external storage (cluster or attached buffer)
	FlagPktHdr  Flags = core.M_PKTHDR      // the mbuf carries the packet header
	FlagEOR     Flags = core.M_EOR         // end of record
	FlagBcast   Flags = core.M_BCAST       // sent or received as link-level broadcast
	FlagMcast   Flags = core.M_MCAST       // sent or received as link-level multicast
	FlagCluster Flags = core.M_EXT_CLUSTER // the external storage is a cluster
	FlagExtRW   Flags = core.M_EXT_RW      // the external storage may be written
)

var flagNames = []struct {
	bit  Flags
	name string
}{
	{core.M_EXT, "EXT"}, {core.M_PKTHDR, "PKTHDR"}, {core.M_EOR, "EOR"},
	{core.M_PROTO1, "PROTO1"}, {core.M_BCAST, "BCAST"}, {core.M_MCAST, "MCAST"},
	{core.M_EXT_CLUSTER, "EXT_CLUSTER"}, {core.M_EXT_RW, "EXT_RW"}, {core.M_EXT_ROMAP, "EXT_ROMAP"},
}

// String spells the flags as NetBSD's M_FLAGS_BITS does, e.g. "EXT|PKTHDR".
func (f Flags) String() string {
	var names []string
	for _, n := range flagNames {
		if f&n.bit != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, "|")
}

// Packet tag ids (the PACKET_TAG_ values of sys/mbuf.h).
const (
	TagVLAN  uint16 = 1 // 802.1Q VLAN id
	TagEncap uint16 = 2 // encapsulation data
	TagESP   uint16 = 3 // IPsec ESP
)

// The NetBSD spellings, for code ported from the kernel.
const (
	MSIZE     = MbufSize
	MLEN      = MbufDataSize
	MHLEN     = HeaderDataSize
	MCLBYTES  = ClusterSize
	MINCLSIZE = MinClusterSize

	M_EXT         = FlagExt
	M_PKTHDR      = FlagPktHdr
	M_EOR         = FlagEOR
	M_BCAST       = FlagBcast
	M_MCAST       = FlagMcast
	M_EXT_CLUSTER = FlagCluster
	M_EXT_RW      = FlagExtRW

	PACKET_TAG_VLAN  = TagVLAN
	PACKET_TAG_ENCAP = TagEncap
	PACKET_TAG_ESP   = TagESP
)

// FlagNames spells m_flags as NetBSD's M_FLAGS_BITS does (Flags.String).
func FlagNames(flags int32) string { return Flags(flags).String() }
