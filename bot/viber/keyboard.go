package viber

import (
	"strings"
	"unicode/utf8"

	"github.com/clubcrm/clubcrm/domain/chat"
)

// gridColumns is the width of Viber's keyboard grid.
const gridColumns = 6

// maxLabel is the longest button label Viber shows, in characters.
const maxLabel = 250

// NewKeyboard lays rows of buttons out on Viber's 6-column grid: each row
// of the screen becomes one or more lines of the grid (at most 6 buttons a
// line, split evenly: a 7-day calendar week is 4 then 3), the buttons of a
// line sharing its 6 columns (the first ones a column wider when they do
// not divide evenly). A button with Data becomes a silent reply button
// whose ActionBody is that data, so a tap comes back as a message carrying
// the same callback data as on Telegram; a button with a URL opens it.
// Empty rows are skipped; no buttons at all gives nil.
func NewKeyboard(rows [][]chat.Button) *Keyboard {
	var buttons []Button
	for _, row := range rows {
		for len(row) > 0 {
			lines := (len(row) + gridColumns - 1) / gridColumns
			n := (len(row) + lines - 1) / lines // this line's share, balanced
			line := row[:n]
			row = row[n:]
			for i, b := range line {
				cols := gridColumns / n
				if i < gridColumns%n {
					cols++
				}
				buttons = append(buttons, button(b, cols))
			}
		}
	}
	if len(buttons) == 0 {
		return nil
	}
	return &Keyboard{Type: "keyboard", InputFieldState: "regular", Buttons: buttons}
}

func button(b chat.Button, cols int) Button {
	out := Button{Columns: cols, Rows: 1, Text: label(b.Text), TextSize: "regular"}
	if b.URL != "" {
		out.ActionType, out.ActionBody = ActionOpenURL, b.URL
	} else {
		out.ActionType, out.ActionBody, out.Silent = ActionReply, b.Data, true
	}
	return out
}

// label escapes the characters Viber's button markup would read as tags
// and cuts the label to what Viber shows.
func label(s string) string {
	if utf8.RuneCountInString(s) > maxLabel {
		s = string([]rune(s)[:maxLabel-1]) + "…"
	}
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
