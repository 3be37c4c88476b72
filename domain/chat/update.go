package chat

import "time"

// Update is one thing a person did, as every channel reports it: a message
// or a tap on a button. Channels translate their own updates into this (and
// drop what the bot does not handle); the bot reads nothing else, and trusts
// nothing in it but From, which the channel authenticated.
type Update struct {
	// ID is the channel's id of the update (Telegram's update_id, Viber's
	// message_token), for logs.
	ID string
	// Chat is where to answer: the private chat with From, or a group.
	Chat Address
	// Private: Chat is a one-to-one chat with From. The bot talks about
	// clients and tasks only there.
	Private bool
	From    User
	// Date is when the channel received the update; zero if it does not say.
	Date time.Time

	// Exactly one of Message and Tap is set.
	Message *Incoming
	Tap     *Tap
}

// User is the person behind an update, as the channel names them.
type User struct {
	ID        string // the channel's user id (Telegram's number as text, Viber's id)
	Name      string // display name
	Username  string // @username where the channel has one
	FirstName string
	LastName  string
	Language  string // IETF tag the person's app reports ("uk", "en-US"); may be empty
	IsBot     bool
}

// Incoming is a message the person sent.
type Incoming struct {
	ID int64 // the channel's message id; 0 if it has none
	// Text is the text or a media caption, as sent (not trimmed).
	Text string
	// Media: the message carries something the bot does not read (a
	// sticker, photo, voice, location, contact). With no Text, the bot
	// answers that it expects text.
	Media bool
}

// Tap is a press on a button the bot sent.
type Tap struct {
	ID string // the channel's id of the tap, to acknowledge it; may be empty
	// Data is the button's callback data: untrusted, decode with
	// domain/callback and check every id against the person's club.
	Data string
	// MessageID is the message the button sits on; 0 if unknown or if the
	// channel's keyboards do not belong to a message (Viber).
	MessageID int64
}
