package clientcsv

import (
	"bytes"
	"fmt"
	"io"
)

// Limits on the file. A real client list is well inside them; a wrong file
// (a database dump, a log, one enormous cell) is refused with one line.
//
// Memory does not depend on the file's size: rows are read and stored one at
// a time (postgres.ClientImportStream). It depends on a line's, as
// encoding/csv keeps a whole record, hence MaxLineBytes. MaxFileBytes only
// bounds what one transaction stages in the database (about ten million
// rows, minutes of work) and tells someone who picked the wrong file.
const (
	MaxFileBytes = 1 << 30  // 1 GB
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
	max     int64 // MaxFileBytes, lower in tests
	total   int64
	line    int // 1-based line being read
	lineLen int
}

func newLimitReader(r io.Reader, maxBytes int64) *limitReader {
	return &limitReader{r: r, max: maxBytes, line: 1}
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.total += int64(n)
	if l.total > l.max {
		return 0, tooLarge(l.max)
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

// TooLarge is the error of a file over MaxFileBytes, for a caller that
// checks the file's size before reading it.
func TooLarge() *LimitError { return tooLarge(MaxFileBytes) }

func tooLarge(maxBytes int64) *LimitError {
	size := fmt.Sprintf("%d MB", maxBytes>>20)
	if maxBytes%(1<<30) == 0 {
		size = fmt.Sprintf("%d GB", maxBytes>>30)
	}
	return &LimitError{Message: "the file is larger than " + size + "; split it into smaller files"}
}
