package release

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/lab-ia/piaf/backend/internal/identity"
)

// DiffCounts are the changes of one split between two releases.
type DiffCounts struct {
	Added     int `json:"added" required:"true"`
	Removed   int `json:"removed" required:"true"`
	Changed   int `json:"changed" required:"true"`
	Unchanged int `json:"unchanged" required:"true"`
}

// DiffQuestion is a question as one of the two releases has it.
type DiffQuestion struct {
	Split    string      `json:"split" required:"true"`
	Question string      `json:"question" required:"true"`
	Answers  []indexSpan `json:"answers" required:"true"`
}

// DiffEntry is one question that differs. A question whose document moved
// to another split ("moved") counts as removed from one and added to the
// other.
type DiffEntry struct {
	Change   string        `json:"change" required:"true" enum:"added,removed,changed,moved"`
	ID       string        `json:"id" required:"true"`
	Document string        `json:"document" required:"true"`
	Before   *DiffQuestion `json:"before,omitempty"`
	After    *DiffQuestion `json:"after,omitempty"`
}

// Diff summarises what changed between two releases of a campaign.
type Diff struct {
	From     string                `json:"from" required:"true"`
	To       string                `json:"to" required:"true"`
	Splits   map[string]DiffCounts `json:"splits" required:"true"`
	Total    DiffCounts            `json:"total" required:"true"`
	Examples []DiffEntry           `json:"examples" required:"true" description:"the first differences (all of them in the JSONL download)"`
}

// maxDiffExamples bounds the differences a summary shows.
const maxDiffExamples = 100

// Diff compares release from to release to (both of the campaign), by
// question id, reading their indexes: memory holds one small entry per
// question of the older release. Each difference is passed to each (when
// not nil), in the order: the newer release's additions and changes, then
// the older one's removals.
func (s *Service) Diff(ctx context.Context, p *identity.Principal, campaignID int64, from, to string, each func(DiffEntry) error) (*Diff, error) {
	older, newer, err := s.DiffPair(ctx, p, campaignID, from, to)
	if err != nil {
		return nil, err
	}
	return s.DiffReleases(ctx, older, newer, each)
}

// DiffPair finds two releases to compare and checks that the caller may
// read both.
func (s *Service) DiffPair(ctx context.Context, p *identity.Principal, campaignID int64, from, to string) (*Release, *Release, error) {
	_, older, err := s.Get(ctx, p, campaignID, from)
	if err != nil {
		return nil, nil, err
	}
	_, newer, err := s.Get(ctx, p, campaignID, to)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range []*Release{older, newer} {
		if err := CanDownload(p, r); err != nil {
			return nil, nil, err
		}
		if r.IndexKey == "" {
			return nil, nil, ErrStillBuilding.WithDetails("version", r.Version)
		}
	}
	return older, newer, nil
}

// DiffReleases compares two releases the caller may read (see Diff).
func (s *Service) DiffReleases(ctx context.Context, older, newer *Release, each func(DiffEntry) error) (*Diff, error) {
	type seen struct {
		split, hash string
		matched     bool
	}
	old := map[string]*seen{}
	if err := s.readIndex(ctx, older.IndexKey, func(e indexEntry) error {
		old[e.ID] = &seen{split: e.Split, hash: e.Hash}
		return nil
	}); err != nil {
		return nil, err
	}
	d := &Diff{From: older.Version, To: newer.Version, Splits: map[string]DiffCounts{}, Examples: []DiffEntry{}}
	counts := map[string]*DiffCounts{}
	for _, sp := range Splits() {
		counts[sp] = &DiffCounts{}
	}
	emit := func(e DiffEntry) error {
		if len(d.Examples) < maxDiffExamples {
			d.Examples = append(d.Examples, e)
		}
		if each != nil {
			return each(e)
		}
		return nil
	}
	// Changed questions are reported with their old content, found in a
	// second pass over the old index.
	pending := map[string]DiffEntry{}
	err := s.readIndex(ctx, newer.IndexKey, func(e indexEntry) error {
		o := old[e.ID]
		after := &DiffQuestion{Split: e.Split, Question: e.Question, Answers: e.Answers}
		switch {
		case o == nil:
			counts[e.Split].Added++
			return emit(DiffEntry{Change: "added", ID: e.ID, Document: e.Document, After: after})
		case o.split != e.Split:
			o.matched = true
			counts[e.Split].Added++
			counts[o.split].Removed++
			pending[e.ID] = DiffEntry{Change: "moved", ID: e.ID, Document: e.Document, After: after}
		case o.hash != e.Hash:
			o.matched = true
			counts[e.Split].Changed++
			pending[e.ID] = DiffEntry{Change: "changed", ID: e.ID, Document: e.Document, After: after}
		default:
			o.matched = true
			counts[e.Split].Unchanged++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var removed []DiffEntry
	err = s.readIndex(ctx, older.IndexKey, func(e indexEntry) error {
		before := &DiffQuestion{Split: e.Split, Question: e.Question, Answers: e.Answers}
		if pe, ok := pending[e.ID]; ok {
			pe.Before = before
			return emit(pe)
		}
		if o := old[e.ID]; o != nil && !o.matched {
			counts[e.Split].Removed++
			entry := DiffEntry{Change: "removed", ID: e.ID, Document: e.Document, Before: before}
			if len(removed) < maxDiffExamples {
				removed = append(removed, entry)
			}
			if each != nil {
				return each(entry)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, e := range removed {
		if len(d.Examples) >= maxDiffExamples {
			break
		}
		d.Examples = append(d.Examples, e)
	}
	for _, sp := range Splits() {
		c := *counts[sp]
		d.Splits[sp] = c
		d.Total.Added += c.Added
		d.Total.Removed += c.Removed
		d.Total.Changed += c.Changed
		d.Total.Unchanged += c.Unchanged
	}
	return d, nil
}

// readIndex streams a release's index.
func (s *Service) readIndex(ctx context.Context, key string, fn func(indexEntry) error) error {
	obj, err := s.blobs.Open(ctx, key)
	if err != nil {
		return fmt.Errorf("release index %s: %w", key, err)
	}
	defer obj.Close()
	return readIndexLines(obj, fn)
}

func readIndexLines(r io.Reader, fn func(indexEntry) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var e indexEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return fmt.Errorf("release index: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return sc.Err()
}
