package httpapi

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// routeLimiter enforces a route's api.RateLimit with Echo's in-memory
// token buckets (golang.org/x/time/rate), one per caller. Limits are per
// node: behind a balancer spreading callers over n nodes a caller gets at
// most n times the rate, which is what they protect against (one caller
// monopolising an engine), not a quota.
type routeLimiter struct {
	store *middleware.RateLimiterMemoryStore
	retry int
}

func newRouteLimiter(l *api.RateLimit) *routeLimiter {
	if l == nil || l.PerMinute <= 0 {
		return nil
	}
	burst := max(l.Burst, 1)
	return &routeLimiter{
		store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(float64(l.PerMinute) / 60), Burst: burst, ExpiresIn: 3 * time.Minute}),
		retry: max(1, 60/l.PerMinute),
	}
}

// allow charges the caller one call, or refuses with 429 and Retry-After.
func (l *routeLimiter) allow(c echo.Context) error {
	if l == nil {
		return nil
	}
	key := "ip:" + c.RealIP()
	if p := identity.FromContext(c.Request().Context()); p != nil && p.UserID != 0 {
		key = "user:" + strconv.FormatInt(p.UserID, 10)
	}
	ok, err := l.store.Allow(key)
	if err != nil || ok {
		return nil
	}
	return apperr.New(apperr.RateLimited, "rate_limited", "too many requests in a short time; try again in a moment").
		WithDetails("retry_after_seconds", l.retry)
}
