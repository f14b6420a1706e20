package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// IsUnavailable reports whether err means that the database server could
// not be reached or dropped the connection (stopped, restarting, network
// cut), as opposed to a query it refused. The web layer answers such
// errors with 503 database_unavailable, so that clients and load balancers
// retry instead of reporting a bug; the pool reconnects by itself once the
// server is back.
func IsUnavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 57P01 admin_shutdown, 57P02
		// crash_shutdown, 57P03 cannot_connect_now (starting up or
		// shutting down).
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	// pgconn marks the errors that happened before the query reached the
	// server (a closed or broken connection) as safe to retry.
	return pgconn.SafeToRetry(err)
}
