package database_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lab-ia/piaf/backend/internal/database"
)

func TestIsUnavailable(t *testing.T) {
	conn, err := pgconn.Connect(context.Background(), "postgres://postgres@127.0.0.1:1/none?connect_timeout=2")
	if err == nil {
		conn.Close(context.Background())
		t.Fatal("connected to port 1")
	}
	for name, c := range map[string]struct {
		err  error
		want bool
	}{
		"connection refused":   {fmt.Errorf("loading: %w", err), true},
		"admin shutdown":       {&pgconn.PgError{Code: "57P01"}, true},
		"starting up":          {&pgconn.PgError{Code: "57P03"}, true},
		"connection exception": {&pgconn.PgError{Code: "08006"}, true},
		"unique violation":     {&pgconn.PgError{Code: "23505"}, false},
		"plain error":          {errors.New("boom"), false},
		"cancelled request":    {context.Canceled, false},
		"nil":                  {nil, false},
	} {
		if got := database.IsUnavailable(c.err); got != c.want {
			t.Errorf("%s (%v): %v, want %v", name, c.err, got, c.want)
		}
	}
}
