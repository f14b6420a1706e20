// Package shareddata locates the lab's shared corpora (../shared/data) for
// tests and benchmarks. The product never reads them at run time: a user's
// clone has no ../shared, so only tests and benchmark commands call this.
package shareddata

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// EnvDir names the variable that overrides where the shared data lives, so a
// developer can keep the corpora anywhere.
const EnvDir = "PIAF_SHARED_DATA"

// EnvRequire, when set to 1, turns a missing corpus into a test failure
// instead of a skip; CI sets it so that a lost corpus cannot silently turn
// the engine tests into no-ops.
const EnvRequire = "PIAF_REQUIRE_SHARED_DATA"

// Dir returns the shared data directory: $PIAF_SHARED_DATA, or ../shared/data
// next to the repository root (the folder holding go.mod).
func Dir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return "", fmt.Errorf("%s=%q is not a directory", EnvDir, d)
		}
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(filepath.Dir(dir), "shared", "data")
			if st, err := os.Stat(d); err == nil && st.IsDir() {
				return d, nil
			}
			return "", fmt.Errorf("shared data not found at %s (set %s)", d, EnvDir)
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("no go.mod above the working directory; set " + EnvDir)
		}
	}
}

// Path returns the path of a file or folder inside the shared data directory,
// for commands and benchmarks that report a missing corpus themselves.
func Path(rel string) (string, error) {
	d, err := Dir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(d, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("shared corpus %s is missing: %w", rel, err)
	}
	return p, nil
}

// Require returns the path of rel inside the shared data, or stops the test:
// a skip that says what is missing, or a failure when PIAF_REQUIRE_SHARED_DATA=1.
func Require(tb testing.TB, rel string) string {
	tb.Helper()
	p, err := Path(rel)
	if err != nil {
		if os.Getenv(EnvRequire) == "1" {
			tb.Fatalf("required shared data missing: %v", err)
		}
		tb.Skipf("SKIP: shared data missing (%v); set %s to run this test", err, EnvDir)
	}
	return p
}
