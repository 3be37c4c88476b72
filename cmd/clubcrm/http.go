package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes is the HTTP side every role serves on one listener: liveness,
// readiness (database and Redis answer, and the bot has reached Telegram
// when it runs here), Prometheus metrics, and whatever the role adds
// (asynqmon at /monitoring, the Telegram webhook).
func (a *app) routes(extra map[string]http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", a.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{Registry: a.reg}))
	mux.Handle("/api/v1/", a.api()) // the inbound API (api.go)
	for pattern, h := range extra {
		mux.Handle(pattern, h)
	}
	return mux
}

func (a *app) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := map[string]string{"database": "ok", "redis": "ok"}
	code := http.StatusOK
	if err := a.db.Ping(ctx); err != nil {
		status["database"], code = "unavailable", http.StatusServiceUnavailable
		a.log.Warn("readiness: database", slog.Any("error", err))
	}
	if err := a.rdb.Ping(ctx).Err(); err != nil {
		status["redis"], code = "unavailable", http.StatusServiceUnavailable
		a.log.Warn("readiness: redis", slog.Any("error", err))
	}
	if a.botReady != nil {
		status["bot"] = "ok"
		if !a.botReady() {
			// Still reaching Telegram (bot.Run retries getMe); the workers
			// and the scheduler run meanwhile.
			status["bot"], code = "unavailable", http.StatusServiceUnavailable
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(status)
}

// protectMonitoring guards asynqmon, which can delete and re-run jobs: with
// MONITORING_USER/MONITORING_PASSWORD set it asks for basic auth; without
// them it answers only requests from the loopback interface.
func (a *app) protectMonitoring(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.cfg.MonitoringUser != "" {
			user, pass, ok := r.BasicAuth()
			if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(a.cfg.MonitoringUser)) != 1 ||
				subtle.ConstantTimeCompare([]byte(pass), []byte(a.cfg.MonitoringPassword)) != 1 {
				w.Header().Set("WWW-Authenticate", `Basic realm="clubcrm monitoring"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
			return
		}
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			http.Error(w, "monitoring is served to localhost only; set MONITORING_USER and MONITORING_PASSWORD to open it", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// serveHTTP serves h on the listener newApp bound until ctx ends, then
// shuts down gracefully.
func (a *app) serveHTTP(ctx context.Context, h http.Handler) error {
	srv := &http.Server{
		Addr:              a.cfg.HTTPAddr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		// Requests outlive the signal: Shutdown drains them, then returns.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln := a.ln
	a.log.Info("http listening", slog.String("addr", ln.Addr().String()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
