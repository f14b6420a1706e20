package jobs

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/database"
)

// ErrJobNotFound hides jobs the caller may not see as well as missing ones.
var ErrJobNotFound = apperr.New(apperr.NotFound, "job_not_found", "no such job")

type store struct {
	db *database.DB
}

func (s *store) insert(ctx context.Context, j *Job) error {
	return s.db.WithContext(ctx).Create(j).Error
}

func (s *store) get(ctx context.Context, id int64) (*Job, error) {
	var j Job
	err := s.db.WithContext(ctx).First(&j, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrJobNotFound
	}
	return &j, err
}

func (s *store) update(ctx context.Context, id int64, fields map[string]any) error {
	fields["updated_at"] = time.Now().UTC()
	return s.db.WithContext(ctx).Model(&Job{}).Where("id = ?", id).Updates(fields).Error
}

// transition moves a job from one of the from states to to, atomically, so
// that a cancel and a completion racing each other cannot both win.
func (s *store) transition(ctx context.Context, id int64, from []State, fields map[string]any) (bool, error) {
	fields["updated_at"] = time.Now().UTC()
	res := s.db.WithContext(ctx).Model(&Job{}).Where("id = ? AND state IN ?", id, from).Updates(fields)
	return res.RowsAffected == 1, res.Error
}

// Filter narrows a job list.
type Filter struct {
	State      State
	Kind       string
	CampaignID int64
	// Visible restricts to what a caller may see; nil means everything.
	OwnerID       *int64
	OrAnyCampaign bool
	Limit, Offset int
}

func (s *store) list(ctx context.Context, f Filter) ([]Job, int64, error) {
	q := s.db.WithContext(ctx).Model(&Job{})
	if f.OwnerID != nil {
		if f.OrAnyCampaign {
			q = q.Where("(owner_id = ? OR campaign_id IS NOT NULL)", *f.OwnerID)
		} else {
			q = q.Where("owner_id = ?", *f.OwnerID)
		}
	}
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.CampaignID != 0 {
		q = q.Where("campaign_id = ?", f.CampaignID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var jobs []Job
	err := q.Order("id DESC").Limit(f.Limit).Offset(f.Offset).Find(&jobs).Error
	return jobs, total, err
}

func (s *store) countByState(ctx context.Context) (map[State]int64, error) {
	var rows []struct {
		State State
		N     int64
	}
	err := s.db.WithContext(ctx).Model(&Job{}).Select("state, count(*) AS n").Where("state IN ?", []State{StateQueued, StateRunning}).Group("state").Scan(&rows).Error
	out := map[State]int64{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, err
}
