// Package proconnecttest is a fake ProConnect: a real OpenID Connect
// provider on 127.0.0.1 that follows ProConnect's rules as a relying party
// sees them (discovery under /api/v2, ES256-signed ID tokens, userinfo as a
// signed JWT, client_secret_post only, state and nonce of at least 32
// characters, unknown authorize parameters refused, 60 s codes, PKCE S256,
// /session/end with a 303 back). It shows a small page to pick one of its
// seeded agents. Go tests and browser tests sign in through it; `piaf
// dev-proconnect` runs it for development. Faults can be switched on to
// prove the relying party rejects them.
package proconnecttest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Agent is a seeded public agent one can sign in as.
type Agent struct {
	Sub               string
	Email             string
	GivenName         string
	UsualName         string
	UID               string
	Siret             string
	IdpID             string
	OrganizationLabel string
	// ACR is the authentication level put in the ID token (default eidas1).
	ACR string
}

// Client is a registered relying party.
type Client struct {
	ID                     string
	Secret                 string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
}

// Faults make the provider misbehave so that tests can check the relying
// party refuses each case. The zero value behaves correctly.
type Faults struct {
	IDTokenIssuer        string // put this iss in the ID token
	IDTokenAudience      string // put this aud in the ID token
	IDTokenExpired       bool   // exp in the past
	IDTokenNonce         string // replace the nonce
	IDTokenBadSignature  bool   // sign with a key not in the JWKS
	UserinfoBadSignature bool   // sign userinfo with a key not in the JWKS
	UserinfoSub          string // another sub in userinfo
	UserinfoJSON         bool   // answer userinfo as plain JSON (allowed)
	UserinfoIssuer       string // another iss in userinfo
	ACR                  string // override the acr claim
}

// DefaultAgents are seeded when none are given: a moderator-to-be from
// the lab, and an agent of a ministry.
var DefaultAgents = []Agent{
	{Sub: "agent-camille", Email: "camille.martin@numerique.gouv.fr", GivenName: "Camille", UsualName: "Martin", UID: "1001",
		Siret: "13002526500013", IdpID: "fia1", OrganizationLabel: "Direction interministérielle du numérique", ACR: "eidas1"},
	{Sub: "agent-yannick", Email: "yannick.le-goff@interieur.gouv.fr", GivenName: "Yannick", UsualName: "Le Goff", UID: "1002",
		Siret: "11000201100044", IdpID: "fia1", OrganizationLabel: "Ministère de l'Intérieur", ACR: "eidas1"},
}

// Server is the fake provider.
type Server struct {
	mu        sync.Mutex
	issuer    string
	agents    []Agent
	clients   map[string]Client
	key       *ecdsa.PrivateKey
	rogueKey  *ecdsa.PrivateKey
	kid       string
	faults    Faults
	pending   map[string]authRequest // interaction id → request
	codes     map[string]issuedCode
	tokens    map[string]issuedToken
	idTokens  map[string]bool
	now       func() time.Time
	CodeTTL   time.Duration
	lastLogin string
}

type authRequest struct {
	clientID, redirectURI, state, nonce, challenge, scope, acr string
	expires                                                    time.Time
}

type issuedCode struct {
	req     authRequest
	agent   Agent
	expires time.Time
}

type issuedToken struct {
	agent    Agent
	clientID string
	expires  time.Time
}

// New makes a provider whose issuer is baseURL + "/api/v2" (baseURL is
// where its handler will be served, e.g. http://127.0.0.1:9001).
func New(baseURL string, clients []Client, agents []Agent) (*Server, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	rogue, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	if len(agents) == 0 {
		agents = DefaultAgents
	}
	s := &Server{
		issuer: strings.TrimRight(baseURL, "/") + "/api/v2", agents: agents, clients: map[string]Client{},
		key: key, rogueKey: rogue, kid: randomString(8),
		pending: map[string]authRequest{}, codes: map[string]issuedCode{}, tokens: map[string]issuedToken{}, idTokens: map[string]bool{},
		now: time.Now, CodeTTL: 60 * time.Second,
	}
	for _, c := range clients {
		s.clients[c.ID] = c
	}
	return s, nil
}

// Issuer is the discovery base URL relying parties configure.
func (s *Server) Issuer() string { return s.issuer }

// SetFaults switches misbehaviours on (or off with the zero value).
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// SetClock replaces the clock (tests expire codes without waiting).
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// Handler serves the provider's endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("GET /api/v2/jwks", s.jwks)
	mux.HandleFunc("GET /api/v2/authorize", s.authorize)
	mux.HandleFunc("POST /api/v2/interaction/choose", s.choose)
	mux.HandleFunc("POST /api/v2/token", s.token)
	mux.HandleFunc("GET /api/v2/userinfo", s.userinfo)
	mux.HandleFunc("GET /api/v2/session/end", s.endSession)
	return mux
}

func (s *Server) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                s.issuer,
		"authorization_endpoint":                s.issuer + "/authorize",
		"token_endpoint":                        s.issuer + "/token",
		"userinfo_endpoint":                     s.issuer + "/userinfo",
		"jwks_uri":                              s.issuer + "/jwks",
		"end_session_endpoint":                  s.issuer + "/session/end",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"ES256", "RS256"},
		"userinfo_signing_alg_values_supported": []string{"ES256", "RS256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt"},
		"code_challenge_methods_supported":      []string{"S256"},
		"acr_values_supported":                  []string{"eidas0", "eidas1", "eidas2", "eidas3"},
		"scopes_supported":                      []string{"openid", "given_name", "usual_name", "email", "uid", "siret", "idp_id", "organization_label", "phone"},
		"claims_parameter_supported":            true,
	})
}

func (s *Server) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &s.key.PublicKey, KeyID: s.kid, Algorithm: "ES256", Use: "sig"}}})
}

// allowedAuthorizeParams are the parameters ProConnect accepts; any other
// is refused, as ProConnect does.
var allowedAuthorizeParams = []string{"response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "claims",
	"prompt", "idp_hint", "login_hint", "siret_hint", "acr_values", "code_challenge", "code_challenge_method"}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if !slices.Contains(allowedAuthorizeParams, k) {
			authError(w, "unknown parameter "+k)
			return
		}
	}
	s.mu.Lock()
	client, ok := s.clients[q.Get("client_id")]
	s.mu.Unlock()
	switch {
	case !ok:
		authError(w, "unknown client_id")
		return
	case !slices.Contains(client.RedirectURIs, q.Get("redirect_uri")):
		authError(w, "redirect_uri is not registered (exact match)")
		return
	case q.Get("response_type") != "code":
		authError(w, "response_type must be code")
		return
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		authError(w, "scope must include openid")
		return
	case len(q.Get("state")) < 32:
		authError(w, "state must hold at least 32 characters")
		return
	case len(q.Get("nonce")) < 32:
		authError(w, "nonce must hold at least 32 characters")
		return
	case q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256":
		authError(w, "only S256 code challenges are accepted")
		return
	}
	id := randomString(24)
	s.mu.Lock()
	s.pending[id] = authRequest{clientID: client.ID, redirectURI: q.Get("redirect_uri"), state: q.Get("state"), nonce: q.Get("nonce"),
		challenge: q.Get("code_challenge"), scope: q.Get("scope"), acr: q.Get("acr_values"), expires: s.now().Add(10 * time.Minute)}
	agents := s.agents
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = choosePage.Execute(w, map[string]any{"Interaction": id, "Agents": agents})
}

var choosePage = template.Must(template.New("choose").Parse(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>ProConnect (simulé) — choisir un agent</title></head>
<body><main>
<h1>ProConnect de test</h1>
<p>Fournisseur d'identité simulé pour le développement et les tests de PIAF. Choisissez l'agent avec lequel vous connecter.</p>
<form method="post" action="/api/v2/interaction/choose">
<input type="hidden" name="interaction" value="{{.Interaction}}">
<ul>{{range .Agents}}
<li><button type="submit" name="sub" value="{{.Sub}}" data-testid="agent-{{.Sub}}">{{.GivenName}} {{.UsualName}} — {{.Email}} ({{.OrganizationLabel}})</button></li>{{end}}
</ul></form></main></body></html>`))

func (s *Server) choose(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		authError(w, "bad form")
		return
	}
	s.mu.Lock()
	req, ok := s.pending[r.PostForm.Get("interaction")]
	delete(s.pending, r.PostForm.Get("interaction"))
	var agent *Agent
	for i := range s.agents {
		if s.agents[i].Sub == r.PostForm.Get("sub") {
			agent = &s.agents[i]
		}
	}
	now := s.now()
	if ok && agent != nil && now.Before(req.expires) {
		code := randomString(32)
		s.codes[code] = issuedCode{req: req, agent: *agent, expires: now.Add(s.CodeTTL)}
		s.lastLogin = agent.Sub
		s.mu.Unlock()
		u, _ := url.Parse(req.redirectURI)
		qv := u.Query()
		qv.Set("code", code)
		qv.Set("state", req.state)
		u.RawQuery = qv.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
		return
	}
	s.mu.Unlock()
	authError(w, "unknown or expired interaction, or unknown agent")
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if _, _, basic := r.BasicAuth(); basic {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client_secret_basic is not accepted: use client_secret_post")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "bad form")
		return
	}
	f := r.PostForm
	s.mu.Lock()
	defer s.mu.Unlock()
	client, ok := s.clients[f.Get("client_id")]
	if !ok || f.Get("client_secret") != client.Secret {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "bad client credentials")
		return
	}
	if f.Get("grant_type") != "authorization_code" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "only authorization_code")
		return
	}
	code, ok := s.codes[f.Get("code")]
	delete(s.codes, f.Get("code")) // single use
	switch {
	case !ok:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown or already used code")
		return
	case s.now().After(code.expires):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code expired")
		return
	case code.req.clientID != client.ID || code.req.redirectURI != f.Get("redirect_uri"):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code issued to another client or redirect_uri")
		return
	case code.req.challenge != "" && pkceChallenge(f.Get("code_verifier")) != code.req.challenge:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
		return
	}
	now := s.now()
	acr := code.agent.ACR
	if acr == "" {
		acr = "eidas1"
	}
	if s.faults.ACR != "" {
		acr = s.faults.ACR
	}
	claims := map[string]any{
		"iss": s.issuer, "sub": code.agent.Sub, "aud": client.ID, "iat": now.Unix(), "exp": now.Add(60 * time.Second).Unix(),
		"nonce": code.req.nonce, "acr": acr, "amr": []string{"pwd"}, "auth_time": now.Unix(), "sid": randomString(16),
	}
	if s.faults.IDTokenIssuer != "" {
		claims["iss"] = s.faults.IDTokenIssuer
	}
	if s.faults.IDTokenAudience != "" {
		claims["aud"] = s.faults.IDTokenAudience
	}
	if s.faults.IDTokenExpired {
		claims["exp"] = now.Add(-10 * time.Minute).Unix()
		claims["iat"] = now.Add(-20 * time.Minute).Unix()
	}
	if s.faults.IDTokenNonce != "" {
		claims["nonce"] = s.faults.IDTokenNonce
	}
	key := s.key
	if s.faults.IDTokenBadSignature {
		key = s.rogueKey
	}
	idToken, err := s.sign(key, claims)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	access := randomString(32)
	s.tokens[access] = issuedToken{agent: code.agent, clientID: client.ID, expires: now.Add(time.Hour)}
	s.idTokens[idToken] = true
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "token_type": "Bearer", "expires_in": 3600, "id_token": idToken, "scope": code.req.scope,
	})
}

func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, ok := s.tokens[strings.TrimPrefix(auth, "Bearer ")]
	if !strings.HasPrefix(auth, "Bearer ") || !ok || s.now().After(tok.expires) {
		oauthError(w, http.StatusUnauthorized, "invalid_token", "unknown or expired access token")
		return
	}
	a := tok.agent
	claims := map[string]any{
		"iss": s.issuer, "aud": tok.clientID, "iat": s.now().Unix(), "sub": a.Sub,
		"email": a.Email, "given_name": a.GivenName, "usual_name": a.UsualName, "uid": a.UID,
		"siret": a.Siret, "idp_id": a.IdpID, "organization_label": a.OrganizationLabel,
	}
	if s.faults.UserinfoSub != "" {
		claims["sub"] = s.faults.UserinfoSub
	}
	if s.faults.UserinfoIssuer != "" {
		claims["iss"] = s.faults.UserinfoIssuer
	}
	if s.faults.UserinfoJSON {
		writeJSON(w, http.StatusOK, claims)
		return
	}
	key := s.key
	if s.faults.UserinfoBadSignature {
		key = s.rogueKey
	}
	signed, err := s.sign(key, claims)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/jwt")
	_, _ = w.Write([]byte(signed))
}

func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	known := s.idTokens[q.Get("id_token_hint")]
	var allowed bool
	for _, c := range s.clients {
		if slices.Contains(c.PostLogoutRedirectURIs, q.Get("post_logout_redirect_uri")) {
			allowed = true
		}
	}
	s.mu.Unlock()
	switch {
	case !known:
		authError(w, "unknown id_token_hint")
		return
	case !allowed:
		authError(w, "post_logout_redirect_uri is not registered (exact match)")
		return
	case q.Get("state") == "":
		authError(w, "state is required")
		return
	}
	u, _ := url.Parse(q.Get("post_logout_redirect_uri"))
	qv := u.Query()
	qv.Set("state", q.Get("state"))
	u.RawQuery = qv.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func (s *Server) sign(key *ecdsa.PrivateKey, claims map[string]any) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", s.kid))
	if err != nil {
		return "", err
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func authError(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, "ProConnect (simulé) : requête refusée : %s\n", msg)
}
