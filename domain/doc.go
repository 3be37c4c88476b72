// Package domain holds clubcrm's types and rules: clubs, staff, clients, the four
// task types, templates, results and their additional fields, dictionaries,
// workflow rules, calls and funnel stages, together with the pure functions that
// decide what is allowed (status transitions, result validation, permissions,
// workflow resolution).
//
// It imports only the standard library. Everything that does I/O lives in a
// subpackage named after the dependency it wraps (domain/postgres) or in the
// bot, jobs and scheduler packages, which import this one and never the other
// way round. Rules take the current time as an argument so callers (and tests)
// control the clock.
package domain
