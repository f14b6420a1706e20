package httpapi

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/buildinfo"
)

// HealthStatus is the body of /healthz and /readyz.
type HealthStatus struct {
	Status string            `json:"status" required:"true" enum:"ok,unavailable"`
	Checks map[string]string `json:"checks,omitempty"`
}

// healthz answers as long as the process serves HTTP (liveness).
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, HealthStatus{Status: "ok"})
}

// readyz answers 200 only when every dependency is ready (database
// reachable, migrations applied) and the server is not shutting down, so a
// load balancer sends traffic only where it can be served.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	st := HealthStatus{Status: "ok", Checks: map[string]string{}}
	names := make([]string, 0, len(s.ready))
	for n := range s.ready {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := s.ready[n](ctx); err != nil {
			st.Status = "unavailable"
			st.Checks[n] = err.Error()
		} else {
			st.Checks[n] = "ok"
		}
	}
	if s.draining.Load() {
		st.Status = "unavailable"
		st.Checks["server"] = "shutting down"
	}
	code := http.StatusOK
	if st.Status != "ok" {
		code = http.StatusServiceUnavailable
	}
	return c.JSON(code, st)
}

// systemRoutes are the API routes of the server itself.
func (s *Server) systemRoutes() []api.Route {
	return []api.Route{{
		Method: http.MethodGet, Path: "/api/v1/version", OperationID: "getVersion",
		Summary: "Version of the running server", Tags: []string{"system"},
		Access:    api.Public,
		Responses: []api.Response{{Status: http.StatusOK, Body: buildinfo.Info{}}},
		Handler: func(c echo.Context) error {
			return c.JSON(http.StatusOK, buildinfo.Get())
		},
	}}
}
