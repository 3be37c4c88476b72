package vibertest

import "encoding/json"

// Message is a send_message request as the fake decoded it, with the
// message_token it answered (0 for a welcome message, which is not sent
// through the API).
type Message struct {
	Receiver string `json:"receiver"`
	Type     string `json:"type"`
	Sender   struct {
		Name   string `json:"name"`
		Avatar string `json:"avatar"`
	} `json:"sender"`
	TrackingData  string    `json:"tracking_data"`
	MinAPIVersion int       `json:"min_api_version"`
	Text          string    `json:"text"`
	Media         string    `json:"media"`
	Size          int       `json:"size"`
	FileName      string    `json:"file_name"`
	Keyboard      *Keyboard `json:"keyboard"`
	RichMedia     *Keyboard `json:"rich_media"`

	Token int64 `json:"-"`
}

// Keyboard is a custom keyboard or a rich_media body.
type Keyboard struct {
	Type            string `json:"Type"`
	InputFieldState string `json:"InputFieldState"`
	DefaultHeight   bool   `json:"DefaultHeight"`
	// ButtonsGroupColumns and ButtonsGroupRows are the size of one card
	// of a rich_media carousel (Viber's defaults: 6 and 7).
	ButtonsGroupColumns int      `json:"ButtonsGroupColumns"`
	ButtonsGroupRows    int      `json:"ButtonsGroupRows"`
	Buttons             []Button `json:"Buttons"`
}

// Button is one key of a Keyboard.
type Button struct {
	Columns    int    `json:"Columns"`
	Rows       int    `json:"Rows"`
	ActionType string `json:"ActionType"`
	ActionBody string `json:"ActionBody"`
	Text       string `json:"Text"`
	TextSize   string `json:"TextSize"`
	Silent     bool   `json:"Silent"`
}

// Labels are the texts of the keyboard's buttons, in order.
func (k *Keyboard) Labels() []string {
	if k == nil {
		return nil
	}
	out := make([]string, len(k.Buttons))
	for i, b := range k.Buttons {
		out[i] = b.Text
	}
	return out
}

// Call is one request to the fake API, as received and as answered.
type Call struct {
	Method        string // "send_message", "set_webhook", ...
	Token         string // X-Viber-Auth-Token
	Raw           []byte // the request body
	Message       *Message
	Status        int // Viber status answered; 0 is ok
	StatusMessage string
}

// User is a person on the phone side of the fake.
type User struct {
	ID       string
	Name     string
	Language string // e.g. "uk"
	Country  string
}

// Delivery is how the webhook answered a callback the fake posted.
type Delivery struct {
	Status int    // HTTP status
	Body   []byte // the response body
	// Welcome is the message answered to conversation_started, if any.
	Welcome *Message
}

// event is a callback as Viber posts it.
type event struct {
	Event        string     `json:"event"`
	Timestamp    int64      `json:"timestamp"`
	ChatHostname string     `json:"chat_hostname,omitempty"`
	MessageToken int64      `json:"message_token"`
	Sender       *eventUser `json:"sender,omitempty"`
	User         *eventUser `json:"user,omitempty"`
	UserID       string     `json:"user_id,omitempty"`
	Type         string     `json:"type,omitempty"`
	Context      string     `json:"context,omitempty"`
	Subscribed   *bool      `json:"subscribed,omitempty"`
	Message      *inMessage `json:"message,omitempty"`
	Silent       bool       `json:"silent,omitempty"`
}

type eventUser struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Avatar     string `json:"avatar,omitempty"`
	Country    string `json:"country,omitempty"`
	Language   string `json:"language,omitempty"`
	APIVersion int    `json:"api_version"`
}

type inMessage struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	Media     string          `json:"media,omitempty"`
	StickerID int64           `json:"sticker_id,omitempty"`
	Location  json.RawMessage `json:"location,omitempty"`
	Contact   json.RawMessage `json:"contact,omitempty"`
}
