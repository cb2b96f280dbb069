package core

import (
	"math/bits"
	"os"
)

// What the C side of libmbuf (capi/mbufc) shares with the core. The C
// fast path reads the core's state bytes and shared block, hands out
// mbufs with the core's owner rule and checks types with the core's
// bounds, so these values have one definition: this list. cmd/mbufgen
// writes it into capi/mbufc/core_gen.h (make generate), and
// TestGeneratedCHeaderIsFresh fails when that header is stale.

// CConst is one named value of the generated C header.
type CConst struct {
	Name  string
	Value int64
	Doc   string
}

// The unknown-owner rule: a fresh mbuf of type t is owned by
// unknown_mowners[t] when t < ownerTypes, else by that of
// ownerFallbackType (the 2007 kernel has owners for MT_FREE..MT_OOBDATA).
const (
	ownerTypes        = numUnknownOwners
	ownerFallbackType = MT_DATA
)

// ownerIndex is the unknown-owner rule (C: mbuf__type_index in rules.h).
func ownerIndex(typ int) int {
	if uint(typ) >= ownerTypes {
		return ownerFallbackType
	}
	return typ
}

// CConstants lists the shared values in the order they are generated.
func CConstants() []CConst {
	return []CConst{
		{"MBUF_STATE_FREE", int64(stateFree), "slot in a depot or a per-thread cache"},
		{"MBUF_STATE_LIVE", int64(stateLive), "slot owned by the user"},
		{"MBUF_STATE_ZOMBIE", int64(stateZombie), "freed holder whose storage is still shared"},
		{"MBUF_STATE_FREEING", int64(stateFreeing), "mbuf handed to a custom ext_free callback"},
		{"MBUF_STATE_STRIDE", stateStride, "bytes between two slots' state bytes"},
		{"MBUF_STATE_STRIDE_SHIFT", int64(bits.TrailingZeros(stateStride)), "log2(MBUF_STATE_STRIDE)"},
		{"MBUF_SHARED_SLOWPATH", SharedSlowPath, "Shared.Flags: debug mode, every call goes to the core"},
		{"MBUF_SHARED_FASTPATH_OFF", SharedFastPathOff, "Shared.Flags: MBUF_FASTPATH=0 at load"},
		{"MBUF_NUM_TYPES", NumTypes, "mbuf types 1..MBUF_NUM_TYPES-1 are valid"},
		{"MBUF_OWNER_TYPES", ownerTypes, "types below this have an unknown owner of their own"},
		{"MBUF_OWNER_FALLBACK_TYPE", ownerFallbackType, "whose unknown owner the other types get"},
	}
}

// sharedFlagsFromEnv: MBUF_FASTPATH=0 starts the process with the C
// fast paths off (every call through the core, messages as in normal
// mode, unlike MBUF_DEBUG); mbuf_set_fastpath() switches at run time.
func sharedFlagsFromEnv() uint32 {
	if os.Getenv("MBUF_FASTPATH") == "0" {
		return SharedFastPathOff
	}
	return 0
}
