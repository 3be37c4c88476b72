package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

const healthcheckUsage = "healthcheck [--url URL]"

// runHealthcheck is `clubcrm healthcheck`: it asks this instance's /healthz
// (on HTTP_ADDR, default :8080) and succeeds on 200. It is the container's
// health check: the image has no curl or wget.
func runHealthcheck(ctx context.Context, e *cmdEnv, args []string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	url := fs.String("url", "", "the URL to ask; default http://127.0.0.1:PORT/healthz with PORT from HTTP_ADDR")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := e.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("healthcheck takes no arguments, got %q (usage: clubcrm %s)", fs.Arg(0), healthcheckUsage)
	}
	if *url == "" {
		u, err := healthzURL(e.getenv("HTTP_ADDR"))
		if err != nil {
			return err
		}
		*url = u
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return usagef("healthcheck: --url %q: %v", *url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", *url, resp.Status)
	}
	fmt.Fprintln(e.stdout, "ok")
	return nil
}

// healthzURL is where this instance's /healthz is, from HTTP_ADDR: the
// loopback address when it listens on all interfaces.
func healthzURL(addr string) (string, error) {
	if addr == "" {
		addr = ":8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("healthcheck: HTTP_ADDR %q is not host:port", addr)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + host + ":" + port + "/healthz", nil
}
