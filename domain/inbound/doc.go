// Package inbound holds the pure rules of events that come from outside the
// messenger: a lead from the club's site, a call from the phone system, an
// event from the club-management system. It reads and normalises their
// payloads and makes API keys; it does no I/O (the store is
// domain/postgres, the HTTP side is cmd/clubcrm, processing is jobs).
package inbound
