package auth_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lab-ia/piaf/backend/internal/app/apptest"
	"github.com/lab-ia/piaf/backend/internal/auth"
	"github.com/lab-ia/piaf/backend/internal/auth/proconnecttest"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var linkToken = regexp.MustCompile(`jeton=([A-Za-z0-9_-]+)`)

func mailToken(t *testing.T, env *apptest.Env, to, subject string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := env.Sink.WaitFor(ctx, to, subject)
	if err != nil {
		t.Fatal(err)
	}
	found := linkToken.FindStringSubmatch(m.Text)
	if found == nil {
		t.Fatalf("no link in %q", m.Text)
	}
	return found[1]
}

func TestVolunteerSignsUpVerifiesLogsInAndOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		c := env.NewClient()
		email := "Élodie.Dupré@exemple.fr"
		c.Must(202, "POST", "/api/v1/auth/signup", map[string]string{
			"email": email, "pseudonym": "Élodie d’Arc", "password": apptest.TestPassword})
		// Not verified yet: sign-in is refused with a clear reason.
		if r := c.Login(email, apptest.TestPassword); r.Status != 403 || r.ErrorCode() != "email_not_verified" {
			t.Fatalf("login before verification: %d %s", r.Status, r.Body)
		}
		token := mailToken(t, env, email, "confirmez")
		c.Must(204, "POST", "/api/v1/auth/verify-email", map[string]string{"token": token})
		// A link works once.
		if r := c.Do("POST", "/api/v1/auth/verify-email", map[string]string{"token": token}); r.Status != 422 {
			t.Fatalf("reused link: %d", r.Status)
		}
		if r := c.Login(strings.ToUpper(email), apptest.TestPassword); r.Status != 200 {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		var me auth.Profile
		c.Must(200, "GET", "/api/v1/me", nil).JSON(t, &me)
		if me.Pseudonym != "Élodie d’Arc" || me.Role != identity.RoleContributor || !me.EmailVerified {
			t.Fatalf("profile %+v", me)
		}
		c.Must(200, "POST", "/api/v1/auth/logout", nil)
		if r := c.Do("GET", "/api/v1/me", nil); r.Status != 401 {
			t.Fatalf("after logout: %d", r.Status)
		}
		if n := env.Count("sessions", ""); n != 0 {
			t.Fatalf("%d sessions left after logout", n)
		}
	})
}

func TestSignUpRefusesWeakPasswordsAndBadFields(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t))
	c := env.NewClient()
	cases := map[string]map[string]string{
		"password":  {"email": "a@exemple.fr", "pseudonym": "Alice", "password": "azerty1234"},
		"email":     {"email": "pas-une-adresse", "pseudonym": "Alice", "password": apptest.TestPassword},
		"pseudonym": {"email": "a@exemple.fr", "pseudonym": "<script>", "password": apptest.TestPassword},
	}
	for field, body := range cases {
		r := c.Do("POST", "/api/v1/auth/signup", body)
		if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s", field, r.Status, r.Body)
		}
	}
	if n := env.Count("users", ""); n != 0 {
		t.Fatalf("%d users created by refused sign-ups", n)
	}
}

func TestSignUpDoesNotRevealExistingAccounts(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t))
	_, u := env.User(identity.RoleContributor, "Bernard")
	c := env.NewClient()
	c.Must(202, "POST", "/api/v1/auth/signup", map[string]string{"email": u.EmailValue(), "pseudonym": "Autre", "password": apptest.TestPassword})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := env.Sink.WaitFor(ctx, u.EmailValue(), "déjà un compte"); err != nil {
		t.Fatal(err)
	}
	if n := env.Count("users", ""); n != 1 {
		t.Fatalf("%d users", n)
	}
}

func TestLoginIsThrottledPerAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		_, u := env.User(identity.RoleContributor, "Chloé")
		c := env.NewClient()
		for i := 0; i < 5; i++ {
			if r := c.Login(u.EmailValue(), "mauvais-mot-de-passe"); r.Status != 401 || r.ErrorCode() != "bad_credentials" {
				t.Fatalf("attempt %d: %d %s", i, r.Status, r.Body)
			}
		}
		r := c.Login(u.EmailValue(), apptest.TestPassword)
		if r.Status != 429 || r.Header.Get("Retry-After") == "" {
			t.Fatalf("6th attempt: %d %v %s", r.Status, r.Header, r.Body)
		}
		// An unknown account fails the same way as a wrong password.
		if r := c.Login("personne@exemple.fr", "x"); r.Status != 401 || r.ErrorCode() != "bad_credentials" {
			t.Fatalf("unknown: %d", r.Status)
		}
		if n := env.Count("audit_events", "action = ?", "login_failed"); n < 5 {
			t.Fatalf("%d login failures audited", n)
		}
	})
}

func TestPasswordResetEndsSessions(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t))
	old, u := env.User(identity.RoleContributor, "Denis")
	c := env.NewClient()
	c.Must(202, "POST", "/api/v1/auth/password-reset", map[string]string{"email": u.EmailValue()})
	c.Must(202, "POST", "/api/v1/auth/password-reset", map[string]string{"email": "inconnu@exemple.fr"})
	token := mailToken(t, env, u.EmailValue(), "nouveau mot de passe")
	newPassword := "marmotte-violon-escalier-bleu-7"
	if r := c.Do("POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": token, "password": "court"}); r.Status != 422 {
		t.Fatalf("weak: %d", r.Status)
	}
	c.Must(204, "POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": token, "password": newPassword})
	if r := old.Do("GET", "/api/v1/me", nil); r.Status != 401 {
		t.Fatalf("old session survived the reset: %d", r.Status)
	}
	if r := c.Login(u.EmailValue(), apptest.TestPassword); r.Status != 401 {
		t.Fatalf("old password still works: %d", r.Status)
	}
	if r := c.Login(u.EmailValue(), newPassword); r.Status != 200 {
		t.Fatalf("new password: %d %s", r.Status, r.Body)
	}
}

func TestStateChangingRequestsNeedCSRFAndSameOrigin(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t))
	c, _ := env.User(identity.RoleContributor, "Émile")
	body := map[string]string{"locale": "en"}
	csrf := c.CSRF
	c.CSRF = ""
	if r := c.Do("PATCH", "/api/v1/me", body); r.Status != 403 || r.ErrorCode() != "csrf_failed" {
		t.Fatalf("no token: %d %s", r.Status, r.Body)
	}
	c.CSRF = "forged"
	if r := c.Do("PATCH", "/api/v1/me", body); r.Status != 403 {
		t.Fatalf("forged token: %d", r.Status)
	}
	c.CSRF = csrf
	c.Must(200, "PATCH", "/api/v1/me", body)
	// A cross-site form post is refused even with a valid token.
	req, _ := http.NewRequest("PATCH", env.URL+"/api/v1/me", strings.NewReader(`{"locale":"fr"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set(auth.CSRFHeader, csrf)
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 403 {
		t.Fatalf("cross-origin: %d", res.StatusCode)
	}
}

func TestSessionCookieFlags(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t))
	_, u := env.User(identity.RoleContributor, "Fanny")
	c := env.NewClient()
	r := c.Login(u.EmailValue(), apptest.TestPassword)
	ck := r.Header.Get("Set-Cookie")
	for _, want := range []string{"piaf_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(ck, want) {
			t.Errorf("cookie %q lacks %s", ck, want)
		}
	}
	if strings.Contains(ck, "Domain=") {
		t.Errorf("cookie %q must be host-only", ck)
	}
	// A cookie from before sign-in is replaced at sign-in (rotation).
	first := strings.SplitN(ck, ";", 2)[0]
	r = c.Login(u.EmailValue(), apptest.TestPassword)
	if second := strings.SplitN(r.Header.Get("Set-Cookie"), ";", 2)[0]; second == first {
		t.Fatal("session id not rotated at sign-in")
	}
	// env.User's own session, plus this client's single rotated one.
	if n := env.Count("sessions", "user_id = ?", u.ID); n != 2 {
		t.Fatalf("%d sessions after re-login, the old one must be gone", n)
	}
}

func TestHTTPSUsesHostPrefixedSecureCookies(t *testing.T) {
	cfg := auth.NewWeb(nil, mustConfig(t, "PIAF_PUBLIC_URL=https://piaf.example.gouv.fr"))
	if cfg.CookieName != "__Host-piaf_session" {
		t.Fatal(cfg.CookieName)
	}
}

func TestUsersCannotReachEachOthersData(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		alice, _ := env.User(identity.RoleConsumer, "Alice")
		bob, _ := env.User(identity.RoleConsumer, "Bob")
		var tok auth.NewTokenView
		bob.Must(201, "POST", "/api/v1/me/tokens", map[string]any{"name": "script", "scopes": []string{"datasets:read"}}).JSON(t, &tok)
		var list []auth.TokenView
		alice.Must(200, "GET", "/api/v1/me/tokens", nil).JSON(t, &list)
		if len(list) != 0 {
			t.Fatalf("alice sees %d tokens", len(list))
		}
		if r := alice.Do("DELETE", "/api/v1/me/tokens/"+itoa(tok.ID), nil); r.Status != 404 {
			t.Fatalf("alice revoking bob's token: %d", r.Status)
		}
		var me auth.Profile
		alice.Must(200, "GET", "/api/v1/me", nil).JSON(t, &me)
		if me.Pseudonym != "Alice" {
			t.Fatal(me)
		}
	})
}

func TestAPITokensCarryScopesAndCanBeRevoked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		c, _ := env.User(identity.RoleConsumer, "Gaëlle")
		if r := c.Do("POST", "/api/v1/me/tokens", map[string]any{"name": "x", "scopes": []string{"admin"}}); r.Status != 422 {
			t.Fatalf("consumer granting admin: %d", r.Status)
		}
		var tok auth.NewTokenView
		c.Must(201, "POST", "/api/v1/me/tokens", map[string]any{"name": "téléchargements", "scopes": []string{"datasets:read"}, "expires_in_days": 30}).JSON(t, &tok)
		if !strings.HasPrefix(tok.Secret, "piaf_") || tok.ExpiresAt == nil {
			t.Fatalf("token %+v", tok)
		}
		if n := env.Count("api_tokens", "token_hash = ?", tok.Secret); n != 0 {
			t.Fatal("the secret is stored in clear")
		}
		script := env.NewClient()
		script.Bearer = tok.Secret
		// A token is not a session: routes without a scope for it refuse it.
		if r := script.Do("GET", "/api/v1/me", nil); r.Status != 403 || r.ErrorCode() != "insufficient_scope" {
			t.Fatalf("token on a session route: %d %s", r.Status, r.Body)
		}
		var session auth.SessionInfo
		script.Must(200, "GET", "/api/v1/auth/session", nil).JSON(t, &session)
		if !session.Authenticated || session.CSRFToken != "" {
			t.Fatalf("session info via token: %+v", session)
		}
		c.Must(204, "DELETE", "/api/v1/me/tokens/"+itoa(tok.ID), nil)
		if r := script.Do("GET", "/api/v1/auth/session", nil); r.Status != 401 || r.ErrorCode() != "invalid_token" {
			t.Fatalf("revoked token: %d %s", r.Status, r.Body)
		}
		script.Bearer = "piaf_notatoken"
		if r := script.Do("GET", "/api/v1/version", nil); r.Status != 401 {
			t.Fatalf("bad token on a public route: %d", r.Status)
		}
		if n := env.Count("audit_events", "action IN ('token_created', 'token_revoked')"); n != 2 {
			t.Fatalf("%d token events audited", n)
		}
	})
}

// TestAnAdminTokenManagesAccountsUntilItsOwnerIsDemoted: the admin scope
// opens the administrators' routes to a script, without a CSRF token, and
// only while the token's owner is still an administrator.
func TestAnAdminTokenManagesAccountsUntilItsOwnerIsDemoted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		admin, adminUser := env.User(identity.RoleAdmin, "Adèle")
		other, _ := env.User(identity.RoleAdmin, "Bérénice")
		_, volunteer := env.User(identity.RoleContributor, "Inès")
		var tok auth.NewTokenView
		admin.Must(201, "POST", "/api/v1/me/tokens", map[string]any{"name": "annuaire", "scopes": []string{"admin"}}).JSON(t, &tok)
		script := env.NewClient()
		script.Bearer = tok.Secret
		var users struct{ Total int64 }
		script.Must(200, "GET", "/api/v1/admin/users", nil).JSON(t, &users)
		if users.Total != 3 {
			t.Fatalf("%d users listed", users.Total)
		}
		var prof auth.Profile
		script.Must(200, "PATCH", "/api/v1/admin/users/"+itoa(volunteer.ID), map[string]string{"role": "moderator"}).JSON(t, &prof)
		if prof.Role != identity.RoleModerator {
			t.Fatal(prof)
		}
		script.Must(200, "GET", "/api/v1/admin/audit", nil)
		// The admin scope opens administrators' routes, not the others.
		if r := script.Do("GET", "/api/v1/me", nil); r.Status != 403 || r.ErrorCode() != "insufficient_scope" {
			t.Fatalf("admin token on a session route: %d %s", r.Status, r.Body)
		}
		other.Must(200, "PATCH", "/api/v1/admin/users/"+itoa(adminUser.ID), map[string]string{"role": "consumer"})
		if r := script.Do("GET", "/api/v1/admin/users", nil); r.Status != 403 || r.ErrorCode() != "insufficient_scope" {
			t.Fatalf("the token of a demoted admin: %d %s", r.Status, r.Body)
		}
	})
}

func TestContributorsHoldNoTokens(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t))
	c, _ := env.User(identity.RoleContributor, "Hugo")
	if r := c.Do("POST", "/api/v1/me/tokens", map[string]any{"name": "x", "scopes": []string{"qa:ask"}}); r.Status != 403 {
		t.Fatalf("contributor token: %d", r.Status)
	}
}

func TestAdminsManageRolesAndSessionsAndReadTheAuditLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		admin, adminUser := env.User(identity.RoleAdmin, "Admin")
		victim, u := env.User(identity.RoleContributor, "Inès")
		var prof auth.Profile
		admin.Must(200, "PATCH", "/api/v1/admin/users/"+itoa(u.ID), map[string]string{"role": "moderator"}).JSON(t, &prof)
		if prof.Role != identity.RoleModerator {
			t.Fatal(prof)
		}
		if r := admin.Do("PATCH", "/api/v1/admin/users/"+itoa(u.ID), map[string]string{"role": "king"}); r.Status != 422 {
			t.Fatalf("bad role: %d", r.Status)
		}
		// The last admin cannot demote themselves.
		if r := admin.Do("PATCH", "/api/v1/admin/users/"+itoa(adminUser.ID), map[string]string{"role": "contributor"}); r.Status != 409 {
			t.Fatalf("last admin: %d", r.Status)
		}
		var rev auth.RevokedSessions
		admin.Must(200, "POST", "/api/v1/admin/users/"+itoa(u.ID)+"/revoke-sessions", nil).JSON(t, &rev)
		if rev.Revoked != 1 {
			t.Fatal(rev)
		}
		if r := victim.Do("GET", "/api/v1/me", nil); r.Status != 401 {
			t.Fatalf("revoked session still works: %d", r.Status)
		}
		var users struct {
			Items []auth.Profile
			Total int64
		}
		admin.Must(200, "GET", "/api/v1/admin/users?q=in%C3%A8s", nil).JSON(t, &users)
		if users.Total != 1 || users.Items[0].ID != u.ID {
			t.Fatalf("search: %+v", users)
		}
		admin.Must(200, "GET", "/api/v1/admin/users?q=%25_%27%3B--", nil)
		var audit struct {
			Items []auth.AuditView
			Total int64
		}
		admin.Must(200, "GET", "/api/v1/admin/audit?per_page=200", nil).JSON(t, &audit)
		actions := map[string]bool{}
		for _, e := range audit.Items {
			actions[e.Action] = true
		}
		for _, a := range []string{"login", "role_changed", "sessions_revoked", "user_created"} {
			if !actions[a] {
				t.Errorf("audit log lacks %s: %v", a, actions)
			}
		}
		// Events name their accounts by pseudonym, and the filter by account
		// keeps the events where it acts or is acted upon.
		admin.Must(200, "GET", "/api/v1/admin/audit?user_id="+itoa(u.ID), nil).JSON(t, &audit)
		var changed *auth.AuditView
		for i, e := range audit.Items {
			if (e.TargetUserID == nil || *e.TargetUserID != u.ID) && (e.ActorID == nil || *e.ActorID != u.ID) {
				t.Errorf("filtered by %d, got %+v", u.ID, e)
			}
			if e.Action == "role_changed" {
				changed = &audit.Items[i]
			}
		}
		if changed == nil || changed.ActorName != "Admin" || changed.TargetName != "Inès" || changed.Details["to"] != "moderator" {
			t.Fatalf("role change in the log: %+v", changed)
		}
	})
}

func TestDataExportAndAccountDeletion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		c, u := env.User(identity.RoleContributor, "Jeanne")
		r := c.Must(200, "GET", "/api/v1/me/export", nil)
		if !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(string(r.Body), u.EmailValue()) {
			t.Fatalf("export: %v %s", r.Header, r.Body)
		}
		if r := c.Do("DELETE", "/api/v1/me?confirm=pas+moi", nil); r.Status != 422 {
			t.Fatalf("unconfirmed delete: %d", r.Status)
		}
		c.Must(204, "DELETE", "/api/v1/me?confirm=Jeanne", nil)
		if r := c.Do("GET", "/api/v1/me", nil); r.Status != 401 {
			t.Fatalf("deleted account still signed in: %d", r.Status)
		}
		if n := env.Count("users", "id = ? AND email IS NULL AND password_hash IS NULL AND deleted_at IS NOT NULL", u.ID); n != 1 {
			t.Fatal("personal data not erased")
		}
		if r := env.NewClient().Login(u.EmailValue(), apptest.TestPassword); r.Status != 401 {
			t.Fatalf("deleted account can log in: %d", r.Status)
		}
	})
}

func TestSIRETCheck(t *testing.T) {
	valid := []string{"13002526500013", "11000201100044", "73282932000074", "35600000000048", "35600000000015"}
	invalid := []string{"13002526500014", "1300252650001", "1300252650001a", "", "73282932000075"}
	for _, s := range valid {
		if !auth.ValidSIRET(s) {
			t.Errorf("%s refused", s)
		}
	}
	for _, s := range invalid {
		if auth.ValidSIRET(s) {
			t.Errorf("%s accepted", s)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	for _, bad := range []string{"court", "azertyuiop", "motdepasse123", "aaaaaaaaaaaa", "jeanne.durand2024", "0123456789"} {
		if auth.PasswordProblem(bad, "jeanne.durand@exemple.fr", "Jeanne") == "" {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, good := range []string{apptest.TestPassword, "Le héron au long bec emmanché", "violet-tracteur-nuage-ferme-31"} {
		if p := auth.PasswordProblem(good); p != "" {
			t.Errorf("%q refused: %s", good, p)
		}
	}
}

func TestProConnectAgentSignsInAndOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		c := env.NewClient()
		loc := c.SignInWithProConnect("agent-camille")
		if loc != "/" {
			t.Fatalf("landed on %s", loc)
		}
		var me auth.Profile
		c.Must(200, "GET", "/api/v1/me", nil).JSON(t, &me)
		// The role rule on the lab's SIRET makes Camille a moderator.
		if me.GivenName != "Camille" || me.UsualName != "Martin" || me.Siret != "13002526500013" || me.Role != identity.RoleModerator || me.HasPassword {
			t.Fatalf("profile %+v", me)
		}
		var out auth.LogoutResult
		c.Must(200, "POST", "/api/v1/auth/logout", nil).JSON(t, &out)
		if !strings.Contains(out.RedirectURL, "/session/end?") || !strings.Contains(out.RedirectURL, "id_token_hint=") {
			t.Fatalf("logout redirect %q", out.RedirectURL)
		}
		res, err := c.HTTP.Get(out.RedirectURL)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("end_session: %d", res.StatusCode)
		}
		back := res.Header.Get("Location")
		res, err = c.HTTP.Get(back)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); loc != "/?deconnecte=1" {
			t.Fatalf("after logout: %s", loc)
		}
		// The logout state is single use.
		res, _ = c.HTTP.Get(back)
		res.Body.Close()
		if loc := res.Header.Get("Location"); !strings.Contains(loc, "invalid_logout_state") {
			t.Fatalf("replayed logout state: %s", loc)
		}
		// A second sign-in finds the same account on (issuer, sub).
		c2 := env.NewClient()
		c2.SignInWithProConnect("agent-camille")
		if n := env.Count("users", ""); n != 1 {
			t.Fatalf("%d accounts for one agent", n)
		}
	})
}

func TestProConnectRedirectsOnlyToLocalPaths(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t))
	for next, want := range map[string]string{"/campagnes/3": "/campagnes/3", "https://evil.example/": "/", "//evil.example": "/"} {
		c := env.NewClient()
		if loc := c.StartProConnect("agent-yannick", next).Finish(); loc != want {
			t.Errorf("next=%s: landed on %s", next, loc)
		}
	}
}

func TestProConnectAttacksAreRefusedWithoutASession(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t))
	sessions := func() int64 { return env.Count("sessions", "") }
	cases := []struct {
		name   string
		faults proconnecttest.Faults
		tamper func(f *apptest.ProConnectFlow)
		code   string
	}{
		{"wrong state", proconnecttest.Faults{}, func(f *apptest.ProConnectFlow) { setQuery(f, "state", strings.Repeat("x", 43)) }, "invalid_state"},
		{"no state", proconnecttest.Faults{}, func(f *apptest.ProConnectFlow) { setQuery(f, "state", "") }, "invalid_state"},
		{"wrong nonce", proconnecttest.Faults{IDTokenNonce: strings.Repeat("n", 43)}, nil, "invalid_nonce"},
		{"expired ID token", proconnecttest.Faults{IDTokenExpired: true}, nil, "invalid_id_token"},
		{"tampered ID token signature", proconnecttest.Faults{IDTokenBadSignature: true}, nil, "invalid_id_token"},
		{"ID token from another issuer", proconnecttest.Faults{IDTokenIssuer: "https://evil.example/api/v2"}, nil, "invalid_id_token"},
		{"ID token for another client", proconnecttest.Faults{IDTokenAudience: "other-client"}, nil, "invalid_id_token"},
		{"userinfo with a bad signature", proconnecttest.Faults{UserinfoBadSignature: true}, nil, "invalid_userinfo"},
		{"userinfo from another issuer", proconnecttest.Faults{UserinfoIssuer: "https://evil.example/api/v2"}, nil, "invalid_userinfo"},
		{"userinfo about another subject", proconnecttest.Faults{UserinfoSub: "someone-else"}, nil, "userinfo_subject_mismatch"},
		{"code replaced", proconnecttest.Faults{}, func(f *apptest.ProConnectFlow) { setQuery(f, "code", "forged-code") }, "token_exchange_failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env.ProConnect.SetFaults(tc.faults)
			defer env.ProConnect.SetFaults(proconnecttest.Faults{})
			before := sessions()
			c := env.NewClient()
			f := c.StartProConnect("agent-camille", "")
			if tc.tamper != nil {
				tc.tamper(f)
			}
			loc := f.Finish()
			if !strings.Contains(loc, "/connexion?erreur="+tc.code) {
				t.Fatalf("landed on %s, want error %s", loc, tc.code)
			}
			if sessions() != before {
				t.Fatal("a session was created")
			}
			if r := c.Do("GET", "/api/v1/me", nil); r.Status != 401 {
				t.Fatalf("signed in after a refused login: %d", r.Status)
			}
		})
	}
	t.Run("replayed state", func(t *testing.T) {
		c := env.NewClient()
		f := c.StartProConnect("agent-camille", "")
		if loc := f.Finish(); loc != "/" {
			t.Fatalf("first use: %s", loc)
		}
		before := sessions()
		if loc := f.Finish(); !strings.Contains(loc, "erreur=invalid_state") {
			t.Fatalf("replay landed on %s", loc)
		}
		if sessions() != before {
			t.Fatal("replay created a session")
		}
	})
	t.Run("plain JSON userinfo is accepted", func(t *testing.T) {
		env.ProConnect.SetFaults(proconnecttest.Faults{UserinfoJSON: true})
		defer env.ProConnect.SetFaults(proconnecttest.Faults{})
		env.NewClient().SignInWithProConnect("agent-yannick")
	})
	if n := env.Count("audit_events", "action = 'login_failed'"); n < int64(len(cases)) {
		t.Fatalf("%d failed ProConnect logins audited", n)
	}
}

func TestMinimumACRIsEnforced(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t), apptest.WithEnv("PIAF_OIDC_PROCONNECT_MIN_ACR", "eidas2"))
	c := env.NewClient()
	if loc := c.StartProConnect("agent-camille", "").Finish(); !strings.Contains(loc, "erreur=insufficient_acr") {
		t.Fatalf("eidas1 accepted: %s", loc)
	}
	env.ProConnect.SetFaults(proconnecttest.Faults{ACR: "eidas2"})
	c.SignInWithProConnect("agent-camille")
}

func setQuery(f *apptest.ProConnectFlow, key, value string) {
	q := f.CallbackURL.Query()
	q.Set(key, value)
	f.CallbackURL.RawQuery = q.Encode()
}

func itoa(n int64) string { return strconvFormat(n) }
