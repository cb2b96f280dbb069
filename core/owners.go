package core

import (
	"fmt"
	"unsafe"
)

// Owner names for reports (the leak report, debug mode's "freed by ...,
// owner wm0/rx"). m_owner is a field callers write: it may point at an
// owner the library knows, at a struct mowner of the caller's that was
// never attached, at one whose memory is gone (an unloaded plugin), or
// hold any bad value. Reports never read through a pointer they cannot
// vouch for: the library's own owners (unknown_mowners[], revoked) are
// read directly, an attached one is named by the host (Hooks.OwnerName,
// which finds it on the mowners list under that list's lock), and
// anything else is named by its address only.

// notAttached is appended to an owner named by its address.
const notAttached = " (not an attached mowner)"

// ownerName returns "name/descr" of owner o, "" for no owner (0), or its
// address for an owner that cannot be vouched for.
func (p *Pools) ownerName(o uintptr) string {
	if o == 0 {
		return ""
	}
	if mo := p.ownOwner(o); mo != nil {
		return mownerName(mo)
	}
	if h := p.hooks.OwnerName; h != nil {
		if name, ok := h(o); ok {
			return name
		}
	}
	return fmt.Sprintf("%#x%s", o, notAttached)
}

// ownOwner returns o as one of the library's own owners, or nil.
func (p *Pools) ownOwner(o uintptr) *Mowner {
	if u := p.g.UnknownOwners; u != nil {
		first := uintptr(unsafe.Pointer(&u[0]))
		if off := o - first; o >= first && off < uintptr(len(u))*mownerSize && off%mownerSize == 0 {
			return &u[off/mownerSize]
		}
	}
	if r := p.g.RevokedOwner; r != nil && o == uintptr(unsafe.Pointer(r)) {
		return r
	}
	return nil
}

// mownerName formats an owner the caller has vouched for.
func mownerName(mo *Mowner) string {
	name, descr := cstr(mo.Name[:]), cstr(mo.Descr[:])
	if name == "" && descr == "" {
		return ""
	}
	return name + "/" + descr
}

// ownerNamer caches ownerName over one report (few distinct owners, many
// mbufs).
type ownerNamer struct {
	p     *Pools
	names map[uintptr]string
}

func (n *ownerNamer) name(o uintptr) string {
	if s, ok := n.names[o]; ok {
		return s
	}
	if n.names == nil {
		n.names = make(map[uintptr]string)
	}
	s := n.p.ownerName(o)
	n.names[o] = s
	return s
}
