package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/lab-ia/piaf/backend/internal/app/apptest"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/jobs"
	"github.com/lab-ia/piaf/backend/internal/jobs/jobstest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func start(t *testing.T, db *database.DB) *apptest.Env {
	return apptest.Start(t, db, apptest.WithJobs(jobstest.Counter{}))
}

func enqueue(t *testing.T, env *apptest.Env, owner *identity.Principal, campaign *int64, p jobstest.Params) *jobs.Job {
	t.Helper()
	j, err := env.App.Jobs.Enqueue(context.Background(), owner, jobstest.Kind, campaign, p)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func waitState(t *testing.T, c *apptest.Client, id int64, want jobs.State) jobs.View {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var v jobs.View
		c.Must(200, "GET", "/api/v1/jobs/"+strconv.FormatInt(id, 10), nil).JSON(t, &v)
		if v.State == want {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d is %s (%s), want %s", id, v.State, v.Error, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func principalOf(id int64, role identity.Role) *identity.Principal {
	return &identity.Principal{UserID: id, Role: role}
}

func TestJobsRunRetryAndFail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := start(t, db)
		c, u := env.User(identity.RoleContributor, "Ouvrière")
		p := principalOf(u.ID, u.Role)

		ok := enqueue(t, env, p, nil, jobstest.Params{Count: 5, DelayMS: 10})
		v := waitState(t, c, ok.ID, jobs.StateSucceeded)
		var result map[string]any
		_ = json.Unmarshal(v.Result, &result)
		if v.Done != 5 || v.Total != 5 || result["counted"] != float64(5) {
			t.Fatalf("succeeded job: %+v %s", v, v.Result)
		}

		retried := enqueue(t, env, p, nil, jobstest.Params{Count: 1, FailTimes: 1})
		if v := waitState(t, c, retried.ID, jobs.StateSucceeded); v.Attempt != 2 {
			t.Fatalf("retried job ran %d attempts", v.Attempt)
		}

		perm := enqueue(t, env, p, nil, jobstest.Params{Permanent: true})
		if v := waitState(t, c, perm.ID, jobs.StateFailed); v.Attempt != 1 || v.Error == "" {
			t.Fatalf("permanent failure: %+v", v)
		}
	})
}

func TestCancelQueuedAndRunningJobs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := start(t, db)
		c, u := env.User(identity.RoleContributor, "Annulatrice")
		p := principalOf(u.ID, u.Role)
		running := enqueue(t, env, p, nil, jobstest.Params{Count: 1000, DelayMS: 20})
		waitState(t, c, running.ID, jobs.StateRunning)
		c.Must(200, "POST", "/api/v1/jobs/"+strconv.FormatInt(running.ID, 10)+"/cancel", nil)
		v := waitState(t, c, running.ID, jobs.StateCancelled)
		if v.Done >= 1000 {
			t.Fatal("the job ran to the end")
		}
		if r := c.Do("POST", "/api/v1/jobs/"+strconv.FormatInt(running.ID, 10)+"/cancel", nil); r.Status != 409 {
			t.Fatalf("cancelling a finished job: %d", r.Status)
		}
	})
}

func TestJobVisibilityFollowsRoles(t *testing.T) {
	env := start(t, dbtest.SQLite(t))
	owner, ou := env.User(identity.RoleContributor, "Propriétaire")
	other, _ := env.User(identity.RoleContributor, "Curieux")
	mod, _ := env.User(identity.RoleModerator, "Modératrice")
	admin, _ := env.User(identity.RoleAdmin, "Admin")
	var campaign int64
	if err := env.DB.Gorm.Raw(`INSERT INTO campaigns (slug, kind, title) VALUES ('c', 'qa', 'C') RETURNING id`).Scan(&campaign).Error; err != nil {
		t.Fatal(err)
	}
	own := enqueue(t, env, principalOf(ou.ID, ou.Role), nil, jobstest.Params{Count: 1})
	inCampaign := enqueue(t, env, principalOf(ou.ID, ou.Role), &campaign, jobstest.Params{Count: 1})
	path := func(j *jobs.Job) string { return "/api/v1/jobs/" + strconv.FormatInt(j.ID, 10) }
	owner.Must(200, "GET", path(own), nil)
	for _, j := range []*jobs.Job{own, inCampaign} {
		if r := other.Do("GET", path(j), nil); r.Status != 404 {
			t.Errorf("another contributor sees job %d: %d", j.ID, r.Status)
		}
		if r := other.Do("POST", path(j)+"/cancel", nil); r.Status != 404 {
			t.Errorf("another contributor cancels job %d: %d", j.ID, r.Status)
		}
	}
	if r := mod.Do("GET", path(own), nil); r.Status != 404 {
		t.Errorf("a moderator sees a private job: %d", r.Status)
	}
	mod.Must(200, "GET", path(inCampaign), nil)
	admin.Must(200, "GET", path(own), nil)
	var page struct{ Total int64 }
	other.Must(200, "GET", "/api/v1/jobs", nil).JSON(t, &page)
	if page.Total != 0 {
		t.Fatalf("another contributor lists %d jobs", page.Total)
	}
	admin.Must(200, "GET", "/api/v1/jobs?state=queued&kind=test.counter&campaign_id=1", nil)
	if r := admin.Do("GET", "/api/v1/jobs?state=bogus", nil); r.Status != 400 {
		t.Fatalf("bad state filter: %d", r.Status)
	}
}

// recorder is a job kind that tells which endings it was told about.
type recorder struct{ ends chan string }

func (recorder) Kind() string { return "test.recorder" }

func (recorder) Run(ctx context.Context, j *jobs.Job, p *jobs.Progress) (any, error) {
	var mode string
	_ = j.DecodeParams(&mode)
	switch mode {
	case "fail":
		return nil, jobs.Permanent(errors.New("no"))
	case "wait":
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return "ok", nil
}

func (r recorder) Finished(_ context.Context, j *jobs.Job, state jobs.State) {
	var mode string
	_ = j.DecodeParams(&mode)
	r.ends <- mode + ":" + string(state)
}

// TestFinishedHookSeesEveryEnd: handlers that clean up after themselves
// (a release build removes its half release) hear of every ending once.
func TestFinishedHookSeesEveryEnd(t *testing.T) {
	rec := recorder{ends: make(chan string, 10)}
	env := apptest.Start(t, dbtest.SQLite(t), apptest.WithJobs(rec))
	c, u := env.User(identity.RoleContributor, "Témoin")
	p := principalOf(u.ID, u.Role)
	want := map[string]bool{}
	for _, mode := range []string{"ok", "fail", "wait"} {
		j, err := env.App.Jobs.Enqueue(context.Background(), p, "test.recorder", nil, mode)
		if err != nil {
			t.Fatal(err)
		}
		if mode == "wait" {
			waitState(t, c, j.ID, jobs.StateRunning)
			c.Must(200, "POST", "/api/v1/jobs/"+strconv.FormatInt(j.ID, 10)+"/cancel", nil)
		}
	}
	for _, end := range []string{"ok:succeeded", "fail:failed", "wait:cancelled"} {
		want[end] = true
	}
	for range 3 {
		select {
		case got := <-rec.ends:
			if !want[got] {
				t.Fatalf("unexpected ending %s", got)
			}
			delete(want, got)
		case <-time.After(30 * time.Second):
			t.Fatalf("endings not heard: %v", want)
		}
	}
	select {
	case extra := <-rec.ends:
		t.Fatalf("ending heard twice: %s", extra)
	case <-time.After(300 * time.Millisecond):
	}
}
