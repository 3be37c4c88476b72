package jobs

import "strings"

// noticeDescLen is how many characters of a description a notice quotes.
const noticeDescLen = 30

// noticeButtonLen is how much of a task's label an "Open" button carries:
// enough of it to tell two tasks of one template apart on a phone.
const noticeButtonLen = 48

// noticeTaskLabel names a task in a notice's line (the overdue notice, the
// morning list, the digest's overdue list) so that tasks can be told apart:
// a title is the template's name unless someone typed one, so two tasks of
// one template read the same by title alone. The label adds what differs
// between them: the client, and the start of the description's first line
// in «», each when there is one and the title does not already say it
// ("Internal task · «Order water for the…»", "Call · Anna K."). The line
// itself adds the due time.
func noticeTaskLabel(title, client, description string) string {
	parts := []string{title}
	if client != "" && !strings.Contains(title, client) {
		parts = append(parts, client)
	}
	desc, _, _ := strings.Cut(strings.TrimSpace(description), "\n")
	if desc = strings.TrimSpace(desc); desc != "" {
		parts = append(parts, "«"+shorten(desc, noticeDescLen)+"»")
	}
	return strings.Join(parts, " · ")
}
