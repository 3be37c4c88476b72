package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clubcrm/clubcrm/domain"
)

// LeadSettings is how a club handles new leads: the plan's leads: section.
type LeadSettings struct {
	TemplateID   int64
	AssigneeRole domain.Role
	Target       time.Duration // respond within this
	UnknownPhone string        // "create" a client for an unknown phone, or "refuse" the lead
}

// leadSettingsGet reads the club's lead settings; a club whose plan has no
// leads: section gets the defaults: its personal-call template, the role
// "staff", 15 minutes, unknown phones create a client.
func leadSettingsGet(ctx context.Context, q querier, clubID int64) (LeadSettings, error) {
	var (
		s    LeadSettings
		role string
		min  int
	)
	err := q.QueryRow(ctx, `
SELECT template_id, assignee_role, response_target_min, unknown_phone FROM lead_settings WHERE club_id = $1`, clubID).Scan(
		&s.TemplateID, &role, &min, &s.UnknownPhone)
	if errors.Is(err, pgx.ErrNoRows) {
		tpl, err := personalCallTemplate(ctx, q, clubID)
		if err != nil {
			return LeadSettings{}, err
		}
		return LeadSettings{TemplateID: tpl.ID, AssigneeRole: DefaultLeadRole, Target: DefaultLeadTarget, UnknownPhone: "create"}, nil
	}
	if err != nil {
		return LeadSettings{}, fmt.Errorf("lead settings: %w", mapErr(err))
	}
	s.AssigneeRole, s.Target = domain.Role(role), time.Duration(min)*time.Minute
	return s, nil
}
