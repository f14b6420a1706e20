package blob

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// tempSweeper is implemented by stores that stage uploads under a temporary
// name, so that GC can also reclaim what crashed uploads left behind.
type tempSweeper interface {
	sweepTemp(ctx context.Context, before time.Time) error
}

// GC deletes blobs that keep(key) reports unreferenced and whose ModTime is
// older than grace; returns how many were deleted and bytes freed.
//
// Blobs are written before the database row that references them is
// committed, so a blob without a reference may simply be on its way to being
// referenced: the grace period (much longer than an upload, hours rather than
// minutes) protects those, and Put refreshes ModTime when content that is
// already stored is uploaded again. keep is asked only about blobs older than
// the grace period, and each one's ModTime is checked once more just before
// it is deleted, which leaves only a very narrow race with a concurrent Put
// of the same content; callers that cannot accept it must not run GC and
// uploads concurrently. now is a parameter so that tests and dry runs control
// the clock.
//
// GC also removes temporary uploads abandoned by a crash, once they are older
// than both grace and an hour; these are not counted in deleted and freed.
// On error, deleted and freed still say what was done before it.
func GC(ctx context.Context, s Store, keep func(key string) (bool, error), grace time.Duration, now time.Time) (deleted int, freed int64, err error) {
	if grace < 0 {
		return 0, 0, fmt.Errorf("blob: negative GC grace period %s", grace)
	}
	cutoff := now.Add(-grace)

	// Collect first, delete afterwards: keep may be slow (a database query)
	// and some listings do not like being modified while they run.
	var old []Info
	err = s.Walk(ctx, func(info Info) error {
		if info.ModTime.Before(cutoff) {
			old = append(old, info)
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("blob: GC of %s: %w", s.Name(), err)
	}

	for _, info := range old {
		if err := ctx.Err(); err != nil {
			return deleted, freed, err
		}
		referenced, err := keep(info.Key)
		if err != nil {
			return deleted, freed, fmt.Errorf("blob: GC: checking references to %s: %w", info.Key, err)
		}
		if referenced {
			continue
		}
		cur, err := s.Stat(ctx, info.Key)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return deleted, freed, fmt.Errorf("blob: GC: %w", err)
		}
		if !cur.ModTime.Before(cutoff) {
			continue // put again since the walk
		}
		if err := s.Delete(ctx, info.Key); err != nil {
			return deleted, freed, fmt.Errorf("blob: GC: %w", err)
		}
		deleted++
		freed += cur.Size
	}

	if ts, ok := s.(tempSweeper); ok {
		tempCutoff := now.Add(-max(grace, tempGrace))
		if err := ts.sweepTemp(ctx, tempCutoff); err != nil {
			return deleted, freed, fmt.Errorf("blob: GC of temporary uploads in %s: %w", s.Name(), err)
		}
	}
	return deleted, freed, nil
}
