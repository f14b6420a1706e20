package live

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/database"
)

// notifyChannel is the PostgreSQL channel carrying "id topic seq" of new
// events; bodies are read from the table (NOTIFY payloads are limited to
// 8000 bytes).
const notifyChannel = "piaf_events"

type eventRow struct {
	ID        int64 `gorm:"primaryKey"`
	Topic     string
	Seq       int64
	Type      string
	Data      string
	CreatedAt time.Time
}

func (eventRow) TableName() string { return "events" }

func (r eventRow) event() Event {
	return Event{ID: r.ID, Topic: r.Topic, Seq: r.Seq, Type: r.Type, Data: json.RawMessage(r.Data), CreatedAt: r.CreatedAt}
}

// store reads and writes the events table.
type store struct {
	db *database.DB
}

// append stores an event with the topic's next sequence number. The
// upsert's row lock serialises a topic's writers, so sequence order is
// commit order; on PostgreSQL the NOTIFY is sent at commit.
func (s *store) append(ctx context.Context, topic, typ string, data []byte) (Event, error) {
	var row eventRow
	err := s.db.Transaction(ctx, func(tx *gorm.DB) error {
		var seq int64
		if err := tx.Raw(`INSERT INTO event_topics (topic, seq) VALUES (?, 1)
			ON CONFLICT (topic) DO UPDATE SET seq = event_topics.seq + 1 RETURNING seq`, topic).Scan(&seq).Error; err != nil {
			return err
		}
		row = eventRow{Topic: topic, Seq: seq, Type: typ, Data: string(data), CreatedAt: time.Now().UTC()}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if s.db.Dialect == database.Postgres {
			payload := strconv.FormatInt(row.ID, 10) + " " + strconv.FormatInt(row.Seq, 10) + " " + topic
			return tx.Exec(`SELECT pg_notify(?, ?)`, notifyChannel, payload).Error
		}
		return nil
	})
	return row.event(), err
}

// byID loads events by id, in id order.
func (s *store) byID(ctx context.Context, ids []int64) ([]Event, error) {
	var rows []eventRow
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[i] = r.event()
	}
	return out, nil
}

// after loads a topic's events with seq > after, in order, at most limit.
func (s *store) after(ctx context.Context, topic string, after int64, limit int) ([]Event, error) {
	var rows []eventRow
	if err := s.db.WithContext(ctx).Where("topic = ? AND seq > ?", topic, after).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[i] = r.event()
	}
	return out, nil
}

// latest returns the topic's last sequence number (0 when none).
func (s *store) latest(ctx context.Context, topic string) (int64, error) {
	var seq int64
	err := s.db.WithContext(ctx).Raw(`SELECT seq FROM event_topics WHERE topic = ?`, topic).Scan(&seq).Error
	return seq, err
}

// oldest returns the smallest retained sequence number of a topic (0 when
// none is retained).
func (s *store) oldest(ctx context.Context, topic string) (int64, error) {
	var row eventRow
	err := s.db.WithContext(ctx).Select("seq").Where("topic = ?", topic).Order("seq").Limit(1).Find(&row).Error
	return row.Seq, err
}

// prune deletes events older than the retention; topics keep their
// sequence so numbering never restarts.
func (s *store) prune(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("created_at < ?", before).Delete(&eventRow{})
	return res.RowsAffected, res.Error
}
