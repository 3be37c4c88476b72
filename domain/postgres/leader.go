package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// ErrLockHeld is returned by LeaderLockTry when another session holds the lock.
var ErrLockHeld = fmt.Errorf("%w: advisory lock held by another session", domain.ErrConflict)

// LeaderLock is a PostgreSQL session-level advisory lock held on a connection
// of its own. The lock lives exactly as long as that session: if the holder
// dies, or its connection does, the server releases it and another process
// can take it. The connection is taken out of the pool for good (a session
// lock on a pooled connection would be handed to whoever borrowed it next).
// It is safe for concurrent use (a pgx.Conn is not: calls take turns).
type LeaderLock struct {
	mu   sync.Mutex
	conn *pgx.Conn
	key  int64
}

// leaderSessionSettings make the server notice a vanished holder quickly,
// rather than after the kernel's two-hour keepalive: TCP keepalives probe an
// idle connection after 10 s, and idle_session_timeout ends a session that
// sent nothing for 30 s. The holder pings every few seconds (Alive), so only
// a holder that is gone, hung or cut off trips it; its lock is then free
// within about half a minute.
const leaderSessionSettings = `
SELECT set_config('tcp_keepalives_idle', '10', false),
       set_config('tcp_keepalives_interval', '5', false),
       set_config('tcp_keepalives_count', '3', false),
       set_config('idle_session_timeout', '30s', false)`

// LeaderLockTry tries once to take the advisory lock key on a dedicated
// connection. It returns ErrLockHeld when another session holds it.
func (db *DB) LeaderLockTry(ctx context.Context, key int64) (*LeaderLock, error) {
	pc, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("leader lock: connect: %w", err)
	}
	conn := pc.Hijack()
	fail := func(err error) (*LeaderLock, error) {
		closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
		return nil, err
	}
	if _, err := conn.Exec(ctx, leaderSessionSettings); err != nil {
		return fail(fmt.Errorf("leader lock: session settings: %w", err))
	}
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil {
		return fail(fmt.Errorf("leader lock: %w", err))
	}
	if !got {
		return fail(ErrLockHeld)
	}
	return &LeaderLock{conn: conn, key: key}, nil
}

// Alive checks, within ctx, that the connection answers and its session
// still holds the lock. An error means leadership is lost (or cannot be
// proved): the holder must stop acting as leader.
func (l *LeaderLock) Alive(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var held bool
	// A bigint key is stored as classid = high 32 bits, objid = low 32 bits,
	// objsubid = 1.
	err := l.conn.QueryRow(ctx, `
SELECT EXISTS (
    SELECT 1 FROM pg_locks
    WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objsubid = 1
      AND classid = (($1::bigint >> 32) & 4294967295)::bigint::oid
      AND objid = ($1::bigint & 4294967295)::bigint::oid)`, l.key).Scan(&held)
	if err != nil {
		return fmt.Errorf("leader lock: check: %w", err)
	}
	if !held {
		return errors.New("leader lock: session no longer holds the lock")
	}
	return nil
}

// Release gives the lock up and closes the connection. Closing alone would
// release it too; unlocking first makes the hand-over immediate even if the
// close is slow.
func (l *LeaderLock) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, unlockErr := l.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, l.key)
	closeErr := l.conn.Close(ctx)
	if err := errors.Join(unlockErr, closeErr); err != nil {
		return fmt.Errorf("leader lock: release: %w", err)
	}
	return nil
}

// PID returns the server process id of the lock's session, so tests can
// terminate it to simulate a leader whose connection died.
func (l *LeaderLock) PID() uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conn.PgConn().PID()
}
