package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/config"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// flowTTL bounds how long a user may take at the provider.
const flowTTL = 10 * time.Minute

// oidcProvider is a configured provider; discovery happens on first use
// (and is retried after a failure) so that PIAF starts even when the
// provider is briefly unreachable.
type oidcProvider struct {
	cfg         config.OIDCProvider
	redirectURL string
	logoutURL   string
	client      *http.Client

	mu         sync.Mutex
	provider   *oidc.Provider
	endSession string
	userinfo   string
}

func newOIDCProvider(cfg config.OIDCProvider, publicURL string) *oidcProvider {
	base := strings.TrimRight(publicURL, "/") + "/api/v1/auth/oidc/" + cfg.Name
	return &oidcProvider{cfg: cfg, redirectURL: base + "/callback", logoutURL: base + "/logout-callback",
		client: &http.Client{Timeout: 10 * time.Second}}
}

func (p *oidcProvider) discover(ctx context.Context) (*oidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.provider, nil
	}
	ctx = oidc.ClientContext(ctx, p.client)
	prov, err := oidc.NewProvider(ctx, p.cfg.Issuer)
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, "provider_unavailable", "the identity provider cannot be reached; try again later", err)
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
		UserInfo   string `json:"userinfo_endpoint"`
	}
	_ = prov.Claims(&extra)
	p.provider, p.endSession, p.userinfo = prov, extra.EndSession, extra.UserInfo
	return prov, nil
}

func (p *oidcProvider) oauth2(prov *oidc.Provider) *oauth2.Config {
	ep := prov.Endpoint()
	// ProConnect accepts client_secret_post, not HTTP Basic.
	ep.AuthStyle = oauth2.AuthStyleInParams
	return &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Endpoint: ep, RedirectURL: p.redirectURL, Scopes: p.cfg.Scopes}
}

// ProviderInfo is what the sign-in page shows of a provider.
type ProviderInfo struct {
	Name       string `json:"name" required:"true"`
	Label      string `json:"label" required:"true"`
	ProConnect bool   `json:"proconnect" required:"true"`
}

// Providers lists the configured identity providers.
func (s *Service) Providers() []ProviderInfo {
	out := make([]ProviderInfo, 0, len(s.cfg.OIDCProviders))
	for _, p := range s.cfg.OIDCProviders {
		out = append(out, ProviderInfo{Name: p.Name, Label: p.Label, ProConnect: p.ProConnect})
	}
	return out
}

// BeginLogin records a pending login (state, nonce, PKCE verifier) and
// returns the provider's authorization URL to redirect the browser to.
func (s *Service) BeginLogin(ctx context.Context, provider, next string) (string, error) {
	p, ok := s.providers[provider]
	if !ok {
		return "", ErrUnknownProvider
	}
	prov, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	state, nonce, verifier := randomToken(32), randomToken(32), oauth2.GenerateVerifier()
	now := s.now()
	if err := s.store.InsertFlow(ctx, &oidcFlow{StateHash: hashSecret(state), Kind: "login", Provider: provider, Nonce: nonce,
		CodeVerifier: verifier, NextPath: SafeNext(next), CreatedAt: now, ExpiresAt: now.Add(flowTTL)}); err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)}
	if len(p.cfg.ACRValues) > 0 {
		claims, _ := json.Marshal(map[string]any{"id_token": map[string]any{"acr": map[string]any{"essential": true, "values": p.cfg.ACRValues}}})
		opts = append(opts, oauth2.SetAuthURLParam("claims", string(claims)))
	}
	return p.oauth2(prov).AuthCodeURL(state, opts...), nil
}

// SafeNext keeps a post-login destination only when it is a path of this
// site, never another origin (open-redirect protection).
func SafeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

// LoginFailure is why an OpenID Connect sign-in was refused; its Code is
// shown on the sign-in page.
type LoginFailure struct {
	Code   string
	Reason string
	Err    error
}

func (f *LoginFailure) Error() string {
	if f.Err != nil {
		return f.Code + ": " + f.Reason + ": " + f.Err.Error()
	}
	return f.Code + ": " + f.Reason
}

func (f *LoginFailure) Unwrap() error { return f.Err }

func fail(code, reason string, err error) error {
	return &LoginFailure{Code: code, Reason: reason, Err: err}
}

// AgentClaims are the identity claims ProConnect returns in userinfo.
type AgentClaims struct {
	Sub               string `json:"sub"`
	Email             string `json:"email"`
	GivenName         string `json:"given_name"`
	UsualName         string `json:"usual_name"`
	FamilyName        string `json:"family_name"`
	UID               string `json:"uid"`
	Siret             string `json:"siret"`
	IdpID             string `json:"idp_id"`
	OrganizationLabel string `json:"organization_label"`
	Name              string `json:"name"`
}

// CompletedLogin is a successful OpenID Connect sign-in.
type CompletedLogin struct {
	User    *User
	IDToken string
	Next    string
}

// CompleteLogin handles the provider's callback: it checks state (single
// use), exchanges the code with the PKCE verifier, verifies the ID token
// (signature, issuer, audience, expiry, nonce, acr), fetches userinfo
// (signed JWT or JSON) and checks its subject, then finds or creates the
// account on (issuer, sub). Every refusal is audited and no session is made.
func (s *Service) CompleteLogin(ctx context.Context, provider, state, code, providerError string, meta RequestMeta) (*CompletedLogin, error) {
	res, err := s.completeLogin(ctx, provider, state, code, providerError)
	if err != nil {
		var lf *LoginFailure
		if errors.As(err, &lf) {
			s.audit(ctx, "login_failed", nil, nil, meta, map[string]any{"method": provider, "reason": lf.Code, "detail": truncate(lf.Error(), 300)})
		}
		return nil, err
	}
	return res, nil
}

func (s *Service) completeLogin(ctx context.Context, provider, state, code, providerError string) (*CompletedLogin, error) {
	p, ok := s.providers[provider]
	if !ok {
		return nil, fail("unknown_provider", "no such provider", nil)
	}
	if state == "" {
		return nil, fail("invalid_state", "the provider returned no state", nil)
	}
	flow, err := s.store.TakeFlow(ctx, hashSecret(state), "login", s.now())
	if errors.Is(err, errFlowNotFound) {
		return nil, fail("invalid_state", "unknown, replayed or expired state", nil)
	}
	if err != nil {
		return nil, err
	}
	if flow.Provider != provider {
		return nil, fail("invalid_state", "state issued for another provider (mix-up)", nil)
	}
	if providerError != "" {
		return nil, fail("provider_error", "the provider refused the sign-in: "+truncate(providerError, 100), nil)
	}
	if code == "" {
		return nil, fail("invalid_code", "the provider returned no code", nil)
	}
	prov, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	hctx := oidc.ClientContext(ctx, p.client)
	tok, err := p.oauth2(prov).Exchange(hctx, code, oauth2.VerifierOption(flow.CodeVerifier))
	if err != nil {
		return nil, fail("token_exchange_failed", "the code could not be exchanged", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return nil, fail("invalid_id_token", "no ID token in the token response", nil)
	}
	verifier := prov.Verifier(&oidc.Config{ClientID: p.cfg.ClientID, SupportedSigningAlgs: []string{oidc.ES256, oidc.RS256}, Now: s.now})
	idt, err := verifier.Verify(hctx, rawID)
	if err != nil {
		return nil, fail("invalid_id_token", "the ID token failed verification", err)
	}
	if idt.Nonce != flow.Nonce {
		return nil, fail("invalid_nonce", "the ID token's nonce does not match", nil)
	}
	var idClaims struct {
		ACR string `json:"acr"`
	}
	_ = idt.Claims(&idClaims)
	if !config.ACRAtLeast(idClaims.ACR, p.cfg.MinACR) {
		return nil, fail("insufficient_acr", fmt.Sprintf("authentication level %q is below the required %q", idClaims.ACR, p.cfg.MinACR), nil)
	}
	claims, err := s.fetchUserinfo(hctx, p, prov, tok.AccessToken)
	if err != nil {
		return nil, err
	}
	if claims.Sub != idt.Subject {
		return nil, fail("userinfo_subject_mismatch", "userinfo describes another subject than the ID token", nil)
	}
	u, err := s.upsertAgent(ctx, p, idt.Issuer, claims)
	if err != nil {
		return nil, err
	}
	return &CompletedLogin{User: u, IDToken: rawID, Next: flow.NextPath}, nil
}

// fetchUserinfo calls the userinfo endpoint and accepts either a signed JWT
// (checked for signature, issuer and audience) or plain JSON.
func (s *Service) fetchUserinfo(ctx context.Context, p *oidcProvider, prov *oidc.Provider, accessToken string) (*AgentClaims, error) {
	if p.userinfo == "" {
		return nil, fail("userinfo_failed", "the provider has no userinfo endpoint", nil)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.userinfo, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	res, err := p.client.Do(req)
	if err != nil {
		return nil, fail("userinfo_failed", "userinfo could not be fetched", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, fail("userinfo_failed", "userinfo could not be read", err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fail("userinfo_failed", fmt.Sprintf("userinfo answered %d", res.StatusCode), nil)
	}
	var claims AgentClaims
	ct, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if ct == "application/jwt" {
		// A userinfo JWT carries no nonce and may carry no expiry: verify
		// its signature, issuer and audience.
		v := prov.Verifier(&oidc.Config{ClientID: p.cfg.ClientID, SupportedSigningAlgs: []string{oidc.ES256, oidc.RS256}, SkipExpiryCheck: true, Now: s.now})
		tok, err := v.Verify(ctx, strings.TrimSpace(string(body)))
		if err != nil {
			return nil, fail("invalid_userinfo", "the signed userinfo failed verification", err)
		}
		if err := tok.Claims(&claims); err != nil {
			return nil, fail("invalid_userinfo", "the signed userinfo is malformed", err)
		}
	} else if err := json.Unmarshal(body, &claims); err != nil {
		return nil, fail("invalid_userinfo", "userinfo is neither a JWT nor JSON", err)
	}
	if claims.Sub == "" {
		return nil, fail("invalid_userinfo", "userinfo has no subject", nil)
	}
	return &claims, nil
}

// upsertAgent finds the account of (issuer, sub) or creates it with the
// least role, refreshes its identity claims, and applies the configured
// role rules (which only ever raise a role).
func (s *Service) upsertAgent(ctx context.Context, p *oidcProvider, issuer string, c *AgentClaims) (*User, error) {
	now := s.now()
	usual := c.UsualName
	if usual == "" {
		usual = c.FamilyName
	}
	var siret *string
	if c.Siret != "" {
		if ValidSIRET(c.Siret) {
			siret = &c.Siret
		} else {
			s.log.Warn("ignoring an invalid SIRET from the identity provider", "provider", p.cfg.Name)
		}
	}
	display := strings.TrimSpace(c.GivenName + " " + usual)
	if display == "" {
		display = c.Name
	}
	if display == "" {
		display = "Agent"
	}
	var u User
	err := s.store.db.Transaction(ctx, func(tx *gorm.DB) error {
		var ident Identity
		err := tx.Where("issuer = ? AND subject = ?", issuer, c.Sub).Take(&ident).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			u = User{DisplayName: display, Pseudonym: agentPseudonym(c), Role: identity.RoleContributor, Locale: "fr", EmailVerifiedAt: &now}
			if err := createUser(tx, &u); err != nil {
				return err
			}
			ident = Identity{UserID: u.ID, Provider: p.cfg.Name, Issuer: issuer, Subject: c.Sub, CreatedAt: now, LastLoginAt: now}
			if err := tx.Create(&ident).Error; err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if err := tx.First(&u, ident.UserID).Error; err != nil {
				return err
			}
			if u.DeletedAt != nil {
				return fail("account_deleted", "this account was deleted", nil)
			}
			if err := tx.Model(&ident).Update("last_login_at", now).Error; err != nil {
				return err
			}
		}
		fields := map[string]any{"given_name": c.GivenName, "usual_name": usual, "siret": siret, "organization": c.OrganizationLabel,
			"display_name": display, "updated_at": now}
		if c.Email != "" {
			fields["email"] = c.Email
			fields["email_key"] = emailKey(c.Email)
			fields["email_verified_at"] = now
		}
		role := u.Role
		for _, r := range s.rules {
			if r.Matches(c.Siret, c.Email) && rank(identity.Role(r.Role)) > rank(role) {
				role = identity.Role(r.Role)
			}
		}
		fields["role"] = role
		err = tx.Model(&User{}).Where("id = ?", u.ID).Updates(fields).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			// The e-mail belongs to another (local) account: keep this one
			// without it rather than merging accounts implicitly.
			delete(fields, "email")
			delete(fields, "email_key")
			delete(fields, "email_verified_at")
			err = tx.Model(&User{}).Where("id = ?", u.ID).Updates(fields).Error
		}
		if err != nil {
			return err
		}
		return tx.First(&u, u.ID).Error
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// rank orders roles for the role rules (which never lower a role).
func rank(r identity.Role) int {
	return slices.Index([]identity.Role{identity.RoleContributor, identity.RoleConsumer, identity.RoleModerator, identity.RoleAdmin}, r)
}

// agentPseudonym makes a unique public pseudonym for a new agent; they can
// change it in their profile.
func agentPseudonym(c *AgentClaims) string {
	base := strings.TrimSpace(c.GivenName)
	if base == "" {
		base = "Agent"
	}
	if len([]rune(base)) > 20 {
		base = string([]rune(base)[:20])
	}
	return fmt.Sprintf("%s %s", base, randomToken(4)[:5])
}

// endSessionURL records a pending logout and builds the provider's
// end-session URL with id_token_hint, state and post_logout_redirect_uri.
func (s *Service) endSessionURL(ctx context.Context, p *oidcProvider, idToken string) (string, error) {
	if _, err := p.discover(ctx); err != nil || p.endSession == "" {
		return "", nil // local session ended; the provider cannot be told
	}
	state := randomToken(32)
	now := s.now()
	if err := s.store.InsertFlow(ctx, &oidcFlow{StateHash: hashSecret(state), Kind: "logout", Provider: p.cfg.Name, NextPath: "/",
		CreatedAt: now, ExpiresAt: now.Add(flowTTL)}); err != nil {
		return "", err
	}
	u, err := url.Parse(p.endSession)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("id_token_hint", idToken)
	q.Set("state", state)
	q.Set("post_logout_redirect_uri", p.logoutURL)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// CompleteLogout checks the state the provider returns after logout.
func (s *Service) CompleteLogout(ctx context.Context, provider, state string) error {
	if _, ok := s.providers[provider]; !ok {
		return fail("unknown_provider", "no such provider", nil)
	}
	flow, err := s.store.TakeFlow(ctx, hashSecret(state), "logout", s.now())
	if err != nil || flow.Provider != provider {
		return fail("invalid_state", "unknown, replayed or expired logout state", nil)
	}
	return nil
}
