package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestProtectMonitoring(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	cases := []struct {
		name       string
		user, pass string // configured
		remote     string
		authUser   string
		authPass   string
		want       int
	}{
		{"no credentials set, loopback", "", "", "127.0.0.1:5000", "", "", http.StatusTeapot},
		{"no credentials set, IPv6 loopback", "", "", "[::1]:5000", "", "", http.StatusTeapot},
		{"no credentials set, remote", "", "", "203.0.113.7:5000", "", "", http.StatusForbidden},
		{"credentials set, none given", "ops", "s3cret", "127.0.0.1:5000", "", "", http.StatusUnauthorized},
		{"credentials set, wrong password", "ops", "s3cret", "203.0.113.7:5000", "ops", "guess", http.StatusUnauthorized},
		{"credentials set, right ones from afar", "ops", "s3cret", "203.0.113.7:5000", "ops", "s3cret", http.StatusTeapot},
	}
	for _, c := range cases {
		a := &app{cfg: config{MonitoringUser: c.user, MonitoringPassword: c.pass}}
		req := httptest.NewRequest(http.MethodGet, "/monitoring/", nil)
		req.RemoteAddr = c.remote
		if c.authUser != "" {
			req.SetBasicAuth(c.authUser, c.authPass)
		}
		rec := httptest.NewRecorder()
		a.protectMonitoring(ok).ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s: got %d, want %d", c.name, rec.Code, c.want)
		}
	}
}
