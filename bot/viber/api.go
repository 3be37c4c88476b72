package viber

// The JSON shapes of the Viber REST Bot API that the client sends and the
// webhook reads. Field names follow Viber's documentation; keyboards and
// buttons use Viber's capitalised names.

// Sender is the name and avatar a bot's messages show (name ≤ 28
// characters, avatar an image URL ≤ 100 KB).
type Sender struct {
	Name   string `json:"name"`
	Avatar string `json:"avatar,omitempty"`
}

// Message is the body of send_message, and of the welcome message returned
// in the response to conversation_started (there without Receiver).
type Message struct {
	Receiver      string    `json:"receiver,omitempty"`
	Type          string    `json:"type"` // text, picture, file, rich_media
	Sender        Sender    `json:"sender"`
	TrackingData  string    `json:"tracking_data,omitempty"`
	MinAPIVersion int       `json:"min_api_version,omitempty"`
	Text          string    `json:"text,omitempty"`
	Media         string    `json:"media,omitempty"`     // picture, file: an HTTPS URL
	Size          int       `json:"size,omitempty"`      // file: bytes
	FileName      string    `json:"file_name,omitempty"` // file
	RichMedia     *Keyboard `json:"rich_media,omitempty"`
	Keyboard      *Keyboard `json:"keyboard,omitempty"`
}

// Message types the channel sends.
const (
	TypeText      = "text"
	TypePicture   = "picture"
	TypeFile      = "file"
	TypeRichMedia = "rich_media"
)

// Keyboard is a custom keyboard (Type "keyboard"), or the body of a
// rich_media message (Type "rich_media"), as a grid of buttons 6 columns
// wide.
type Keyboard struct {
	Type                string   `json:"Type"`
	DefaultHeight       bool     `json:"DefaultHeight,omitempty"`
	InputFieldState     string   `json:"InputFieldState,omitempty"`
	ButtonsGroupColumns int      `json:"ButtonsGroupColumns,omitempty"`
	ButtonsGroupRows    int      `json:"ButtonsGroupRows,omitempty"`
	Buttons             []Button `json:"Buttons"`
}

// Button is one key of a Keyboard. For ActionType "reply" Viber sends
// ActionBody back as the person's message; Silent keeps that message out of
// the chat's history.
type Button struct {
	Columns    int    `json:"Columns"`
	Rows       int    `json:"Rows"`
	ActionType string `json:"ActionType"` // reply, open-url, none
	ActionBody string `json:"ActionBody"`
	Text       string `json:"Text,omitempty"`
	TextSize   string `json:"TextSize,omitempty"`
	Silent     bool   `json:"Silent,omitempty"`
}

// Button actions.
const (
	ActionReply   = "reply"
	ActionOpenURL = "open-url"
)

// response is the envelope of every answer: status 0 is success.
type response struct {
	Status        int    `json:"status"`
	StatusMessage string `json:"status_message"`
	MessageToken  int64  `json:"message_token"`
}

// AccountInfo is what get_account_info says about the bot.
type AccountInfo struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	URI              string   `json:"uri"`
	Icon             string   `json:"icon"`
	Webhook          string   `json:"webhook"`
	EventTypes       []string `json:"event_types"`
	SubscribersCount int      `json:"subscribers_count"`
}

// UserDetails is what get_user_details says about a person.
type UserDetails struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Avatar     string `json:"avatar"`
	Country    string `json:"country"`
	Language   string `json:"language"`
	APIVersion int    `json:"api_version"`
}

// Event is a callback Viber posts to the webhook.
type Event struct {
	Event        string `json:"event"`
	Timestamp    int64  `json:"timestamp"` // milliseconds
	MessageToken int64  `json:"message_token"`
	// message
	Sender  *EventUser `json:"sender,omitempty"`
	Message *InMessage `json:"message,omitempty"`
	// conversation_started, subscribed
	User       *EventUser `json:"user,omitempty"`
	Context    string     `json:"context,omitempty"`
	Subscribed bool       `json:"subscribed,omitempty"`
	// unsubscribed, delivered, seen, failed
	UserID string `json:"user_id,omitempty"`
	Desc   string `json:"desc,omitempty"`
}

// EventUser is the person in a callback.
type EventUser struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Avatar     string `json:"avatar,omitempty"`
	Country    string `json:"country,omitempty"`
	Language   string `json:"language,omitempty"`
	APIVersion int    `json:"api_version,omitempty"`
}

// InMessage is the person's message in a "message" callback.
type InMessage struct {
	Type         string `json:"type"` // text, picture, video, file, sticker, contact, url, location
	Text         string `json:"text,omitempty"`
	Media        string `json:"media,omitempty"`
	TrackingData string `json:"tracking_data,omitempty"`
	StickerID    int64  `json:"sticker_id,omitempty"`
}

// Callback event names.
const (
	EventWebhook             = "webhook"
	EventMessage             = "message"
	EventConversationStarted = "conversation_started"
	EventSubscribed          = "subscribed"
	EventUnsubscribed        = "unsubscribed"
	EventDelivered           = "delivered"
	EventSeen                = "seen"
	EventFailed              = "failed"
)
