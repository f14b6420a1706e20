package app

import "github.com/lab-ia/piaf/backend/internal/jobs"

// jobHandlers is the one place where job kinds are registered: each
// domain's long operations, plus test kinds in test builds.
func jobHandlers(a *App) []jobs.Handler {
	var hs []jobs.Handler
	return append(hs, testJobHandlers(a)...)
}
