package telegramtest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Mux serves several fake bots under one URL, routing /bot<token>/… to the
// bot with that token, as api.telegram.org serves every bot: a process
// with several bots points all their clients at one TELEGRAM_API_URL. A
// token no bot has gets 401.
type Mux struct {
	URL string

	mu   sync.RWMutex
	bots map[string]*Server
}

// NewMux starts a Mux with bots and closes it when the test ends.
func NewMux(t testing.TB, bots ...*Server) *Mux {
	t.Helper()
	m := &Mux{bots: map[string]*Server{}}
	for _, b := range bots {
		m.Add(b)
	}
	srv := httptest.NewServer(m)
	m.URL = srv.URL
	t.Cleanup(srv.Close)
	return m
}

// Add serves another bot.
func (m *Mux) Add(s *Server) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bots[s.token] = s
}

// ServeHTTP routes a request to the bot whose token is in its path.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, _ := strings.CutPrefix(r.URL.Path, "/bot")
	token, _, _ := strings.Cut(rest, "/")
	m.mu.RLock()
	s, ok := m.bots[token]
	m.mu.RUnlock()
	if !ok {
		writeResult(w, nil, &apiError{Code: http.StatusUnauthorized, Description: "Unauthorized"})
		return
	}
	s.ServeHTTP(w, r)
}
