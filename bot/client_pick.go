package bot

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/clubcrm/clubcrm/domain"
	"github.com/clubcrm/clubcrm/domain/chat"
)

// The "which client?" step shared by /new and /call: the person types part of
// a name or a phone number and taps one of the matches, or creates the
// client on the spot (name, then phone, normalised with the club's country
// code). A phone that already belongs to a client offers that client instead
// of a duplicate.

// Client step button operations.
const (
	opClient    = "cl" // arg: client id
	opNewClient = "nc" // create a client
)

// clientSearchLimit is how many matches are offered as buttons.
const clientSearchLimit = 8

// Client step modes.
const (
	pickSearch = ""      // typing a name or phone to search
	pickName   = "name"  // new client: typing the name
	pickPhone  = "phone" // new client: typing the phone
	pickTaken  = "taken" // new client: the phone typed belongs to Taken
)

// clientBrief is a client as the step shows it.
type clientBrief struct {
	ID    int64  `json:"id"`
	Name  string `json:"n"`
	Phone string `json:"p,omitempty"`
}

func briefOf(c domain.Client) clientBrief {
	b := clientBrief{ID: c.ID, Name: c.Name}
	if len(c.Phones) > 0 {
		b.Phone = c.Phones[0]
	}
	return b
}

// label is the client's button text: "Olena Petrenko · +380661234567".
func (c clientBrief) label() string {
	if c.Phone == "" {
		return c.Name
	}
	return c.Name + " · " + c.Phone
}

// clientPick is the client step's state.
type clientPick struct {
	Mode  string        `json:"m,omitempty"`
	Query string        `json:"q,omitempty"` // the last search
	Found []clientBrief `json:"f,omitempty"` // its matches, to redraw them
	Name  string        `json:"n,omitempty"` // new client: the name typed
	Taken clientBrief   `json:"t,omitzero"`  // new client: who has the phone typed
}

// clientStep applies one input to the client step. picked is set when a
// client was chosen or created; out when Back left the step.
func (b *Bot) clientStep(r *request, st clientPick, in formInput) (next clientPick, picked *clientBrief, out bool, err error) {
	switch in.Op {
	case opBack:
		next, out := st.back()
		return next, nil, out, nil
	case opClient:
		id, perr := strconv.ParseInt(in.Arg, 10, 64)
		if perr != nil || id <= 0 {
			return st, nil, false, errBadButton
		}
		c, gerr := b.db.ClientGet(r.ctx, r.club.ID, id)
		if errors.Is(gerr, domain.ErrNotFound) {
			return st, nil, false, errBadButton // forged, another club's, or deleted
		}
		if gerr != nil {
			return st, nil, false, gerr
		}
		br := briefOf(c)
		return st.picked(), &br, false, nil
	case opNewClient:
		st.Mode, st.Name, st.Taken = pickName, "", clientBrief{}
		return st, nil, false, nil
	case "":
	default:
		return st, nil, false, errBadButton
	}

	text := strings.TrimSpace(in.Text)
	switch st.Mode {
	case pickSearch:
		found, serr := b.db.ClientSearch(r.ctx, r.club.ID, text, clientSearchLimit)
		if serr != nil {
			return st, nil, false, searchError(serr)
		}
		st.Query, st.Found = text, nil
		for _, c := range found {
			st.Found = append(st.Found, briefOf(c))
		}
		return st, nil, false, nil
	case pickName:
		if text == "" {
			return st, nil, false, &formError{ID: "forms.err.empty"}
		}
		if n := utf8.RuneCountInString(text); n > domain.MaxNameLen {
			return st, nil, false, &formError{ID: "forms.err.too_long", Data: map[string]any{"Limit": domain.MaxNameLen}}
		}
		st.Name, st.Mode = text, pickPhone
		return st, nil, false, nil
	default: // pickPhone, pickTaken: a phone number (another one after "taken")
		phone, perr := domain.NormalizePhone(text, r.club.PhoneCode)
		if perr != nil {
			return st, nil, false, &formError{ID: "forms.client.phone_invalid"}
		}
		c, cerr := b.db.ClientCreate(r.ctx, domain.Client{ClubID: r.club.ID, Name: st.Name, Phones: []string{phone}})
		var de *domain.Error
		if errors.As(cerr, &de) && de.Code == domain.CodePhoneTaken {
			id, _ := de.Args["client_id"].(int64)
			name, _ := de.Args["client"].(string)
			st.Mode, st.Taken = pickTaken, clientBrief{ID: id, Name: name, Phone: phone}
			return st, nil, false, nil
		}
		if errors.As(cerr, &de) && errors.Is(cerr, domain.ErrInvalid) {
			return st, nil, false, textError(cerr)
		}
		if cerr != nil {
			return st, nil, false, cerr
		}
		// Back from the next step shows the new client as the one match.
		br := briefOf(c)
		return clientPick{Query: br.Name, Found: []clientBrief{br}}, &br, false, nil
	}
}

// picked is the step's state once a client is chosen: the search stays, so
// Back from the next step shows it again.
func (st clientPick) picked() clientPick {
	return clientPick{Query: st.Query, Found: st.Found}
}

// back is the previous screen of the step; out is true from the search,
// the step's first screen.
func (st clientPick) back() (next clientPick, out bool) {
	switch st.Mode {
	case pickPhone:
		st.Mode = pickName
	case pickName, pickTaken:
		st.Mode, st.Name, st.Taken = pickSearch, "", clientBrief{}
	default:
		return clientPick{}, true
	}
	return st, false
}

// searchError turns a refused search into what the person is told.
func searchError(err error) error {
	switch domain.ErrorCode(err) {
	case domain.CodeTooLong:
		var de *domain.Error
		errors.As(err, &de)
		return &formError{ID: "forms.err.too_long", Data: map[string]any{"Limit": de.Args["limit"]}}
	case domain.CodeSearchQueryEmpty:
		return &formError{ID: "forms.err.empty"}
	}
	return err
}

// clientView draws the client step under a header naming the form.
func (b *Bot) clientView(r *request, header string, st clientPick, data buttonData) (string, [][]chat.Button) {
	var text strings.Builder
	text.WriteString(header + "\n\n")
	var kb [][]chat.Button
	switch st.Mode {
	case pickName:
		text.WriteString(r.t("forms.client.new_name", nil))
	case pickPhone:
		text.WriteString(r.t("forms.client.new_phone", map[string]any{"Name": esc(st.Name)}))
	case pickTaken:
		text.WriteString(r.t("forms.client.taken", map[string]any{"Phone": esc(st.Taken.Phone), "Name": esc(st.Taken.Name)}))
		kb = append(kb, row(dataBtn(r.t("forms.client.use", map[string]any{"Name": st.Taken.Name}), data(opClient, st.Taken.ID))))
	default:
		switch {
		case st.Query == "":
			text.WriteString(r.t("forms.client.search", nil))
		case len(st.Found) == 0:
			text.WriteString(r.t("forms.client.none", map[string]any{"Query": esc(st.Query)}))
		default:
			text.WriteString(r.t("forms.client.found", map[string]any{"Query": esc(st.Query)}))
		}
		for _, c := range st.Found {
			kb = append(kb, row(dataBtn(c.label(), data(opClient, c.ID))))
		}
		kb = append(kb, row(dataBtn(r.t("forms.client.new", nil), data(opNewClient))))
	}
	kb = append(kb, row(dataBtn(r.t("common.back", nil), data(opBack)), dataBtn(r.t("common.cancel", nil), data(opCancel))))
	return text.String(), kb
}
