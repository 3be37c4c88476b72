package report

import (
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

// FunnelParts folds hits, ordered by client and then by time (ties in the
// order they were recorded), into one part per client; templates gives each
// client's first-task template.
func FunnelParts(hits []FunnelHit, templates map[int64]int64) []FunnelPart {
	var out []FunnelPart
	for i, h := range hits {
		if i == 0 || hits[i-1].Client != h.Client {
			out = append(out, FunnelPart{Client: h.Client, Owner: h.Staff, Template: templates[h.Client]})
		}
		p := &out[len(out)-1]
		p.Direct |= 1 << uint(h.Ord)
		if n := len(p.Advances); n == 0 || h.Ord > p.Advances[n-1].Top {
			p.Advances = append(p.Advances, FunnelAdvance{At: h.At, Top: h.Ord})
		}
	}
	return out
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

type funnelClient struct {
	owner, template int64
	direct          uint64
	top             int
	lastAt          time.Time
	lastTop         int
}

// TallyFunnel walks the parts of consecutive stretches, given in time
// order, for a funnel of n stages; loc decides what a local day is.
func TallyFunnel(n int, loc *time.Location, stretches ...[]FunnelPart) FunnelTally {
	clients := map[int64]*funnelClient{}
	var order []int64
	t := FunnelTally{Clients: make([]int, n), Direct: make([]int, n), ByOwner: map[int64][]int{},
		ByTemplate: map[int64][]int{}, DaysNext: make([][]float64, n)}
	for _, parts := range stretches {
		for _, p := range parts {
			c, ok := clients[p.Client]
			if !ok {
				c = &funnelClient{owner: p.Owner, template: p.Template}
				clients[p.Client] = c
				order = append(order, p.Client)
			}
			c.direct |= p.Direct
			for _, a := range p.Advances {
				if a.Top <= c.top {
					continue
				}
				if c.top > 0 && !sameLocalDay(c.lastAt, a.At, loc) && c.lastTop >= 1 && c.lastTop <= n {
					t.DaysNext[c.lastTop-1] = append(t.DaysNext[c.lastTop-1], a.At.Sub(c.lastAt).Seconds()/86400)
				}
				c.top, c.lastAt, c.lastTop = a.Top, a.At, a.Top
			}
		}
	}
	for _, id := range order {
		c := clients[id]
		owner, tmpl := t.ByOwner[c.owner], t.ByTemplate[c.template]
		if owner == nil {
			owner = make([]int, n)
			t.ByOwner[c.owner] = owner
		}
		if tmpl == nil {
			tmpl = make([]int, n)
			t.ByTemplate[c.template] = tmpl
		}
		for k := 1; k <= c.top && k <= n; k++ {
			t.Clients[k-1]++
			owner[k-1]++
			tmpl[k-1]++
			if c.direct&(1<<uint(k)) != 0 {
				t.Direct[k-1]++
			}
		}
	}
	return t
}

func sameLocalDay(a, b time.Time, loc *time.Location) bool {
	return DateOf(a.In(loc)) == DateOf(b.In(loc))
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
