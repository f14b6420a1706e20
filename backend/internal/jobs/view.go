package jobs

import (
	"encoding/json"
	"time"
)

// View is a job as users see it (the API and the live feed).
type View struct {
	ID         int64           `json:"id" required:"true"`
	Kind       string          `json:"kind" required:"true"`
	State      State           `json:"state" required:"true" enum:"queued,running,succeeded,failed,cancelled"`
	CampaignID *int64          `json:"campaign_id,omitempty"`
	Stage      string          `json:"stage" required:"true"`
	Done       int64           `json:"done" required:"true"`
	Total      int64           `json:"total" required:"true"`
	Message    string          `json:"message" required:"true"`
	Error      string          `json:"error,omitempty"`
	Result     json.RawMessage `json:"result,omitempty"`
	Attempt    int             `json:"attempt" required:"true"`
	Cancelling bool            `json:"cancelling" required:"true"`
	CreatedAt  time.Time       `json:"created_at" required:"true"`
	StartedAt  *time.Time      `json:"started_at,omitempty"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
	UpdatedAt  time.Time       `json:"updated_at" required:"true"`
}

// ViewOf renders a job for users.
func ViewOf(j *Job) View {
	v := View{ID: j.ID, Kind: j.Kind, State: j.State, CampaignID: j.CampaignID, Stage: j.Stage, Done: j.Done, Total: j.Total,
		Message: j.Message, Error: j.Error, Attempt: j.Attempt, Cancelling: j.CancelRequestedAt != nil && !j.State.Terminal(),
		CreatedAt: j.CreatedAt, StartedAt: j.StartedAt, FinishedAt: j.FinishedAt, UpdatedAt: j.UpdatedAt}
	if j.Result != "" {
		v.Result = json.RawMessage(j.Result)
	}
	return v
}
