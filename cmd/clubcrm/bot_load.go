package main

import (
	"bytes"
	"context"
	"fmt"

	"github.com/clubcrm/clubcrm/domain/postgres"
	"github.com/clubcrm/clubcrm/domain/secret"
)

// LiveBot is a club's own bot ready to serve: its token and webhook secret
// opened, in memory only. Token and WebhookSecret print as "[redacted]"
// (fmt, slog, JSON), so a LiveBot can be logged whole.
type LiveBot struct {
	ID            int64
	ClubID        int64
	Channel       string
	Username      string
	Token         secret.Value
	WebhookSecret secret.Value
}

// WebhookPath is where Telegram posts this bot's updates.
func (b LiveBot) WebhookPath() string { return botWebhookPath(b.ID) }

// loadBots opens every club's live bot, for a process that serves them (the
// serve and bot roles call it at start, with box from SECRETS_KEY, nil when
// it is unset). With no club bots stored it needs no key. Otherwise it is
// all or nothing: a missing key, or a row that does not open with this key
// (another key, an altered or moved value), is one error naming the bot,
// and no bot is returned, so nothing is ever sent with a half-read token.
func loadBots(ctx context.Context, db *postgres.DB, box *secret.Box) ([]LiveBot, error) {
	rows, err := db.BotListLive(ctx)
	if err != nil {
		return nil, fmt.Errorf("load the clubs' bots: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if box == nil {
		return nil, fmt.Errorf("load the clubs' bots: %d club bot(s) are stored (bot %d first) but SECRETS_KEY is not set; set the key they were added with", len(rows), rows[0].ID)
	}
	out := make([]LiveBot, 0, len(rows))
	for _, r := range rows {
		token, err := box.Open(r.TokenEnc, secret.RowAAD("bots", r.ID, "token_enc"))
		if err != nil {
			return nil, fmt.Errorf("load the clubs' bots: bot %d of club %d: its token does not open with this SECRETS_KEY (%w)", r.ID, r.ClubID, err)
		}
		if !bytes.Equal(box.Hash(token), r.TokenHash) || r.Channel == postgres.BotChannelTelegram && !botTokenPattern.Match(token) {
			return nil, fmt.Errorf("load the clubs' bots: bot %d of club %d: its token does not match its stored hash", r.ID, r.ClubID)
		}
		hook, err := box.Open(r.WebhookSecretEnc, secret.RowAAD("bots", r.ID, "webhook_secret_enc"))
		if err != nil {
			return nil, fmt.Errorf("load the clubs' bots: bot %d of club %d: its webhook secret does not open with this SECRETS_KEY (%w)", r.ID, r.ClubID, err)
		}
		out = append(out, LiveBot{ID: r.ID, ClubID: r.ClubID, Channel: r.Channel, Username: r.Username,
			Token: secret.NewValue(string(token)), WebhookSecret: secret.NewValue(string(hook))})
	}
	return out, nil
}
