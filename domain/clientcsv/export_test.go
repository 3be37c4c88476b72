package clientcsv

import "io"

// ParseMax is Parse with a smaller file limit, so that a test of the limit
// does not read a gigabyte.
func ParseMax(r io.Reader, phoneCode string, maxBytes int64) (Result, error) {
	return parse(r, phoneCode, maxBytes)
}
