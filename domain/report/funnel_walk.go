package report

import (
	"encoding/binary"
	"errors"
	"sort"
	"time"
)

// The funnel walk, in Go, for a period made of stretches: whole months whose
// walk was stored (FunnelPart per client) and stretches read raw
// (FunnelHit rows folded by FunnelParts). It counts exactly what the one
// funnel statement counts over the whole period (Funnel):
//
//   - a client reaches stage k in the period when any of their hits in it is
//     of stage k or later;
//   - only a hit that takes the client past every earlier hit of the period
//     is an advance, and each such hit is an advance of its own stretch
//     too, so a stretch need keep only its own advances;
//   - the owner is who recorded the client's first hit of the period: the
//     owner of their first stretch;
//   - the days to the next stage run from an advance to the client's next
//     advance of the period, counted only between different local days.

// FunnelHit is one funnel result on a client: stage Ord (from 1), recorded
// at At by Staff (0: nobody).
type FunnelHit struct {
	Client int64
	At     time.Time
	Ord    int
	Staff  int64
}

// FunnelAdvance is a hit that took a client past all their earlier hits of
// its stretch, to stage Top.
type FunnelAdvance struct {
	At  time.Time
	Top int
}

// FunnelPart is one client's walk within one stretch.
type FunnelPart struct {
	Client   int64
	Owner    int64  // who recorded the client's first hit of the stretch
	Direct   uint64 // bit k: a hit of stage k itself
	Template int64  // the template of the client's first task ever; 0: none
	Advances []FunnelAdvance
}

// FunnelStretch is the walks of one stretch's clients as parallel slices,
// ordered by client id: the form they are stored in (report_period_funnel)
// and walked in, without a value per client on the heap.
type FunnelStretch struct {
	Clients   []int64
	Owners    []int64
	Directs   []int64 // bit masks (a stage is at most MaxFunnelStages)
	Templates []int64
	AdvCount  []int32 // how many of AdvAt/AdvTop are each client's
	AdvAt     []int64 // Unix microseconds
	AdvTop    []int32
}

// NewFunnelStretch is an empty stretch whose slices are empty, not nil.
func NewFunnelStretch() FunnelStretch {
	return FunnelStretch{Clients: []int64{}, Owners: []int64{}, Directs: []int64{}, Templates: []int64{},
		AdvCount: []int32{}, AdvAt: []int64{}, AdvTop: []int32{}}
}

// Add appends a client's walk; clients must come in increasing id order.
func (s *FunnelStretch) Add(p FunnelPart) {
	s.Clients = append(s.Clients, p.Client)
	s.Owners = append(s.Owners, p.Owner)
	s.Directs = append(s.Directs, int64(p.Direct))
	s.Templates = append(s.Templates, p.Template)
	s.AdvCount = append(s.AdvCount, int32(len(p.Advances)))
	for _, a := range p.Advances {
		s.AdvAt = append(s.AdvAt, a.At.UnixMicro())
		s.AdvTop = append(s.AdvTop, int32(a.Top))
	}
}

// Check reports whether the slices fit together: as long as each other,
// as many advances as counted, clients in increasing order. A stored
// stretch is checked before it is walked.
func (s FunnelStretch) Check() error {
	n := len(s.Clients)
	if len(s.Owners) != n || len(s.Directs) != n || len(s.Templates) != n || len(s.AdvCount) != n || len(s.AdvAt) != len(s.AdvTop) {
		return errors.New("funnel stretch: slices differ in length")
	}
	total := 0
	for i, c := range s.AdvCount {
		if c < 0 {
			return errors.New("funnel stretch: negative advance count")
		}
		total += int(c)
		if i > 0 && s.Clients[i-1] >= s.Clients[i] {
			return errors.New("funnel stretch: clients out of order")
		}
	}
	if total != len(s.AdvAt) {
		return errors.New("funnel stretch: advance count does not match the advances")
	}
	return nil
}

// FunnelParts folds hits, ordered by client and then by time (ties in the
// order they were recorded), into one walk per client; templates gives each
// client's first-task template.
func FunnelParts(hits []FunnelHit, templates map[int64]int64) FunnelStretch {
	s := NewFunnelStretch()
	var p FunnelPart
	for i, h := range hits {
		if i == 0 || hits[i-1].Client != h.Client {
			if i > 0 {
				s.Add(p)
			}
			p = FunnelPart{Client: h.Client, Owner: h.Staff, Template: templates[h.Client], Advances: p.Advances[:0]}
		}
		p.Direct |= 1 << uint(h.Ord)
		if n := len(p.Advances); n == 0 || h.Ord > p.Advances[n-1].Top {
			p.Advances = append(p.Advances, FunnelAdvance{At: h.At, Top: h.Ord})
		}
	}
	if len(hits) > 0 {
		s.Add(p)
	}
	return s
}

// FunnelTally is the walk's counts for a funnel of N stages; the slices are
// indexed by stage - 1.
type FunnelTally struct {
	Clients    []int
	Direct     []int
	ByOwner    map[int64][]int
	ByTemplate map[int64][]int
	// DaysNext holds, per stage, the days from reaching it to reaching the
	// next, for the steps between different local days.
	DaysNext [][]float64
}

// TallyFunnel walks the stretches, given in time order and each ordered by
// client, for a funnel of n stages; loc decides what a local day is. It
// merges the stretches by client, so each client is walked start to end at
// once and no state is kept per client.
func TallyFunnel(n int, loc *time.Location, stretches ...FunnelStretch) FunnelTally {
	t := FunnelTally{Clients: make([]int, n), Direct: make([]int, n), ByOwner: map[int64][]int{},
		ByTemplate: map[int64][]int{}, DaysNext: make([][]float64, n)}
	type cursor struct{ i, adv int }
	cur := make([]cursor, len(stretches))
	split := func(m map[int64][]int, id int64) []int {
		c := m[id]
		if c == nil {
			c = make([]int, n)
			m[id] = c
		}
		return c
	}
	for {
		// the smallest client id any stretch is at
		var id int64
		found := false
		for k, s := range stretches {
			if c := cur[k]; c.i < len(s.Clients) && (!found || s.Clients[c.i] < id) {
				id, found = s.Clients[c.i], true
			}
		}
		if !found {
			break
		}
		var (
			owner, template int64
			direct          int64
			top, lastTop    int
			lastAt          int64
			first           = true
		)
		for k, s := range stretches {
			c := &cur[k]
			if c.i >= len(s.Clients) || s.Clients[c.i] != id {
				continue
			}
			if first {
				owner, template, first = s.Owners[c.i], s.Templates[c.i], false
			}
			direct |= s.Directs[c.i]
			for j := c.adv; j < c.adv+int(s.AdvCount[c.i]); j++ {
				at, to := s.AdvAt[j], int(s.AdvTop[j])
				if to <= top {
					continue
				}
				if top > 0 && lastTop >= 1 && lastTop <= n && !sameLocalDay(lastAt, at, loc) {
					// rounded as PostgreSQL's extract(epoch …)::float8 / 86400
					t.DaysNext[lastTop-1] = append(t.DaysNext[lastTop-1], float64(at-lastAt)/1e6/86400)
				}
				top, lastAt, lastTop = to, at, to
			}
			c.adv += int(s.AdvCount[c.i])
			c.i++
		}
		byOwner, byTemplate := split(t.ByOwner, owner), split(t.ByTemplate, template)
		for k := 1; k <= top && k <= n; k++ {
			t.Clients[k-1]++
			byOwner[k-1]++
			byTemplate[k-1]++
			if direct&(1<<uint(k)) != 0 {
				t.Direct[k-1]++
			}
		}
	}
	return t
}

func sameLocalDay(a, b int64, loc *time.Location) bool {
	return DateOf(time.UnixMicro(a).In(loc)) == DateOf(time.UnixMicro(b).In(loc))
}

// Median is the median of xs as PostgreSQL's percentile_cont(0.5)
// computes it (the mean of the two middle values for an even count); nil
// for none. xs is sorted in place.
func Median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	sort.Float64s(xs)
	pos := 0.5 * float64(len(xs)-1)
	lo := int(pos)
	m := xs[lo]
	if frac := pos - float64(lo); frac > 0 {
		m += (xs[lo+1] - m) * frac
	}
	return &m
}

// funnelStretchMagic starts an encoded stretch: the format's name and
// version.
const funnelStretchMagic = "fw01"

// MarshalBinary encodes the stretch as the store keeps it: the magic, the
// number of clients and of advances (uint32), then each slice in turn,
// little-endian and fixed-width. A stretch of a month is read back with one
// copy instead of an element at a time, which made reading a year's
// stretches most of a funnel report's time.
func (s FunnelStretch) MarshalBinary() ([]byte, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	n, m := len(s.Clients), len(s.AdvAt)
	b := make([]byte, 0, len(funnelStretchMagic)+8+n*(4*8+4)+m*(8+4))
	b = append(b, funnelStretchMagic...)
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	b = binary.LittleEndian.AppendUint32(b, uint32(m))
	for _, col := range [][]int64{s.Clients, s.Owners, s.Directs, s.Templates} {
		for _, v := range col {
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	}
	for _, v := range s.AdvCount {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	for _, v := range s.AdvAt {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	for _, v := range s.AdvTop {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary encoded, refusing anything
// else: a wrong magic, a length that does not match the counts, or slices
// that do not fit together (FunnelStretch.Check).
func (s *FunnelStretch) UnmarshalBinary(b []byte) error {
	head := len(funnelStretchMagic) + 8
	if len(b) < head || string(b[:len(funnelStretchMagic)]) != funnelStretchMagic {
		return errors.New("funnel stretch: not an encoded stretch")
	}
	n := int(binary.LittleEndian.Uint32(b[len(funnelStretchMagic):]))
	m := int(binary.LittleEndian.Uint32(b[len(funnelStretchMagic)+4:]))
	if uint64(len(b)) != uint64(head)+uint64(n)*(4*8+4)+uint64(m)*(8+4) {
		return errors.New("funnel stretch: length does not match its counts")
	}
	at := head
	int64s := func(k int) []int64 {
		out := make([]int64, k)
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(b[at:]))
			at += 8
		}
		return out
	}
	int32s := func(k int) []int32 {
		out := make([]int32, k)
		for i := range out {
			out[i] = int32(binary.LittleEndian.Uint32(b[at:]))
			at += 4
		}
		return out
	}
	var d FunnelStretch
	d.Clients, d.Owners, d.Directs, d.Templates = int64s(n), int64s(n), int64s(n), int64s(n)
	d.AdvCount = int32s(n)
	d.AdvAt = int64s(m)
	d.AdvTop = int32s(m)
	if err := d.Check(); err != nil {
		return err
	}
	*s = d
	return nil
}
