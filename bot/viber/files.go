package viber

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// FilesPath is where FileStore's handler is mounted.
const FilesPath = "/files/"

// FileStore keeps charts and files for Viber to fetch by URL: Link stores
// the bytes in Redis under a random 128-bit token with a TTL and returns
//
//	PUBLIC_URL/files/<token>/<expiry unix>/<signature>/<name>
//
// where the signature is an HMAC of token, expiry and name with the
// store's secret; its handler serves a file once (GETDEL), and only with a
// valid signature before the expiry. The name is the last path segment
// (not a query) because Viber and phones judge a file by its URL's
// extension, and some fetchers drop query strings.
//
// One-time reading is the brief's choice and has a cost: Viber's servers
// fetch a picture once to forward it, but if a phone fetched a file's URL
// itself, a second device (desktop Viber) would find it gone (410). HEAD
// does not use the read up, so a fetcher that checks size first is fine.
type FileStore struct {
	rdb    redis.UniversalClient
	prefix string
	base   string
	secret []byte
	ttl    time.Duration
	now    func() time.Time
}

var _ FileLinks = (*FileStore)(nil)

// fileRecordSep separates a stored file's content type from its bytes.
const fileRecordSep = 0

// NewFileStore stores files under the Redis key prefix, links them under
// publicURL (PUBLIC_URL, https in production), signs the links with secret
// (at least 16 bytes) and keeps them for ttl.
func NewFileStore(rdb redis.UniversalClient, prefix, publicURL string, secret []byte, ttl time.Duration) (*FileStore, error) {
	if len(secret) < 16 {
		return nil, errors.New("viber files: the signing secret must be at least 16 bytes")
	}
	if _, err := url.Parse(publicURL); err != nil || publicURL == "" {
		return nil, fmt.Errorf("viber files: public URL %q: %v", publicURL, err)
	}
	return &FileStore{rdb: rdb, prefix: prefix, base: strings.TrimRight(publicURL, "/"), secret: secret, ttl: ttl, now: time.Now}, nil
}

// SetClock replaces the store's clock (tests of expiry).
func (s *FileStore) SetClock(now func() time.Time) { s.now = now }

// Link stores data and returns the URL that serves it once.
func (s *FileStore) Link(ctx context.Context, name, contentType string, data []byte) (string, error) {
	name = safeName(name)
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("file link: token: %w", err)
	}
	token := hex.EncodeToString(raw[:])
	rec := append(append([]byte(contentType), fileRecordSep), data...)
	if err := s.rdb.Set(ctx, s.prefix+token, rec, s.ttl).Err(); err != nil {
		return "", fmt.Errorf("file link: store %q: %w", name, err)
	}
	exp := strconv.FormatInt(s.now().Add(s.ttl).Unix(), 10)
	return s.base + FilesPath + token + "/" + exp + "/" + s.sign(token, exp, name) + "/" + url.PathEscape(name), nil
}

func (s *FileStore) sign(token, exp, name string) string {
	mac := hmac.New(sha256.New, s.secret)
	mac.Write([]byte(token + "/" + exp + "/" + name))
	return hex.EncodeToString(mac.Sum(nil))
}

// ServeHTTP serves GET and HEAD of a linked file: 404 for a malformed path
// or a wrong signature, 410 for an expired link or a file already read.
// HEAD does not use up the read.
func (s *FileStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), FilesPath), "/")
	if len(parts) != 4 {
		http.NotFound(w, r)
		return
	}
	token, exp, sig := parts[0], parts[1], parts[2]
	name, err := url.PathUnescape(parts[3])
	if err != nil || len(token) != 32 {
		http.NotFound(w, r)
		return
	}
	want, err := hex.DecodeString(s.sign(token, exp, name))
	got, gerr := hex.DecodeString(sig)
	if err != nil || gerr != nil || !hmac.Equal(want, got) {
		http.NotFound(w, r)
		return
	}
	expUnix, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if !s.now().Before(time.Unix(expUnix, 0)) {
		http.Error(w, "gone", http.StatusGone)
		return
	}
	var rec []byte
	if r.Method == http.MethodHead {
		rec, err = s.rdb.Get(r.Context(), s.prefix+token).Bytes()
	} else {
		rec, err = s.rdb.GetDel(r.Context(), s.prefix+token).Bytes()
	}
	switch {
	case errors.Is(err, redis.Nil):
		http.Error(w, "gone", http.StatusGone)
		return
	case err != nil:
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	ctype, data, ok := bytes.Cut(rec, []byte{fileRecordSep})
	if !ok {
		http.Error(w, "gone", http.StatusGone)
		return
	}
	disposition := "attachment"
	if bytes.HasPrefix(ctype, []byte("image/")) {
		disposition = "inline"
	}
	w.Header().Set("Content-Type", string(ctype))
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "private, no-store")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(data)
}

// safeName keeps a file name to one path segment Viber shows.
func safeName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 {
			return '_'
		}
		return r
	}, name)
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}
