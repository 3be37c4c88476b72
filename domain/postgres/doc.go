// Package postgres is clubcrm's store: the only package that imports pgx. It
// owns the embedded SQL migrations, the connection pool, the transactional use
// cases (record a result together with its outbox row, fan a bulk call out in
// chunks, ...) and the mapping of pgx errors to the domain's sentinel errors.
//
// One file per table or use case; methods are named noun-then-verb
// (TaskGet, TaskListOpen, ClientImport). Every query on tenant data is scoped
// by club id.
package postgres
