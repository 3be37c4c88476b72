package main

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"gopkg.in/yaml.v3"
)

// No Docker engine runs where the tests run, so the deployment files are
// checked by parsing them: pinned images, health checks that mean what they
// say, restarts, the settings the app reads passed through, and the version
// stamped into the binary.
func TestDockerComposeFile(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Restart     string            `yaml:"restart"`
			Environment map[string]string `yaml:"environment"`
			Build       *struct {
				Args map[string]string `yaml:"args"`
			} `yaml:"build"`
			Healthcheck *struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &compose); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	pinned := regexp.MustCompile(`^[a-z0-9./_-]+:\d+\.\d+(\.\d+)?(-[a-z0-9]+)?$`)
	for _, name := range []string{"postgres", "redis", "app", "asynqmon"} {
		s, ok := compose.Services[name]
		if !ok {
			t.Fatalf("no service %s", name)
		}
		if s.Restart != "unless-stopped" {
			t.Errorf("%s: restart %q", name, s.Restart)
		}
		if name != "app" && !pinned.MatchString(s.Image) {
			t.Errorf("%s: image %q is not pinned to a version", name, s.Image)
		}
	}
	pg := compose.Services["postgres"].Healthcheck
	if pg == nil || !strings.Contains(strings.Join(pg.Test, " "), "pg_isready -h 127.0.0.1") {
		t.Errorf("postgres health check must go over TCP: %+v", pg)
	}
	app := compose.Services["app"]
	if app.Healthcheck == nil || strings.Join(app.Healthcheck.Test, " ") != "CMD /clubcrm healthcheck" {
		t.Errorf("app health check: %+v", app.Healthcheck)
	}
	if _, ok := commands()["healthcheck"]; !ok {
		t.Error("the app health check names a command the binary lacks")
	}
	for _, k := range []string{"DATABASE_URL", "REDIS_URL", "TELEGRAM_BOT_TOKEN", "WEBHOOK_URL", "WEBHOOK_SECRET", "SECRETS_KEY", "MONITORING_USER", "MONITORING_PASSWORD"} {
		if _, ok := app.Environment[k]; !ok {
			t.Errorf("app: %s is not passed through", k)
		}
	}
	if app.Build == nil || app.Build.Args["VERSION"] == "" {
		t.Error("app: the version is not passed to the build")
	}

	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ARG VERSION", "-X main.version=${VERSION}", "FROM golang:1.26.8-", `HEALTHCHECK`} {
		if !strings.Contains(string(df), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	ignore, err := os.Open(filepath.Join("..", "..", ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer ignore.Close()
	have := map[string]bool{}
	for sc := bufio.NewScanner(ignore); sc.Scan(); {
		have[strings.TrimSpace(sc.Text())] = true
	}
	for _, want := range []string{".git", "bin"} {
		if !have[want] {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
}

func TestHealthcheckCommand(t *testing.T) {
	t.Parallel()
	var healthy atomic.Bool
	healthy.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || !healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	}))
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")
	_, port, _ := strings.Cut(addr, ":")
	out, _, err := runCmd(t, map[string]string{"HTTP_ADDR": ":" + port}, "healthcheck")
	if err != nil || out != "ok\n" {
		t.Fatalf("healthy: %v %q", err, out)
	}
	healthy.Store(false)
	if _, _, err := runCmd(t, nil, "healthcheck", "--url", srv.URL+"/healthz"); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("unhealthy: %v", err)
	}
	srv.Close()
	if _, _, err := runCmd(t, map[string]string{"HTTP_ADDR": ":" + port}, "healthcheck"); err == nil {
		t.Fatal("nothing listening, yet healthy")
	}
}
