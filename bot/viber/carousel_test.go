package viber_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/clubcrm/clubcrm/bot/viber"
	"github.com/clubcrm/clubcrm/bot/vibertest"
	"github.com/clubcrm/clubcrm/domain/callback"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// list is a list screen of n items as the bot draws one: a heading line,
// a line and a button per item, then a filter row and a Back row.
func list(n int) chat.Message {
	lines := []string{"<b>My tasks</b> · " + fmt.Sprint(n) + " tasks"}
	var kb [][]chat.Button
	for i := 1; i <= n; i++ {
		lines = append(lines, fmt.Sprintf("%d. Call · Client %d — today", i, i))
		kb = append(kb, []chat.Button{{Text: fmt.Sprintf("%d. Client %d", i, i), Data: callback.New(callback.ActionTaskCard, int64(i))}})
	}
	kb = append(kb,
		[]chat.Button{{Text: "Today", Data: callback.New(callback.ActionTaskList, "t", 0)}, {Text: "All", Data: callback.New(callback.ActionTaskList, "a", 0)}},
		[]chat.Button{{Text: "Back", Data: callback.New(callback.ActionControl)}},
	)
	return chat.Message{Text: strings.Join(lines, "\n"), HTML: true, Buttons: kb, ListRows: n}
}

// A list goes out as ONE rich_media message: the heading a card that does
// nothing, a silent reply card per item, the other rows the keyboard sent
// with it. A card's tap comes back as its callback data; Answer keeps the
// filters' keyboard; the send is counted once.
func TestSendListAsOneCarousel(t *testing.T) {
	t.Parallel()
	f := setup(t)
	subscribed(t, f, olena)
	m := list(3)
	if n := f.ch.Pieces(m); n != 1 {
		t.Fatalf("Pieces %d, want 1", n)
	}
	id, err := f.ch.Send(t.Context(), addr(olena), m)
	if err != nil {
		t.Fatal(err)
	}
	ms := f.bot.Messages(olena.ID)
	if len(ms) != 1 {
		t.Fatalf("%d messages, want 1", len(ms))
	}
	got := ms[0]
	if got.Type != "rich_media" || got.Token != id || got.Text != "" || got.MinAPIVersion < 2 || got.Sender.Name != "ClubCRM" {
		t.Fatalf("message %+v (id %d)", got, id)
	}
	rm := got.RichMedia
	if rm.Type != "rich_media" || rm.ButtonsGroupColumns != 6 || rm.ButtonsGroupRows != 2 {
		t.Fatalf("rich_media %+v", rm)
	}
	want := []vibertest.Button{{Columns: 6, Rows: 2, ActionType: "none", ActionBody: "none", Text: "My tasks · 3 tasks", TextSize: "regular"}}
	for i := 1; i <= 3; i++ {
		want = append(want, vibertest.Button{Columns: 6, Rows: 2, ActionType: "reply", ActionBody: m.Buttons[i-1][0].Data,
			Text: fmt.Sprintf("%d. Client %d", i, i), TextSize: "regular", Silent: true})
	}
	if len(rm.Buttons) != len(want) {
		t.Fatalf("cards %q, want %d", rm.Labels(), len(want))
	}
	for i := range want {
		if rm.Buttons[i] != want[i] {
			t.Errorf("card %d: %+v, want %+v", i, rm.Buttons[i], want[i])
		}
	}
	if labels := strings.Join(f.bot.Keyboard(olena.ID).Labels(), "|"); labels != "Today|All|Back" {
		t.Fatalf("keyboard %q, want the filters and Back", labels)
	}
	if n := f.metrics.billable.Load(); n != 1 {
		t.Fatalf("billable %d, want the one message", n)
	}

	mustDeliver(t, http.StatusOK)(f.bot.Tap(olena, "2. Client 2"))
	if ups := f.got.await(t, 1); ups[0].Tap == nil || ups[0].Tap.Data != m.Buttons[1][0].Data {
		t.Fatalf("tap on a card: %+v", ups[0])
	}
	if err := f.ch.Answer(t.Context(), addr(olena), &chat.Tap{}, "Out of date", false); err != nil {
		t.Fatal(err)
	}
	if labels := strings.Join(f.bot.Keyboard(olena.ID).Labels(), "|"); labels != "Today|All|Back" {
		t.Fatalf("answer's keyboard %q, want the filters and Back", labels)
	}
}

// A screen that is not a carousel list, or whose carousel would pass
// Viber's limits, goes out as before: text and a keyboard of every row.
func TestListFallsBackToKeyboard(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		m    func() chat.Message
	}{
		{"no list", func() chat.Message { m := list(3); m.ListRows = 0; return m }},
		{"one item", func() chat.Message { return list(1) }},
		{"six items: seven cards", func() chat.Message { return list(6) }},
		{"ten items", func() chat.Message { return list(10) }},
		{"more rows than buttons", func() chat.Message { m := list(3); m.ListRows = 9; return m }},
		{"no heading line", func() chat.Message {
			m := list(3)
			m.Text = m.Text[strings.Index(m.Text, "\n")+1:]
			return m
		}},
		{"heading over 250 characters", func() chat.Message {
			m := list(3)
			m.Text = strings.Repeat("h", 251) + "\n" + m.Text
			return m
		}},
		{"two buttons an item", func() chat.Message {
			m := list(3)
			m.Buttons[1] = append(m.Buttons[1], chat.Button{Text: "Take", Data: callback.New(callback.ActionTaskTake, 2)})
			return m
		}},
		{"a link item", func() chat.Message {
			m := list(3)
			m.Buttons[1] = []chat.Button{{Text: "Site", URL: "https://example.com"}}
			return m
		}},
		{"with a chart", func() chat.Message { m := list(3); m.PNG = []byte("\x89PNG\r\n\x1a\n"); return m }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.m()
			if _, ok := viber.Carousel(m); ok {
				t.Fatal("drawn as a carousel")
			}
		})
	}
	f := setup(t)
	subscribed(t, f, olena)
	m := list(6)
	if _, err := f.ch.Send(t.Context(), addr(olena), m); err != nil {
		t.Fatal(err)
	}
	ms := f.bot.Messages(olena.ID)
	if len(ms) != 1 || ms[0].Type != "text" || ms[0].RichMedia != nil || !strings.Contains(ms[0].Text, "6. Call · Client 6") {
		t.Fatalf("messages %+v, want one text with every line", ms)
	}
	if labels := f.bot.Keyboard(olena.ID).Labels(); len(labels) != 6+3 {
		t.Fatalf("keyboard %q, want the items, filters and Back", labels)
	}
}

// A heading of several lines (a club's name above the list's title) is one
// card; a carousel whose request would pass 30 KB is not drawn.
func TestCarouselHeadingAndSize(t *testing.T) {
	t.Parallel()
	m := list(2)
	m.Text = "🏢 <b>Alpha &amp; Co</b>\n" + m.Text
	msg, ok := viber.Carousel(m)
	if !ok {
		t.Fatal("not drawn")
	}
	if h := msg.RichMedia.Buttons[0].Text; h != "🏢 Alpha &amp; Co\nMy tasks · 2 tasks" {
		t.Fatalf("heading %q", h)
	}
	if _, ok := viber.Carousel(list(5)); !ok {
		t.Fatal("five items and the heading, six cards, not drawn")
	}
	big := list(5)
	for i := range 5 {
		big.Buttons[i][0].Data = strings.Repeat("d", 6000)
	}
	if _, ok := viber.Carousel(big); ok {
		t.Fatal("a carousel over 30 KB drawn")
	}
}
