package report_test

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/domain/report"
)

// kyivAt parses "2006-01-02 15:04" in Kyiv.
func kyivAt(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", s, mustLoc(t, "Europe/Kyiv"))
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func TestFunnelParts(t *testing.T) {
	at := func(s string) time.Time { return kyivAt(t, s) }
	hits := []report.FunnelHit{
		{Client: 1, At: at("2026-01-03 10:00"), Ord: 1, Staff: 7},
		{Client: 1, At: at("2026-01-03 12:00"), Ord: 1, Staff: 8}, // no further: not an advance
		{Client: 1, At: at("2026-01-05 09:00"), Ord: 3, Staff: 8},
		{Client: 1, At: at("2026-01-06 09:00"), Ord: 2, Staff: 9}, // lower: a stage hit directly, no advance
		{Client: 2, At: at("2026-01-04 18:00"), Ord: 2, Staff: 0},
	}
	got := utcParts(parts(report.FunnelParts(hits, map[int64]int64{1: 50})))
	want := utcParts([]report.FunnelPart{
		{Client: 1, Owner: 7, Direct: 1<<1 | 1<<2 | 1<<3, Template: 50, Advances: []report.FunnelAdvance{
			{At: at("2026-01-03 10:00"), Top: 1}, {At: at("2026-01-05 09:00"), Top: 3}}},
		{Client: 2, Owner: 0, Direct: 1 << 2, Template: 0, Advances: []report.FunnelAdvance{{At: at("2026-01-04 18:00"), Top: 2}}},
	})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FunnelParts:\n%+v\nwant\n%+v", got, want)
	}
	if got := report.FunnelParts(nil, nil); len(got.Clients) != 0 || got.Check() != nil {
		t.Errorf("no hits make parts %+v", got)
	}
}

func TestTallyFunnel(t *testing.T) {
	at := func(s string) time.Time { return kyivAt(t, s) }
	adv := func(s string, top int) report.FunnelAdvance { return report.FunnelAdvance{At: at(s), Top: top} }
	const days = 24 * time.Hour
	for _, tc := range []struct {
		name      string
		stretches [][]report.FunnelPart
		want      report.FunnelTally
	}{
		{
			name: "advances over two stretches: the owner of the first, days across the boundary",
			stretches: [][]report.FunnelPart{
				{{Client: 1, Owner: 7, Direct: 1 << 1, Template: 50, Advances: []report.FunnelAdvance{adv("2026-01-10 10:00", 1)}}},
				{{Client: 1, Owner: 8, Direct: 1<<2 | 1<<3, Template: 50, Advances: []report.FunnelAdvance{adv("2026-02-01 09:00", 2), adv("2026-02-03 09:00", 3)}}},
			},
			want: report.FunnelTally{
				Clients: []int{1, 1, 1, 0}, Direct: []int{1, 1, 1, 0},
				ByOwner: map[int64][]int{7: {1, 1, 1, 0}}, ByTemplate: map[int64][]int{50: {1, 1, 1, 0}},
				DaysNext: [][]float64{{(21*days + 23*time.Hour).Hours() / 24}, {2}, nil, nil},
			},
		},
		{
			name: "a later stretch at a lower stage: counted direct, not an advance",
			stretches: [][]report.FunnelPart{
				{{Client: 2, Owner: 5, Direct: 1 << 3, Template: 60, Advances: []report.FunnelAdvance{adv("2026-01-12 11:00", 3)}}},
				{{Client: 2, Owner: 6, Direct: 1 << 1, Template: 60, Advances: []report.FunnelAdvance{adv("2026-02-02 11:00", 1)}}},
			},
			want: report.FunnelTally{
				Clients: []int{1, 1, 1, 0}, Direct: []int{1, 0, 1, 0},
				ByOwner: map[int64][]int{5: {1, 1, 1, 0}}, ByTemplate: map[int64][]int{60: {1, 1, 1, 0}},
				DaysNext: [][]float64{nil, nil, nil, nil},
			},
		},
		{
			// 29 March 2026 is 23 hours long in Kyiv; 00:30 and 23:30 are one
			// local day but two days in UTC.
			name: "steps within one local day are not counted; a stage passed over has none",
			stretches: [][]report.FunnelPart{
				{{Client: 3, Owner: 0, Direct: 1<<1 | 1<<2 | 1<<4, Template: 0, Advances: []report.FunnelAdvance{
					adv("2026-03-29 00:30", 1), adv("2026-03-29 23:30", 2), adv("2026-03-30 00:10", 4)}}},
			},
			want: report.FunnelTally{
				Clients: []int{1, 1, 1, 1}, Direct: []int{1, 1, 0, 1},
				ByOwner: map[int64][]int{0: {1, 1, 1, 1}}, ByTemplate: map[int64][]int{0: {1, 1, 1, 1}},
				DaysNext: [][]float64{nil, {40.0 / (24 * 60)}, nil, nil},
			},
		},
		{
			name: "two clients, one only in the second stretch",
			stretches: [][]report.FunnelPart{
				{{Client: 4, Owner: 7, Direct: 1 << 1, Template: 50, Advances: []report.FunnelAdvance{adv("2026-01-20 10:00", 1)}}},
				{
					{Client: 4, Owner: 9, Direct: 1 << 1, Template: 50, Advances: []report.FunnelAdvance{adv("2026-02-20 10:00", 1)}},
					{Client: 5, Owner: 9, Direct: 1 << 2, Template: 60, Advances: []report.FunnelAdvance{adv("2026-02-21 10:00", 2)}},
				},
			},
			want: report.FunnelTally{
				Clients: []int{2, 1, 0, 0}, Direct: []int{1, 1, 0, 0},
				ByOwner:    map[int64][]int{7: {1, 0, 0, 0}, 9: {1, 1, 0, 0}},
				ByTemplate: map[int64][]int{50: {1, 0, 0, 0}, 60: {1, 1, 0, 0}},
				DaysNext:   [][]float64{nil, nil, nil, nil},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stretches []report.FunnelStretch
			for _, parts := range tc.stretches {
				s := report.NewFunnelStretch()
				for _, p := range parts {
					s.Add(p)
				}
				if err := s.Check(); err != nil {
					t.Fatal(err)
				}
				stretches = append(stretches, s)
			}
			got := report.TallyFunnel(4, mustLoc(t, "Europe/Kyiv"), stretches...)
			gotDays, wantDays := got.DaysNext, tc.want.DaysNext
			got.DaysNext, tc.want.DaysNext = nil, nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("TallyFunnel:\n%+v\nwant\n%+v", got, tc.want)
			}
			for k := range wantDays {
				if len(gotDays[k]) != len(wantDays[k]) {
					t.Errorf("stage %d: days to the next %v, want %v", k+1, gotDays[k], wantDays[k])
					continue
				}
				for i := range wantDays[k] {
					if math.Abs(gotDays[k][i]-wantDays[k][i]) > 1e-12 {
						t.Errorf("stage %d: days to the next %v, want %v", k+1, gotDays[k], wantDays[k])
					}
				}
			}
		})
	}
}

func TestMedian(t *testing.T) {
	if m := report.Median(nil); m != nil {
		t.Errorf("median of nothing %v, want none", *m)
	}
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{
		{[]float64{4}, 4},
		{[]float64{3, 1, 2}, 2},
		{[]float64{2, 1}, 1.5},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 0.5, 0.25, 7}, 3.75},
	} {
		in := append([]float64(nil), tc.xs...)
		if m := report.Median(in); m == nil || *m != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.xs, m, tc.want)
		}
	}
}

// utcParts gives the parts' times in UTC, so parts compare by instant.
func utcParts(parts []report.FunnelPart) []report.FunnelPart {
	for i := range parts {
		for j := range parts[i].Advances {
			parts[i].Advances[j].At = parts[i].Advances[j].At.UTC()
		}
	}
	return parts
}

func TestFunnelStretchCheck(t *testing.T) {
	s := report.NewFunnelStretch()
	s.Add(report.FunnelPart{Client: 2, Advances: []report.FunnelAdvance{{At: time.Unix(0, 0), Top: 1}}})
	if err := s.Check(); err != nil {
		t.Fatalf("a well-formed stretch: %v", err)
	}
	bad := []struct {
		name string
		edit func(s *report.FunnelStretch)
	}{
		{"a short slice", func(s *report.FunnelStretch) { s.Owners = nil }},
		{"more advances counted than stored", func(s *report.FunnelStretch) { s.AdvCount[0] = 2 }},
		{"a negative count", func(s *report.FunnelStretch) { s.AdvCount[0] = -1 }},
		{"clients out of order", func(s *report.FunnelStretch) {
			s.Add(report.FunnelPart{Client: 1})
		}},
	}
	for _, b := range bad {
		c := report.NewFunnelStretch()
		c.Add(report.FunnelPart{Client: 2, Advances: []report.FunnelAdvance{{At: time.Unix(0, 0), Top: 1}}})
		b.edit(&c)
		if c.Check() == nil {
			t.Errorf("%s: Check accepted it", b.name)
		}
	}
}

func TestFunnelStretchBinary(t *testing.T) {
	s := report.NewFunnelStretch()
	s.Add(report.FunnelPart{Client: 3, Owner: 7, Direct: 1<<1 | 1<<60, Template: 50,
		Advances: []report.FunnelAdvance{{At: time.UnixMicro(1_700_000_000_123_456), Top: 1}, {At: time.UnixMicro(-5), Top: 60}}})
	s.Add(report.FunnelPart{Client: 1 << 40, Owner: 0, Direct: 1 << 2})
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got report.FunnelStretch
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Errorf("round trip:\n%+v\nwant\n%+v", got, s)
	}
	var empty report.FunnelStretch
	eb, err := report.NewFunnelStretch().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if err := empty.UnmarshalBinary(eb); err != nil || len(empty.Clients) != 0 {
		t.Errorf("empty stretch: %+v, %v", empty, err)
	}
	for name, bad := range map[string][]byte{
		"nothing":        nil,
		"another format": append([]byte("fw02"), b[4:]...),
		"cut short":      b[:len(b)-1],
		"one byte more":  append(append([]byte{}, b...), 0),
		"counts lie":     append(append([]byte("fw01"), 9, 0, 0, 0), b[8:]...),
	} {
		var s report.FunnelStretch
		if err := s.UnmarshalBinary(bad); err == nil {
			t.Errorf("%s: decoded %+v", name, s)
		}
	}
	// Slices that do not fit together are not encoded.
	bad := s
	bad.Owners = bad.Owners[:1]
	if _, err := bad.MarshalBinary(); err == nil {
		t.Error("a stretch with a short slice was encoded")
	}
}

// parts lists a stretch's walks one per client, for comparing them.
func parts(s report.FunnelStretch) []report.FunnelPart {
	out := make([]report.FunnelPart, len(s.Clients))
	at := 0
	for i := range out {
		k := int(s.AdvCount[i])
		adv := make([]report.FunnelAdvance, k)
		for j := range adv {
			adv[j] = report.FunnelAdvance{At: time.UnixMicro(s.AdvAt[at+j]), Top: int(s.AdvTop[at+j])}
		}
		at += k
		out[i] = report.FunnelPart{Client: s.Clients[i], Owner: s.Owners[i], Direct: uint64(s.Directs[i]), Template: s.Templates[i], Advances: adv}
	}
	return out
}
