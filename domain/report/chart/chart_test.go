package chart_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-analyze/charts"

	"github.com/clubcrm/clubcrm/domain/report/chart"
)

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if got := img.Bounds().Size(); got.X != chart.Width || got.Y != chart.Height {
		t.Fatalf("chart is %dx%d, want %dx%d", got.X, got.Y, chart.Width, chart.Height)
	}
	return img
}

// keep writes the chart to $CHART_DIR when set, for looking at it.
func keep(t *testing.T, name string, b []byte) {
	if dir := os.Getenv("CHART_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStaffBars(t *testing.T) {
	t.Parallel()
	b, err := chart.StaffBars("Задачи за березень", []chart.BarRow{
		{Label: "Ольга Петренко", Values: []float64{42, 3}},
		{Label: "Іван Шевчук", Values: []float64{37, 7}},
		{Label: "Пётр", Values: []float64{0, 0}},
	}, "Выполнено", "Просрочено")
	if err != nil {
		t.Fatalf("StaffBars: %v", err)
	}
	decode(t, b)
	keep(t, "staff.png", b)

	one, err := chart.StaffBars("Done", []chart.BarRow{{Label: "Olga", Values: []float64{5}}})
	if err != nil {
		t.Fatalf("one series: %v", err)
	}
	decode(t, one)

	many := make([]chart.BarRow, 60)
	for i := range many {
		many[i] = chart.BarRow{Label: "Staff", Values: []float64{float64(i)}}
	}
	if b, err := chart.StaffBars("Many", many); err != nil {
		t.Fatalf("60 rows: %v", err)
	} else {
		decode(t, b)
	}
}

func TestFunnel(t *testing.T) {
	t.Parallel()
	b, err := chart.Funnel("Воронка продаж", []chart.FunnelBar{
		{Label: "Первый контакт", Value: 120},
		{Label: "Записался на пробное", Value: 96, Conversion: 0.8},
		{Label: "Пришёл на пробное", Value: 60, Conversion: 0.625},
		{Label: "Купил абонемент", Value: 21, Conversion: 0.35},
	})
	if err != nil {
		t.Fatalf("Funnel: %v", err)
	}
	decode(t, b)
	keep(t, "funnel.png", b)

	// An empty period: every stage 0.
	b, err = chart.Funnel("Empty", []chart.FunnelBar{{Label: "A"}, {Label: "B"}})
	if err != nil {
		t.Fatalf("empty funnel: %v", err)
	}
	decode(t, b)
}

func TestNothingToDraw(t *testing.T) {
	t.Parallel()
	if _, err := chart.StaffBars("x", nil); !errors.Is(err, chart.ErrNoData) {
		t.Errorf("StaffBars(nil) error = %v, want ErrNoData", err)
	}
	if _, err := chart.Funnel("x", nil); !errors.Is(err, chart.ErrNoData) {
		t.Errorf("Funnel(nil) error = %v, want ErrNoData", err)
	}
	if _, err := chart.StaffBars("x", []chart.BarRow{{Label: "a", Values: []float64{1}}}, "one", "two"); err == nil {
		t.Error("a row with fewer values than series: no error")
	}
}

// A font without Cyrillic draws every missing letter as the same "tofu"
// box, so two charts that differ only in one Cyrillic letter would come out
// identical. They must differ from each other and from a chart whose label
// is a private-use character no font has.
func TestCyrillicIsNotTofu(t *testing.T) {
	t.Parallel()
	font := charts.GetFont(charts.FontFamilyNotoSans)
	if font == nil {
		t.Fatal("Noto Sans is not available")
	}
	for _, r := range "АБВГҐДЕЄЁЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгґдеєёжзиіїйклмнопрстуфхцчшщъыьэюя" {
		if font.Index(r) == 0 {
			t.Errorf("Noto Sans has no glyph for %q", r)
		}
	}
	render := func(label string) []byte {
		b, err := chart.StaffBars("", []chart.BarRow{{Label: label, Values: []float64{1}}})
		if err != nil {
			t.Fatalf("StaffBars(%q): %v", label, err)
		}
		return pixels(decode(t, b))
	}
	zhe, de, tofu := render("ЖЖЖЖ"), render("ДДДД"), render("\uE000\uE000\uE000\uE000")
	if bytes.Equal(zhe, de) {
		t.Error("Ж and Д render identically: Cyrillic is drawn as tofu")
	}
	if bytes.Equal(zhe, tofu) {
		t.Error("Ж renders like a missing glyph")
	}
	if bytes.Equal(zhe, render("")) {
		t.Error("Ж renders as nothing")
	}
}

func pixels(img image.Image) []byte {
	var out []byte
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			out = append(out, byte(r>>8), byte(g>>8), byte(bl>>8))
		}
	}
	return out
}

// Characters no chart font has (most emoji) are left out rather than drawn
// as boxes: a label with one renders exactly like the label without it.
func TestEmojiAreDropped(t *testing.T) {
	t.Parallel()
	render := func(label string) []byte {
		b, err := chart.StaffBars("Йога", []chart.BarRow{{Label: label, Values: []float64{3}}})
		if err != nil {
			t.Fatalf("StaffBars(%q): %v", label, err)
		}
		return pixels(decode(t, b))
	}
	if !bytes.Equal(render("Йога 🧘 для детей"), render("Йога для детей")) {
		t.Error("an emoji changed the chart: it is drawn as a box")
	}
}
