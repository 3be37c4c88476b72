package jobs

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/clubcrm/clubcrm/domain/chat"
)

func TestIsFailure(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want bool
	}{
		{errors.New("database down"), true},
		{fmt.Errorf("follow-up: %w: %w", asynq.SkipRetry, errors.New("not found")), false},
		{fmt.Errorf("fan out: %w", context.Canceled), false},
		{fmt.Errorf("notify: %w", &chat.RetryAfterError{After: time.Second}), false},
	}
	for _, c := range cases {
		if got := isFailure(c.err); got != c.want {
			t.Errorf("isFailure(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestQueuePriorities(t *testing.T) {
	t.Parallel()
	q := Queues{Prefix: "x:"}
	p := q.Priorities()
	if len(p) != 4 || !(p[q.Critical()] > p[q.Default()] && p[q.Default()] > p[q.Bulk()] && p[q.Bulk()] > p[q.Low()] && p[q.Low()] > 0) {
		t.Errorf("priorities = %v, want critical > default > bulk > low > 0", p)
	}
	for _, name := range []string{q.Critical(), q.Default(), q.Bulk(), q.Low()} {
		if name[:2] != "x:" {
			t.Errorf("queue %q lacks the prefix", name)
		}
	}
}
