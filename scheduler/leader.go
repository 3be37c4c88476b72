package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/clubcrm/clubcrm/domain/postgres"
)

// LeaderLockKey is the advisory lock key the schedulers of one database
// contend for: "clubschd" in ASCII, arbitrary but fixed.
const LeaderLockKey int64 = 0x636c7562_73636864

// Locker elects the leader: TryLock returns a Lease when this process now
// leads, ErrNotLeader when another does.
type Locker interface {
	TryLock(ctx context.Context) (Lease, error)
}

// Lease is held leadership. Its methods may be called concurrently: every
// sweep of a minute checks Alive at the same moment.
type Lease interface {
	// Alive reports an error when leadership is lost or cannot be proved.
	Alive(ctx context.Context) error
	// Release gives leadership up.
	Release(ctx context.Context) error
}

// ErrNotLeader: another process leads.
var ErrNotLeader = errors.New("another scheduler leads")

// PGLocker elects the leader with a PostgreSQL session advisory lock held on
// a dedicated connection (postgres.LeaderLock). If the leader dies or its
// connection does, the server drops the lock and a follower takes it at its
// next try.
type PGLocker struct {
	DB  *postgres.DB
	Key int64
}

// NewPGLocker returns a locker on db with LeaderLockKey.
func NewPGLocker(db *postgres.DB) PGLocker { return PGLocker{DB: db, Key: LeaderLockKey} }

// TryLock tries once to take the lock.
func (l PGLocker) TryLock(ctx context.Context) (Lease, error) {
	lock, err := l.DB.LeaderLockTry(ctx, l.Key)
	if errors.Is(err, postgres.ErrLockHeld) {
		return nil, ErrNotLeader
	}
	if err != nil {
		return nil, err
	}
	return lock, nil
}

var _ Lease = (*postgres.LeaderLock)(nil)

// Run is the scheduler role: New(d).Run(ctx). It is what `clubcrm scheduler`
// and `clubcrm serve` call.
func Run(ctx context.Context, d Deps) error { return New(d).Run(ctx) }

// Run contends for leadership until ctx ends: a follower tries every
// Deps.Retry; the leader sweeps every minute and checks its lock every
// Deps.Heartbeat and before each sweep, stepping down (and contending again)
// as soon as it cannot prove it still holds it. It returns nil when ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
	if s.d.Locker == nil {
		return errors.New("scheduler: no leader election (Deps.Locker)")
	}
	s.log.InfoContext(ctx, "scheduler started; contending for leadership", slog.Duration("retry", s.d.Retry))
	for {
		lease, err := s.d.Locker.TryLock(ctx)
		switch {
		case err == nil:
			s.log.InfoContext(ctx, "leading: sweeping every minute")
			why := s.lead(ctx, lease)
			s.release(lease)
			if ctx.Err() != nil {
				s.log.InfoContext(ctx, "scheduler stopped; leadership released")
				return nil
			}
			s.log.WarnContext(ctx, "stepped down", slog.Any("err", why))
		case errors.Is(err, ErrNotLeader):
			s.log.DebugContext(ctx, "following: another scheduler leads")
		case ctx.Err() != nil:
			return nil
		default:
			s.log.WarnContext(ctx, "leader election failed; will retry", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(s.d.Retry):
		}
	}
}

// release gives the lease up even when ctx has ended (shutdown): an
// explicit unlock hands over at once instead of when the connection closes.
func (s *Scheduler) release(lease Lease) {
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	if err := lease.Release(ctx); err != nil {
		s.log.Warn("release leadership", slog.Any("err", err))
	}
}
