package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/lab-ia/piaf/backend/internal/app/apptest"
	"github.com/lab-ia/piaf/backend/internal/auth"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// BenchmarkConcurrentLogins signs 100 volunteers in at once over HTTP on
// PostgreSQL (argon2id verification, session creation, audit event) and
// reports the errors and the latency percentiles of one wave.
//
//	go test ./backend/internal/auth -run '^$' -bench ConcurrentLogins -benchtime 3x
func BenchmarkConcurrentLogins(b *testing.B) {
	const n = 100
	env := apptest.Start(b, dbtest.Postgres(b))
	emails := make([]string, n)
	for i := range emails {
		emails[i] = fmt.Sprintf("benevole%03d@exemple.fr", i)
		if _, err := env.App.Auth.CreateUserWithPassword(context.Background(), emails[i], fmt.Sprintf("Bénévole %03d", i), apptest.TestPassword, identity.RoleContributor); err != nil {
			b.Fatal(err)
		}
	}
	var all []time.Duration
	errors := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := make(chan struct{})
		for _, email := range emails {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := env.NewClient()
				<-start
				t0 := time.Now()
				r := c.Login(email, apptest.TestPassword)
				d := time.Since(t0)
				mu.Lock()
				all = append(all, d)
				if r.Status != http.StatusOK {
					errors++
				}
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
	}
	b.StopTimer()
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	b.ReportMetric(float64(errors), "errors")
	b.ReportMetric(float64(all[len(all)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Milliseconds()), "p99-ms")
	b.ReportMetric(float64(all[len(all)-1].Milliseconds()), "max-ms")
	if errors > 0 {
		b.Fatalf("%d logins failed", errors)
	}
}

// BenchmarkPasswordHash measures one argon2id hash with PIAF's parameters.
func BenchmarkPasswordHash(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := auth.HashPassword(apptest.TestPassword); err != nil {
			b.Fatal(err)
		}
	}
}
