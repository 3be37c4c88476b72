package postgres_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/clubcrm/clubcrm/domain/postgres"
)

// suffixTwins says whether the method names a and b differ only by a
// suffix that inflects a's last word ("Completed" after "Complete", "Runs"
// after "Run") or adds "At" (a timestamp read beside the write that sets
// it). Such a pair is a writer and a reader the method list cannot tell
// apart; the writer takes a verb instead (OutboxMarkDone beside
// OutboxCompleted). A suffix that is a word of its own ("Live", "Explain")
// names a different read and is fine.
func suffixTwins(a, b string) bool {
	if len(b) < len(a) {
		a, b = b, a
	}
	rest, ok := strings.CutPrefix(b, a)
	if !ok || rest == "" {
		return false
	}
	return rest == "At" || unicode.IsLower(rune(rest[0]))
}

func TestSuffixTwinsRule(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"OutboxComplete", "OutboxCompleted", true}, // the names before issue 10
		{"DailyRunSent", "DailyRunSentAt", true},
		{"DailyRunSentAt", "DailyRunSent", true},
		{"ClubList", "ClubLists", true},
		{"OutboxMarkDone", "OutboxCompleted", false},
		{"DailyRunMarkSent", "DailyRunSentAt", false},
		{"BotList", "BotListLive", false},
		{"ReminderListDue", "ReminderListDueExplain", false},
		{"FanoutChunk", "FanoutChunkPlan", false},
		{"StaffGet", "StaffGet", false},
		{"Staff", "Club", false},
	} {
		if got := suffixTwins(c.a, c.b); got != c.want {
			t.Errorf("suffixTwins(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestStoreMethodNamesTellWritersFromReaders keeps issue 10's naming rule:
// no two methods of the store differ only by a suffix such as "d", "ed",
// "s" or "At" (see suffixTwins).
func TestStoreMethodNamesTellWritersFromReaders(t *testing.T) {
	typ := reflect.TypeOf(&postgres.DB{})
	if typ.NumMethod() < 50 {
		t.Fatalf("the store has %d methods: the reflection does not see them", typ.NumMethod())
	}
	names := make([]string, typ.NumMethod())
	for i := range names {
		names[i] = typ.Method(i).Name
	}
	for i, a := range names {
		for _, b := range names[i+1:] {
			if suffixTwins(a, b) {
				t.Errorf("%s and %s differ only by a suffix: name the writer with a verb (…Mark…, …Set…)", a, b)
			}
		}
	}
}
