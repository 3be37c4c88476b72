// Package examples holds the files shipped as examples. The club plan is
// embedded so the binary can create a demo club on an empty database without
// any file next to it.
package examples

import _ "embed"

// ClubPlan is examples/club-plan.yaml: a complete plan for a Russian-speaking
// club that encodes every example of the CRM manual.
//
//go:embed club-plan.yaml
var ClubPlan []byte
