package secret_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/domain/secret"
)

// key is a fixed test key: 32 bytes 0x00..0x1f.
var key = func() []byte {
	b := make([]byte, secret.KeySize)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}()

func newBox(t *testing.T, value string) *secret.Box {
	t.Helper()
	b, err := secret.New(value)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

func TestNewAcceptsBase64AndHex(t *testing.T) {
	t.Parallel()
	forms := map[string]string{
		"base64":          base64.StdEncoding.EncodeToString(key),
		"base64 unpadded": base64.RawStdEncoding.EncodeToString(key),
		"base64url":       base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32)),
		"hex":             hex.EncodeToString(key),
		"HEX":             strings.ToUpper(hex.EncodeToString(key)),
		"with newline":    base64.StdEncoding.EncodeToString(key) + "\n",
	}
	ref := newBox(t, hex.EncodeToString(key))
	sealed, err := ref.Seal([]byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range forms {
		t.Run(name, func(t *testing.T) {
			b := newBox(t, v)
			if name == "base64url" {
				return // another key: only that it parses
			}
			// The same key however it is written: it opens what the hex form sealed.
			if got, err := b.Open(sealed, nil); err != nil || string(got) != "x" {
				t.Fatalf("Open = %q, %v", got, err)
			}
		})
	}
}

func TestNewRefusesBadKeysWithoutEchoingThem(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"empty":         "",
		"blank":         "  \n",
		"short base64":  base64.StdEncoding.EncodeToString(key[:16]),
		"long base64":   base64.StdEncoding.EncodeToString(append(key, key...)),
		"neither":       "not-a-key-at-all!!",
		"hex too short": hex.EncodeToString(key[:31]),
		"bad hex":       strings.Repeat("zz", 32),
		"passphrase":    "correct horse battery staple and more words",
	}
	for name, v := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := secret.New(v)
			if err == nil || b != nil {
				t.Fatalf("New accepted it: %v", b)
			}
			msg := err.Error()
			if !strings.Contains(msg, "SECRETS_KEY") || strings.Contains(msg, "\n") {
				t.Errorf("error does not name SECRETS_KEY on one line: %q", msg)
			}
			if strings.TrimSpace(v) != "" && strings.Contains(msg, strings.TrimSpace(v)) {
				t.Errorf("error echoes the key: %q", msg)
			}
		})
	}
	if _, err := secret.New(""); !errors.Is(err, secret.ErrNoKey) {
		t.Errorf("empty key: %v, want ErrNoKey", err)
	}
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	box := newBox(t, base64.StdEncoding.EncodeToString(key))
	other := newBox(t, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	token := []byte("7000001:AAE-secret-token")
	aad := secret.RowAAD("bots", 7, "token_enc")
	sealed, err := box.Seal(token, aad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, token) || bytes.Contains(sealed, []byte("secret-token")) {
		t.Fatal("the sealed text contains the plaintext")
	}
	if len(sealed) != len(token)+secret.Overhead {
		t.Errorf("sealed length %d, want %d", len(sealed), len(token)+secret.Overhead)
	}
	again, _ := box.Seal(token, aad)
	if bytes.Equal(sealed, again) {
		t.Error("two seals of one text are equal: the nonce is not random")
	}
	flip := func(i int) []byte {
		c := bytes.Clone(sealed)
		c[i] ^= 1
		return c
	}
	tests := []struct {
		name   string
		box    *secret.Box
		sealed []byte
		aad    []byte
		want   error
	}{
		{"opens", box, sealed, aad, nil},
		{"second seal opens", box, again, aad, nil},
		{"another row", box, sealed, secret.RowAAD("bots", 8, "token_enc"), secret.ErrTampered},
		{"another column", box, sealed, secret.RowAAD("bots", 7, "webhook_secret_enc"), secret.ErrTampered},
		{"no aad", box, sealed, nil, secret.ErrTampered},
		{"tampered text", box, flip(len(sealed) - 20), aad, secret.ErrTampered},
		{"tampered tag", box, flip(len(sealed) - 1), aad, secret.ErrTampered},
		{"tampered nonce", box, flip(3), aad, secret.ErrTampered},
		{"tampered key id", box, flip(1), aad, secret.ErrOtherKey},
		{"unknown format", box, flip(0), aad, secret.ErrMalformed},
		{"truncated", box, sealed[:secret.Overhead-1], aad, secret.ErrMalformed},
		{"empty", box, nil, aad, secret.ErrMalformed},
		{"wrong key", other, sealed, aad, secret.ErrOtherKey},
	}
	if other.KeyID() == box.KeyID() {
		t.Fatal("the test keys' ids collide; pick another second key")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.box.Open(tc.sealed, tc.aad)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open: %v, want %v", err, tc.want)
			}
			if tc.want == nil && !bytes.Equal(got, token) {
				t.Fatalf("Open = %q", got)
			}
			if tc.want != nil && got != nil {
				t.Fatalf("a failed Open returned %q", got)
			}
		})
	}
}

func TestHash(t *testing.T) {
	t.Parallel()
	box := newBox(t, hex.EncodeToString(key))
	same := newBox(t, base64.StdEncoding.EncodeToString(key))
	other := newBox(t, hex.EncodeToString(bytes.Repeat([]byte{9}, 32)))
	h := box.Hash([]byte("7000001:tok"))
	if len(h) != 32 {
		t.Fatalf("hash length %d", len(h))
	}
	if !bytes.Equal(h, same.Hash([]byte("7000001:tok"))) {
		t.Error("one key, two hashes of one token")
	}
	if bytes.Equal(h, box.Hash([]byte("7000001:tol"))) {
		t.Error("two tokens, one hash")
	}
	if bytes.Equal(h, other.Hash([]byte("7000001:tok"))) {
		t.Error("the hash does not depend on the key")
	}
}

func TestValueNeverPrints(t *testing.T) {
	t.Parallel()
	const tok = "7000001:AAE-very-secret"
	v := secret.NewValue(tok)
	if v.Reveal() != tok || v.IsZero() || !secret.NewValue("").IsZero() {
		t.Fatal("Reveal/IsZero")
	}
	holder := struct {
		ID    int64
		Token secret.Value
	}{1, v}
	var out bytes.Buffer
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		fmt.Fprintf(&out, f+"\n", v)
		fmt.Fprintf(&out, f+"\n", holder)
	}
	j, _ := json.Marshal(holder)
	out.Write(j)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("bot", "token", v, "bot", holder)
	slog.New(slog.NewTextHandler(&out, nil)).Info("bot", "token", v)
	for _, leak := range []string{tok, "very-secret", hex.EncodeToString([]byte(tok))[:12]} {
		if strings.Contains(strings.ToLower(out.String()), strings.ToLower(leak)) {
			t.Fatalf("the secret leaked (%q):\n%s", leak, out.String())
		}
	}
	if !strings.Contains(out.String(), "[redacted]") {
		t.Fatalf("no [redacted] in:\n%s", out.String())
	}
}
