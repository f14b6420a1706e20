package apptest

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

var interactionField = regexp.MustCompile(`name="interaction" value="([^"]+)"`)

// ProConnectFlow is one sign-in through the fake ProConnect, stopped at
// each step so that tests can tamper with it.
type ProConnectFlow struct {
	c *Client
	// AuthorizeURL is where PIAF sent the browser.
	AuthorizeURL *url.URL
	// CallbackURL is where ProConnect sends the browser back.
	CallbackURL *url.URL
}

// StartProConnect follows PIAF's redirect to the provider and picks agent
// on its page, stopping before the callback.
func (c *Client) StartProConnect(agentSub, next string) *ProConnectFlow {
	t := c.env.T
	t.Helper()
	path := "/api/v1/auth/oidc/proconnect/login"
	if next != "" {
		path += "?next=" + url.QueryEscape(next)
	}
	r := c.Must(http.StatusFound, http.MethodGet, path, nil)
	authorize, err := url.Parse(r.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	page := c.get(authorize.String())
	m := interactionField.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no interaction on the provider's page: %s", page)
	}
	form := url.Values{"interaction": {string(m[1])}, "sub": {agentSub}}
	res, err := c.HTTP.PostForm(authorize.Scheme+"://"+authorize.Host+"/api/v2/interaction/choose", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("choose: status %d", res.StatusCode)
	}
	cb, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return &ProConnectFlow{c: c, AuthorizeURL: authorize, CallbackURL: cb}
}

// Finish calls PIAF's callback and returns where PIAF redirects.
func (f *ProConnectFlow) Finish() (location string) {
	t := f.c.env.T
	t.Helper()
	res, err := f.c.HTTP.Get(f.CallbackURL.String())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("callback: status %d", res.StatusCode)
	}
	return res.Header.Get("Location")
}

// SignInWithProConnect runs the whole flow and refreshes the CSRF token.
func (c *Client) SignInWithProConnect(agentSub string) string {
	c.env.T.Helper()
	loc := c.StartProConnect(agentSub, "").Finish()
	if strings.Contains(loc, "erreur=") {
		c.env.T.Fatalf("ProConnect sign-in failed: %s", loc)
	}
	var info struct {
		CSRFToken string `json:"csrf_token"`
	}
	c.Must(http.StatusOK, http.MethodGet, "/api/v1/auth/session", nil).JSON(c.env.T, &info)
	c.CSRF = info.CSRFToken
	return loc
}

func (c *Client) get(u string) []byte {
	res, err := c.HTTP.Get(u)
	if err != nil {
		c.env.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		c.env.T.Fatalf("GET %s: %d %s", u, res.StatusCode, b)
	}
	return b
}
