package main

import (
	"context"
	"errors"
)

// Placeholder role entry points, replaced as the roles land.
func runServe(ctx context.Context, e *cmdEnv, args []string) error        { return errors.New("serve: not wired yet") }
func runBotRole(ctx context.Context, e *cmdEnv, args []string) error      { return errors.New("bot: not wired yet") }
func runWorkerRole(ctx context.Context, e *cmdEnv, args []string) error   { return errors.New("worker: not wired yet") }
func runSchedulerRole(ctx context.Context, e *cmdEnv, args []string) error { return errors.New("scheduler: not wired yet") }
