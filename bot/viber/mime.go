package viber

import (
	"mime"
	"path"
)

// contentType guesses a document's type from its name: the XLSX reports
// are the usual case.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case ".csv":
		return "text/csv; charset=utf-8"
	case ".pdf":
		return "application/pdf"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}
