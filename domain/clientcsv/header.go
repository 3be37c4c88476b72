package clientcsv

import (
	"fmt"
	"strings"
)

// column is one field of a client row.
type column int

const (
	colIgnored column = iota // a column with an empty header cell
	colName
	colPhone
	colEmail
	colStatus
	colGroups
)

// columnNames maps a header cell, lower-cased and with spaces, quotes and
// apostrophes removed, to its column. Russian and Ukrainian names are there
// because clubs export their lists from spreadsheets written in those
// languages.
var columnNames = map[string]column{
	"name": colName, "fullname": colName, "client": colName,
	"имя": colName, "фио": colName, "клиент": colName,
	"імя": colName, "піб": colName, "клієнт": colName,

	"phone": colPhone, "phones": colPhone, "tel": colPhone,
	"телефон": colPhone, "телефоны": colPhone, "телефони": colPhone, "тел": colPhone,

	"email": colEmail, "e-mail": colEmail, "mail": colEmail,
	"почта": colEmail, "пошта": colEmail, "электроннаяпочта": colEmail, "електроннапошта": colEmail,

	"status": colStatus, "статус": colStatus,

	"groups": colGroups, "group": colGroups, "directions": colGroups,
	"группы": colGroups, "группа": colGroups, "направления": colGroups,
	"групи": colGroups, "група": colGroups, "напрямки": colGroups,
}

// canonical names the columns in messages.
var canonical = map[column]string{
	colName: "name", colPhone: "phone", colEmail: "email", colStatus: "status", colGroups: "groups",
}

func headerKey(cell string) string {
	cell = strings.ToLower(strings.TrimSpace(cell))
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u00a0', '_', '"', '\'', '’', 'ʼ', '`', '.':
			return -1
		case 'ё':
			return 'е'
		}
		return r
	}, cell)
}

// parseHeader maps the header cells to columns. Every non-empty cell must
// name a known column, once; name and phone must be present. Empty cells
// (the trailing delimiters spreadsheets like to write) are ignored.
func parseHeader(cells []string) ([]column, error) {
	cols := make([]column, len(cells))
	seen := make(map[column]bool)
	for i, cell := range cells {
		if strings.TrimSpace(cell) == "" {
			continue
		}
		c, ok := columnNames[headerKey(cell)]
		if !ok {
			return nil, fmt.Errorf("unknown column %q in the header; the columns are name, phone, email, status, groups", strings.TrimSpace(cell))
		}
		if seen[c] {
			return nil, fmt.Errorf("column %q appears twice in the header", canonical[c])
		}
		seen[c] = true
		cols[i] = c
	}
	for _, c := range []column{colName, colPhone} {
		if !seen[c] {
			return nil, fmt.Errorf("the header has no %q column; the columns are name, phone, email, status, groups", canonical[c])
		}
	}
	return cols, nil
}
