package auth_test

import (
	"strconv"
	"testing"

	"github.com/lab-ia/piaf/backend/internal/config"
)

func strconvFormat(n int64) string { return strconv.FormatInt(n, 10) }

func mustConfig(t *testing.T, environ ...string) config.Config {
	t.Helper()
	cfg, err := config.LoadFrom(environ)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
