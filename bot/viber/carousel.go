package viber

import (
	"strings"
	"unicode/utf8"

	"github.com/clubcrm/clubcrm/domain/chat"
)

// maxCards is the most cards (button groups) a rich_media carousel has:
// its buttons may fill at most 6 groups of ButtonsGroupColumns ×
// ButtonsGroupRows.
const maxCards = 6

// The size of a card: the grid's full width, two lines of label.
const (
	cardColumns = gridColumns
	cardRows    = 2
)

// richMediaAPIVersion is the oldest Viber client API that shows rich_media.
const richMediaAPIVersion = 2

// ActionNone is a button that does nothing when tapped (a carousel's
// heading). Its ActionBody is "none" too: Viber's button schema lists
// ActionBody as required whatever the action.
const ActionNone = "none"

// Carousel renders a list screen (m.ListRows ≥ 2) as one rich_media
// message: the list's heading a card that does nothing when tapped, then
// a card per item whose silent reply button sends the item's callback
// data, as its keyboard button would; the screen's other rows (filters,
// paging, Back) go with it as the chat keyboard, so the last message still
// carries the keyboard in force. Old cards stay tappable, like Telegram's
// inline buttons: their callback data is versioned and re-checked when it
// comes back.
//
// ok is false, and m goes out as text and keyboard, when m is no such list
// (an item row that is not one button with callback data, a picture or a
// file, a Text without a heading line before the items' lines) or when the
// carousel would pass Viber's limits: maxCards cards with the heading, a
// heading of at most maxLabel characters (a longer one is not cut: the
// text form keeps it whole), one request within MaxBody. The message has
// no receiver and sender yet.
func Carousel(m chat.Message) (msg *Message, ok bool) {
	n := m.ListRows
	if n < 2 || n > len(m.Buttons) || n+1 > maxCards || len(m.PNG) > 0 || len(m.Document) > 0 {
		return nil, false
	}
	text := m.Text
	if m.HTML {
		text = PlainText(text)
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) <= n {
		return nil, false
	}
	heading := strings.TrimSpace(strings.Join(lines[:len(lines)-n], "\n"))
	if heading == "" || utf8.RuneCountInString(heading) > maxLabel {
		return nil, false
	}
	cards := []Button{{Columns: cardColumns, Rows: cardRows, ActionType: ActionNone, ActionBody: ActionNone, Text: label(heading), TextSize: "regular"}}
	for _, row := range m.Buttons[:n] {
		if len(row) != 1 || row[0].Data == "" || row[0].URL != "" {
			return nil, false
		}
		cards = append(cards, Button{
			Columns: cardColumns, Rows: cardRows, Text: label(row[0].Text), TextSize: "regular",
			ActionType: ActionReply, ActionBody: row[0].Data, Silent: true,
		})
	}
	msg = &Message{
		Type:          TypeRichMedia,
		MinAPIVersion: richMediaAPIVersion,
		RichMedia: &Keyboard{
			Type: TypeRichMedia, ButtonsGroupColumns: cardColumns, ButtonsGroupRows: cardRows, Buttons: cards,
		},
		Keyboard: NewKeyboard(m.Buttons[n:]),
	}
	raw, err := Marshal(msg)
	if err != nil || len(raw) > MaxBody-envelopeReserve {
		return nil, false
	}
	return msg, true
}
