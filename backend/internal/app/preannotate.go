package app

import (
	"context"
	"sync"

	"github.com/lab-ia/piaf/backend/pseudo"
)

// rulesPreAnnotator proposes entities with the engine's rules and
// gazetteers alone, for deployments without a trained model. Its word
// lists (about 30 MB) are loaded on first use, not at start-up.
type rulesPreAnnotator struct {
	once sync.Once
	det  *pseudo.Detector
	err  error
}

// Detect implements entities.PreAnnotator.
func (r *rulesPreAnnotator) Detect(ctx context.Context, text string) ([]pseudo.Entity, string, error) {
	r.once.Do(func() { r.det, r.err = pseudo.NewDetector(nil, pseudo.DetectorOptions{}) })
	if r.err != nil {
		return nil, "", r.err
	}
	ents, err := r.det.Detect(ctx, text)
	return ents, "rules", err
}
