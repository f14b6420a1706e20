package database

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// slowQuery is the duration above which a query is logged as a warning.
const slowQuery = 500 * time.Millisecond

// gormLogger sends GORM's messages to slog: slow queries and unexpected
// errors only, never query arguments (they may hold personal data).
type gormLogger struct{ log *slog.Logger }

func newGormLogger(l *slog.Logger) logger.Interface { return gormLogger{log: l} }

func (g gormLogger) LogMode(logger.LogLevel) logger.Interface { return g }

func (g gormLogger) Info(ctx context.Context, msg string, args ...any) {
	g.log.DebugContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

func (g gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	g.log.WarnContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

// Error is logged at debug level: GORM's errors are also returned to the
// caller, which reports them with context.
func (g gormLogger) Error(ctx context.Context, msg string, args ...any) {
	g.log.DebugContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

func (g gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	switch {
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound) && !errors.Is(err, context.Canceled):
		sql, _ := fc()
		g.log.DebugContext(ctx, "query failed", "err", err, "sql", truncate(sql, 300), "elapsed", elapsed)
	case elapsed > slowQuery:
		sql, rows := fc()
		g.log.WarnContext(ctx, "slow query", "sql", truncate(sql, 300), "rows", rows, "elapsed", elapsed)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ParamsFilter keeps query arguments out of the logged SQL (GORM calls it
// when building the text returned by Trace's fc).
func (g gormLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}
