package mbuf

import "github.com/libmbuf/libmbuf/core"

// Stats are the pools' counters.
type Stats struct {
	Mbufs, Zombies, Clusters int   // live objects now
	Tags                     int   // live packet tags
	Drops, Waits, Drains     int64 // mbstat.m_drops, m_wait, m_drain
	DataMbufs                int64 // live mbufs of type MT_DATA (C's included)
}

// ReadStats returns the pools' statistics. The counts are exact when no
// other goroutine is in the middle of an operation.
func ReadStats() Stats {
	p := core.Default()
	var s Stats
	s.Mbufs, s.Zombies, s.Clusters = p.Live()
	s.Tags = p.LiveTags()
	st := p.Globals().Stat
	s.Drops, s.Waits, s.Drains = int64(st.Drops), int64(st.Wait), int64(st.Drain)
	s.DataMbufs = int64(p.LiveOfType(core.MT_DATA))
	return s
}
