package viber_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clubcrm/clubcrm/bot/viber"
	"github.com/clubcrm/clubcrm/jobs/redistest"
)

func TestFileLinkRefusesExpiredAndForged(t *testing.T) {
	t.Parallel()
	f := setup(t)
	link := func() string {
		u, err := f.files.Link(t.Context(), "report 1.xlsx", "application/octet-stream", []byte("data"))
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	// /files/<token>/<exp>/<sig>/<name>
	parts := func(u string) []string { return strings.Split(strings.TrimPrefix(u, f.app.URL+viber.FilesPath), "/") }
	join := func(p []string) string { return f.app.URL + viber.FilesPath + strings.Join(p, "/") }

	u := link()
	p := parts(u)
	forged := []string{
		join([]string{p[0], p[1], strings.Repeat("0", len(p[2])), p[3]}), // another signature
		join([]string{p[0], "9999999999", p[2], p[3]}),                   // a later expiry
		join([]string{p[0], p[1], p[2], "other.xlsx"}),                   // another name
		join([]string{strings.Repeat("a", len(p[0])), p[1], p[2], p[3]}), // another token
		join([]string{p[0], p[1], p[2]}),                                 // short path
		join([]string{p[0], p[1], p[2], p[3], "x"}),                      // long path
	}
	for _, bad := range forged {
		if _, _, status := get(t, bad); status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, status)
		}
	}
	// Forgeries did not use the file up.
	body, _, status := get(t, u)
	if status != http.StatusOK || string(body) != "data" {
		t.Fatalf("genuine link after forgeries: %d %q", status, body)
	}

	// Past its expiry a link is gone even if the bytes are still stored.
	late := link()
	f.files.SetClock(func() time.Time { return time.Now().Add(2 * time.Hour) })
	if _, _, status := get(t, late); status != http.StatusGone {
		t.Errorf("expired link: %d, want 410", status)
	}
}

func TestFileStoreNeedsASecret(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.New(t)
	if _, err := viber.NewFileStore(rdb, prefix, "https://crm.example", []byte("short"), time.Hour); err == nil {
		t.Fatal("a 5-byte secret was accepted")
	}
}

func TestFileLinkHeadersAndHead(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u, err := f.files.Link(t.Context(), "звіт.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []byte("xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Head(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Length") != "4" {
		t.Fatalf("HEAD: %d, length %q", resp.StatusCode, resp.Header.Get("Content-Length"))
	}
	resp, err = http.Get(u) // HEAD did not use the read up
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET after HEAD: %d", resp.StatusCode)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename") {
		t.Errorf("Content-Disposition %q", cd)
	}
}
