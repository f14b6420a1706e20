//go:build piaftest

package app

import (
	"context"
	"errors"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/jobs"
)

// This file exists only in binaries built with -tags piaftest, used by the
// process and browser tests: a slow counting job kind and a route to start
// it, so that jobs can be killed, cancelled and watched before the real
// long operations exist. It is never in a production build.

// CounterParams configures the test job. Kind "test.counter" has a one
// minute timeout; "test.rescue" a two-second one, so that a job of a killed
// node becomes rescuable quickly.
type CounterParams struct {
	Kind      string `json:"kind,omitempty"`
	Count     int    `json:"count"`
	DelayMS   int    `json:"delay_ms"`
	FailTimes int    `json:"fail_times"`
}

type counterJob struct {
	kind    string
	timeout time.Duration
}

func (c counterJob) Kind() string           { return c.kind }
func (c counterJob) Timeout() time.Duration { return c.timeout }
func (counterJob) MaxAttempts() int         { return 5 }

func (counterJob) Run(ctx context.Context, j *jobs.Job, p *jobs.Progress) (any, error) {
	var params CounterParams
	if err := j.DecodeParams(&params); err != nil {
		return nil, jobs.Permanent(err)
	}
	if j.Attempt <= params.FailTimes {
		return nil, errors.New("failing on purpose")
	}
	p.Stage(ctx, "counting", int64(params.Count))
	for i := 0; i < params.Count; i++ {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(params.DelayMS) * time.Millisecond):
		}
		p.Add(ctx, 1)
	}
	return map[string]any{"counted": params.Count, "node": j.Node}, nil
}

func testJobHandlers(*App) []jobs.Handler {
	return []jobs.Handler{counterJob{"test.counter", time.Minute}, counterJob{"test.rescue", 2 * time.Second}}
}

type testHandlers struct{ a *App }

type publishRequest struct {
	Topic string `json:"topic"`
	Type  string `json:"type"`
	Data  any    `json:"data"`
}

func (h testHandlers) Routes() []api.Route {
	return []api.Route{
		{Method: http.MethodPost, Path: "/api/v1/test/jobs", OperationID: "testStartJob", Access: api.SignedIn, NoCSRF: true,
			Request: CounterParams{}, Responses: []api.Response{{Status: 202, Body: jobs.View{}}},
			Handler: func(c echo.Context) error {
				var in CounterParams
				if err := api.BindJSON(c, &in); err != nil {
					return err
				}
				if in.Kind == "" {
					in.Kind = "test.counter"
				}
				j, err := h.a.Jobs.Enqueue(c.Request().Context(), identity.FromContext(c.Request().Context()), in.Kind, nil, in)
				if err != nil {
					return err
				}
				return c.JSON(http.StatusAccepted, jobs.ViewOf(j))
			}},
		{Method: http.MethodPost, Path: "/api/v1/test/publish", OperationID: "testPublish", Access: api.SignedIn, NoCSRF: true,
			Request: publishRequest{}, Responses: []api.Response{{Status: 204}},
			Handler: func(c echo.Context) error {
				var in publishRequest
				if err := api.BindJSON(c, &in); err != nil {
					return err
				}
				if _, err := h.a.Hub.Publish(c.Request().Context(), in.Topic, in.Type, in.Data); err != nil {
					return err
				}
				return c.NoContent(http.StatusNoContent)
			}},
	}
}

// testJobStepDelay reads PIAF_TEST_JOB_STEP_DELAY (a Go duration): fault
// tests set it so that a real job (a release build) runs long enough to be
// killed in the middle on any machine.
func testJobStepDelay() time.Duration {
	d, _ := time.ParseDuration(os.Getenv("PIAF_TEST_JOB_STEP_DELAY"))
	return d
}

func testRoutes(a *App) []api.Provider { return []api.Provider{testHandlers{a: a}} }
