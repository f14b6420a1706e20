package auth

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// Handlers exposes identity and access over HTTP.
type Handlers struct {
	svc      *Service
	web      *Web
	sections []DataSection
}

// NewHandlers binds the handlers; sections extend the GDPR export.
func NewHandlers(svc *Service, web *Web, sections ...DataSection) *Handlers {
	return &Handlers{svc: svc, web: web, sections: sections}
}

// SessionInfo tells the interface who is signed in and how to sign in.
type SessionInfo struct {
	Authenticated bool           `json:"authenticated" required:"true"`
	User          *Profile       `json:"user,omitempty"`
	CSRFToken     string         `json:"csrf_token,omitempty"`
	Providers     []ProviderInfo `json:"providers" required:"true"`
}

type signupRequest struct {
	Email       string `json:"email" required:"true" format:"email"`
	Pseudonym   string `json:"pseudonym" required:"true" minLength:"3" maxLength:"40"`
	DisplayName string `json:"display_name,omitempty" maxLength:"80"`
	Password    string `json:"password" required:"true" minLength:"10" maxLength:"256"`
	Locale      string `json:"locale,omitempty" enum:"fr,en"`
}

type loginRequest struct {
	Email    string `json:"email" required:"true"`
	Password string `json:"password" required:"true"`
}

type tokenBody struct {
	Token string `json:"token" required:"true"`
}

type emailBody struct {
	Email string `json:"email" required:"true"`
}

type resetConfirm struct {
	Token    string `json:"token" required:"true"`
	Password string `json:"password" required:"true" minLength:"10" maxLength:"256"`
}

// Accepted is the answer of requests whose effect arrives by e-mail.
type Accepted struct {
	Status string `json:"status" required:"true"`
}

// LogoutResult tells the interface where to go after signing out: the
// identity provider's logout page for ProConnect sessions.
type LogoutResult struct {
	RedirectURL string `json:"redirect_url,omitempty"`
}

type oidcLoginQuery struct {
	Provider string `path:"provider" json:"-"`
	Next     string `query:"next"`
}

type oidcCallbackQuery struct {
	Provider string `path:"provider" json:"-"`
	Code     string `query:"code"`
	State    string `query:"state"`
	Error    string `query:"error"`
}

type oidcLogoutQuery struct {
	Provider string `path:"provider" json:"-"`
	State    string `query:"state"`
}

// Routes lists every route of identity and access.
func (h *Handlers) Routes() []api.Route {
	return append(append(h.authRoutes(), h.MeRoutes()...), h.AdminRoutes()...)
}

// authRoutes lists the sign-in, sign-up and sign-out routes.
func (h *Handlers) authRoutes() []api.Route {
	tags := []string{"auth"}
	redirect := []api.Response{{Status: http.StatusFound, Description: "Redirect to the identity provider or back to the interface"}}
	return []api.Route{
		{Method: http.MethodGet, Path: "/api/v1/auth/session", OperationID: "getSession", Summary: "Who is signed in, the CSRF token and the identity providers",
			Tags: tags, Access: api.Public, Responses: []api.Response{{Status: 200, Body: SessionInfo{}}}, Handler: h.session},
		{Method: http.MethodPost, Path: "/api/v1/auth/signup", OperationID: "signUp", Summary: "Create a volunteer account (a verification link is e-mailed)",
			Tags: tags, Access: api.Public, NoCSRF: true, Request: signupRequest{}, Responses: []api.Response{{Status: 202, Body: Accepted{}}}, Handler: h.signup},
		{Method: http.MethodPost, Path: "/api/v1/auth/login", OperationID: "logIn", Summary: "Sign in with e-mail and password",
			Tags: tags, Access: api.Public, NoCSRF: true, Request: loginRequest{}, Responses: []api.Response{{Status: 200, Body: SessionInfo{}}}, Handler: h.login},
		{Method: http.MethodPost, Path: "/api/v1/auth/logout", OperationID: "logOut", Summary: "Sign out (and get the provider's logout URL for ProConnect sessions)",
			Tags: tags, Access: api.SignedIn, Responses: []api.Response{{Status: 200, Body: LogoutResult{}}}, Handler: h.logout},
		{Method: http.MethodPost, Path: "/api/v1/auth/verify-email", OperationID: "verifyEmail", Summary: "Confirm an e-mail address with the link's token",
			Tags: tags, Access: api.Public, NoCSRF: true, Request: tokenBody{}, Responses: []api.Response{{Status: 204}}, Handler: h.verifyEmail},
		{Method: http.MethodPost, Path: "/api/v1/auth/resend-verification", OperationID: "resendVerification", Summary: "E-mail a new verification link",
			Tags: tags, Access: api.Public, NoCSRF: true, Request: emailBody{}, Responses: []api.Response{{Status: 202, Body: Accepted{}}}, Handler: h.resend},
		{Method: http.MethodPost, Path: "/api/v1/auth/password-reset", OperationID: "requestPasswordReset", Summary: "E-mail a password reset link",
			Tags: tags, Access: api.Public, NoCSRF: true, Request: emailBody{}, Responses: []api.Response{{Status: 202, Body: Accepted{}}}, Handler: h.resetRequest},
		{Method: http.MethodPost, Path: "/api/v1/auth/password-reset/confirm", OperationID: "confirmPasswordReset", Summary: "Set a new password with the link's token",
			Tags: tags, Access: api.Public, NoCSRF: true, Request: resetConfirm{}, Responses: []api.Response{{Status: 204}}, Handler: h.resetConfirm},
		{Method: http.MethodGet, Path: "/api/v1/auth/oidc/{provider}/login", OperationID: "oidcLogin", Summary: "Start signing in with an identity provider (ProConnect)",
			Tags: tags, Access: api.Public, Request: oidcLoginQuery{}, Responses: redirect, Handler: h.oidcLogin},
		{Method: http.MethodGet, Path: "/api/v1/auth/oidc/{provider}/callback", OperationID: "oidcCallback", Summary: "Identity provider's return after sign-in",
			Tags: tags, Access: api.Public, Request: oidcCallbackQuery{}, Responses: redirect, Handler: h.oidcCallback},
		{Method: http.MethodGet, Path: "/api/v1/auth/oidc/{provider}/logout-callback", OperationID: "oidcLogoutCallback", Summary: "Identity provider's return after sign-out",
			Tags: tags, Access: api.Public, Request: oidcLogoutQuery{}, Responses: redirect, Handler: h.oidcLogoutCallback},
	}
}

func (h *Handlers) sessionInfo(c echo.Context, p *identity.Principal, csrf string) (SessionInfo, error) {
	info := SessionInfo{Providers: h.svc.Providers()}
	if p == nil {
		return info, nil
	}
	u, err := h.svc.store.UserByID(c.Request().Context(), p.UserID)
	if err != nil {
		return info, err
	}
	prof := ProfileOf(u)
	info.Authenticated, info.User, info.CSRFToken = true, &prof, csrf
	return info, nil
}

func (h *Handlers) session(c echo.Context) error {
	p := identity.FromContext(c.Request().Context())
	csrf, _ := c.Get(csrfKey).(string)
	if p.ViaToken() {
		csrf = ""
	}
	info, err := h.sessionInfo(c, p, csrf)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, info)
}

func (h *Handlers) signup(c echo.Context) error {
	var in signupRequest
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.svc.rateLimit(ctx, "signup:"+c.RealIP(), 10); err != nil {
		return err
	}
	err := h.svc.Register(ctx, SignUp{Email: in.Email, Pseudonym: in.Pseudonym, DisplayName: in.DisplayName, Password: in.Password, Locale: in.Locale}, meta(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, Accepted{Status: "verification_sent"})
}

func (h *Handlers) login(c echo.Context) error {
	var in loginRequest
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := h.svc.Login(ctx, in.Email, in.Password, meta(c))
	if err != nil {
		return err
	}
	prev := ""
	if ck, err := c.Cookie(h.web.CookieName); err == nil {
		prev = ck.Value
	}
	ns, err := h.svc.StartSession(ctx, u, prev, "", "", meta(c))
	if err != nil {
		return err
	}
	h.web.setSessionCookie(c, ns.Cookie, ns.ExpiresAt)
	info, err := h.sessionInfo(c, &identity.Principal{UserID: u.ID, Role: u.Role}, ns.CSRFToken)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, info)
}

func (h *Handlers) logout(c echo.Context) error {
	p := identity.FromContext(c.Request().Context())
	if p.ViaToken() {
		return apperr.New(apperr.Invalid, "not_a_session", "API tokens are revoked, not signed out")
	}
	redirect, err := h.svc.Logout(c.Request().Context(), p.SessionID, meta(c))
	if err != nil {
		return err
	}
	h.web.clearSessionCookie(c)
	return c.JSON(http.StatusOK, LogoutResult{RedirectURL: redirect})
}

func (h *Handlers) verifyEmail(c echo.Context) error {
	var in tokenBody
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	if err := h.svc.VerifyEmail(c.Request().Context(), in.Token, meta(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *Handlers) resend(c echo.Context) error {
	var in emailBody
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.svc.rateLimit(ctx, "mail:"+c.RealIP(), 10); err != nil {
		return err
	}
	if err := h.svc.ResendVerification(ctx, in.Email); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, Accepted{Status: "sent_if_pending"})
}

func (h *Handlers) resetRequest(c echo.Context) error {
	var in emailBody
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.svc.rateLimit(ctx, "mail:"+c.RealIP(), 10); err != nil {
		return err
	}
	if err := h.svc.RequestPasswordReset(ctx, in.Email, meta(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, Accepted{Status: "sent_if_registered"})
}

func (h *Handlers) resetConfirm(c echo.Context) error {
	var in resetConfirm
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	if err := h.svc.ResetPassword(c.Request().Context(), in.Token, in.Password, meta(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *Handlers) oidcLogin(c echo.Context) error {
	target, err := h.svc.BeginLogin(c.Request().Context(), c.Param("provider"), c.QueryParam("next"))
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return err
		}
		return c.Redirect(http.StatusFound, "/connexion?erreur=provider_unavailable")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusFound, target)
}

func (h *Handlers) oidcCallback(c echo.Context) error {
	ctx := c.Request().Context()
	q := c.QueryParams()
	res, err := h.svc.CompleteLogin(ctx, c.Param("provider"), q.Get("state"), q.Get("code"), q.Get("error"), meta(c))
	if err != nil {
		code := "login_failed"
		if lf, ok := err.(*LoginFailure); ok {
			code = lf.Code
		} else if !apperr.Is(err, apperr.Unavailable) {
			h.svc.log.Error("oidc callback", "err", err)
		}
		return c.Redirect(http.StatusFound, "/connexion?erreur="+url.QueryEscape(code))
	}
	prev := ""
	if ck, err := c.Cookie(h.web.CookieName); err == nil {
		prev = ck.Value
	}
	ns, err := h.svc.StartSession(ctx, res.User, prev, c.Param("provider"), res.IDToken, meta(c))
	if err != nil {
		return err
	}
	h.web.setSessionCookie(c, ns.Cookie, ns.ExpiresAt)
	return c.Redirect(http.StatusFound, res.Next)
}

func (h *Handlers) oidcLogoutCallback(c echo.Context) error {
	if err := h.svc.CompleteLogout(c.Request().Context(), c.Param("provider"), c.QueryParam("state")); err != nil {
		return c.Redirect(http.StatusFound, "/connexion?erreur=invalid_logout_state")
	}
	return c.Redirect(http.StatusFound, "/?deconnecte=1")
}
