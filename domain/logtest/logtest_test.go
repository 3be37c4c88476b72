package logtest_test

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/clubcrm/clubcrm/domain/logtest"
)

func TestLinesFilterByEveryPart(t *testing.T) {
	var b logtest.Buffer
	log := slog.New(slog.NewTextHandler(&b, nil))
	log.Info("workflow chain cut", "club", 1)
	log.Error("send failed", "club", 2)
	log.Info("workflow chain cut", "club", 2)

	if got := b.Lines("workflow chain cut", "club=2"); len(got) != 1 || !strings.Contains(got[0], "level=INFO") {
		t.Fatalf("lines with both parts: %q", got)
	}
	if got := b.Lines(); len(got) != 3 {
		t.Fatalf("all lines: %q, want 3 without the empty tail", got)
	}
	if got := b.Lines("nothing like this"); got != nil {
		t.Fatalf("no match: %q", got)
	}
	if !strings.Contains(b.String(), "send failed") {
		t.Fatalf("String lacks a line: %q", b.String())
	}
}

func TestConcurrentWritersKeepWholeLines(t *testing.T) {
	var b logtest.Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				fmt.Fprintf(&b, "writer=%d line=%d\n", i, j)
			}
		})
	}
	wg.Wait()
	lines := b.Lines("writer=")
	if len(lines) != 800 {
		t.Fatalf("%d lines, want 800", len(lines))
	}
	for _, l := range lines {
		if strings.Count(l, "writer=") != 1 {
			t.Fatalf("torn line %q", l)
		}
	}
}
