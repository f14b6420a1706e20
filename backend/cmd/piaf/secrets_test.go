package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// TestSecretsNeverReachTheLogs runs a server at debug level through
// sign-ins (right and wrong passwords), a password reset, API tokens and
// pseudonymisation with the mapping, then searches its whole log for every
// secret it saw: passwords, session cookie, CSRF token, API token, the
// instance secret key, and the personal data sent to the engine.
func TestSecretsNeverReachTheLogs(t *testing.T) {
	dir := t.TempDir()
	const (
		password = "Gr@nd-Secret-De-Test-42!"
		wrong    = "Mauvais-Secret-De-Test-17?"
		secret   = "cle-instance-de-test-0123456789abcdef0123456789abcdef"
		person   = "Églantine Vaucanson-Ferrière"
	)
	env := []string{"PIAF_DATA_DIR=" + dir, "PIAF_LOG_LEVEL=debug", "PIAF_SECRET_KEY=" + secret}
	var out, errb bytes.Buffer
	cli := &cliEnv{stdin: strings.NewReader(password + "\n"), stdout: &out, stderr: &errb, environ: env}
	if code := dispatch(context.Background(), cli, []string{"user", "create", "--email", "agente@exemple.gouv.fr", "--role", "admin"}); code != 0 {
		t.Fatalf("user create: %d %s", code, errb.String())
	}
	p := startServe(t, env)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	do := func(method, path, csrf, bearer string, body any) (int, []byte) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, p.url+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", p.url)
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		return res.StatusCode, data
	}
	if st, _ := do("POST", "/api/v1/auth/login", "", "", map[string]string{"email": "agente@exemple.gouv.fr", "password": wrong}); st != 401 {
		t.Fatalf("wrong password: %d", st)
	}
	st, body := do("POST", "/api/v1/auth/login", "", "", map[string]string{"email": "agente@exemple.gouv.fr", "password": password})
	if st != 200 {
		t.Fatalf("login: %d %s", st, body)
	}
	var login struct {
		CSRF string `json:"csrf_token"`
	}
	json.Unmarshal(body, &login)
	u, _ := url.Parse(p.url)
	var session string
	for _, ck := range jar.Cookies(u) {
		session = ck.Value
	}
	st, body = do("POST", "/api/v1/me/tokens", login.CSRF, "", map[string]any{"name": "journal", "scopes": []string{"pseudo:run"}})
	if st != 201 {
		t.Fatalf("token: %d %s", st, body)
	}
	var tok struct {
		Token string `json:"secret"`
	}
	json.Unmarshal(body, &tok)
	if tok.Token == "" || session == "" || login.CSRF == "" {
		t.Fatalf("missing secrets: token %q session %q csrf %q", tok.Token, session, login.CSRF)
	}
	c.Jar, _ = cookiejar.New(nil)
	if st, body := do("POST", "/api/v1/pseudonymize", "", tok.Token, map[string]any{"text": "Courrier de Mme " + person + ".", "include_mapping": true, "default_operator": "hash"}); st != 200 {
		t.Fatalf("pseudonymize: %d %s", st, body)
	}
	if st, _ := do("POST", "/api/v1/pseudonymize", "", tok.Token+"x", map[string]any{"text": "x"}); st != 401 {
		t.Fatalf("forged token: %d", st)
	}
	do("POST", "/api/v1/auth/password-reset", "", "", map[string]string{"email": "agente@exemple.gouv.fr"})
	p.stop(t)
	logs := p.logs.String()
	if !strings.Contains(logs, "/api/v1/pseudonymize") {
		t.Fatalf("the requests were not logged at all:\n%s", logs)
	}
	for name, s := range map[string]string{"password": password, "wrong password": wrong, "session cookie": session, "CSRF token": login.CSRF,
		"API token": tok.Token, "secret key": secret, "personal data sent to the engine": "Vaucanson"} {
		if strings.Contains(logs, s) {
			t.Errorf("the %s appears in the log", name)
		}
	}
}
