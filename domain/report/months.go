package report

import "time"

// Segment is a stretch of a report range: a whole local month of the
// club's calendar (Month) or a whole local day (Day), whose figures may be
// read from the ones stored for it, or any other stretch, read from the rows
// themselves.
type Segment struct {
	From  time.Time
	To    time.Time
	Month bool
	Day   bool
}

// Segments cuts r at the local month starts of loc: the whole months inside
// it, and the partial stretches before the first and after the last. A
// range with no whole month is one segment. The segments are in time order
// and cover r exactly.
func Segments(r Range, loc *time.Location) []Segment {
	var out []Segment
	first := DateOf(r.From.In(loc))
	m := Date{Year: first.Year, Month: first.Month, Day: 1}
	start := m.Start(loc)
	if start.Before(r.From) {
		m = addMonths(m, 1)
		start = m.Start(loc)
	}
	at := r.From
	for {
		end := addMonths(m, 1).Start(loc)
		if end.After(r.To) {
			break
		}
		if at.Before(start) {
			out = append(out, Segment{From: at, To: start})
		}
		out = append(out, Segment{From: start, To: end, Month: true})
		at, m, start = end, addMonths(m, 1), end
	}
	if at.Before(r.To) {
		out = append(out, Segment{From: at, To: r.To})
	}
	return out
}

// Days cuts a segment at the local midnights of loc: the whole days in it
// (Day), and the partial stretches before the first and after the last.
func Days(seg Segment, loc *time.Location) []Segment {
	var out []Segment
	at := seg.From
	d := DateOf(at.In(loc))
	start := d.Start(loc)
	if start.Before(at) {
		d = d.AddDays(1)
		start = d.Start(loc)
	}
	for {
		end := d.AddDays(1).Start(loc)
		if end.After(seg.To) {
			break
		}
		if at.Before(start) {
			out = append(out, Segment{From: at, To: start})
		}
		out = append(out, Segment{From: start, To: end, Day: true})
		at, d, start = end, d.AddDays(1), end
	}
	if at.Before(seg.To) {
		out = append(out, Segment{From: at, To: seg.To})
	}
	return out
}

// StorableSegments is Segments with every stretch that is not a whole month
// cut into whole days: the pieces a report may find stored.
func StorableSegments(r Range, loc *time.Location) []Segment {
	var out []Segment
	for _, s := range Segments(r, loc) {
		if s.Month {
			out = append(out, s)
			continue
		}
		out = append(out, Days(s, loc)...)
	}
	return out
}

// SplitStored splits the segments into the whole months and days whose
// stored figures can be used (stored says which, by start) and the
// stretches to read raw, adjacent ones joined, both in time order.
func SplitStored(segs []Segment, stored func(start time.Time) bool) (months []time.Time, raw []Segment) {
	for _, s := range segs {
		if (s.Month || s.Day) && stored(s.From) {
			months = append(months, s.From)
			continue
		}
		if n := len(raw); n > 0 && raw[n-1].To.Equal(s.From) {
			raw[n-1].To = s.To
			continue
		}
		raw = append(raw, Segment{From: s.From, To: s.To})
	}
	return months, raw
}
