package app

import "github.com/lab-ia/piaf/backend/internal/jobs"

// jobHandlers lists the job kinds beyond those built in init (which need
// the services made there): test kinds in test builds.
func jobHandlers(a *App) []jobs.Handler {
	var hs []jobs.Handler
	return append(hs, testJobHandlers(a)...)
}
