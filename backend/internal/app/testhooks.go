//go:build !piaftest

package app

import (
	"time"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/jobs"
)

// Production builds carry no test job kind and no test route.
func testJobHandlers(*App) []jobs.Handler { return nil }

func testRoutes(*App) []api.Provider { return nil }

// testJobStepDelay is zero: production jobs never pause.
func testJobStepDelay() time.Duration { return 0 }
