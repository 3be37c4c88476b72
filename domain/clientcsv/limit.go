package clientcsv

import (
	"bytes"
	"fmt"
	"io"
)

// Limits on the file as a whole. A real client list is well inside them; a
// wrong file (a database dump, a log, one enormous cell) is refused with one
// line before it is held in memory: encoding/csv keeps a whole record, and
// the import keeps every row until it is stored in one transaction.
const (
	MaxFileBytes = 5 << 20  // about 70,000 rows; the rows are held until stored in one transaction
	MaxLineBytes = 64 << 10 // a row of the longest name, email, notes and phones fits many times
)

// LimitError is a file that breaks a limit: nothing of it is imported.
type LimitError struct {
	Line    int // the line that broke it; 0 for the file's size
	Message string
}

func (e *LimitError) Error() string {
	if e.Line == 0 {
		return e.Message
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Message)
}

// limitReader passes a file through, failing with a *LimitError as soon as
// the file grows past MaxFileBytes or one line past MaxLineBytes, so neither
// is ever buffered whole.
type limitReader struct {
	r       io.Reader
	total   int64
	line    int // 1-based line being read
	lineLen int
}

func newLimitReader(r io.Reader) *limitReader { return &limitReader{r: r, line: 1} }

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.total += int64(n)
	if l.total > MaxFileBytes {
		return 0, &LimitError{Message: fmt.Sprintf("the file is larger than %d MB; split it into smaller files", MaxFileBytes>>20)}
	}
	b := p[:n]
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			l.lineLen += len(b)
			break
		}
		l.lineLen += i
		if l.lineLen > MaxLineBytes {
			break
		}
		l.line++
		l.lineLen = 0
		b = b[i+1:]
	}
	if l.lineLen > MaxLineBytes {
		return 0, &LimitError{Line: l.line, Message: fmt.Sprintf("the line is longer than %d KB; a client row is far shorter: is this the client list?", MaxLineBytes>>10)}
	}
	return n, err
}
