package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/lab-ia/piaf/backend/internal/identity"
)

// touchEvery limits how often a session's last activity is written.
const touchEvery = time.Minute

// NewSession is a session just opened: the cookie value (shown once) and
// its CSRF token.
type NewSession struct {
	Cookie    string
	CSRFToken string
	ExpiresAt time.Time
	ID        string
}

// StartSession opens a session for a user who just proved who they are.
// Any session the browser already had is ended first (rotation), so that a
// session id planted before sign-in is worthless after it.
func (s *Service) StartSession(ctx context.Context, u *User, previousCookie, provider, idToken string, meta RequestMeta) (*NewSession, error) {
	if previousCookie != "" {
		_ = s.store.DeleteSession(ctx, hashSecret(previousCookie))
	}
	now := s.now()
	cookie := randomToken(32)
	sess := &Session{ID: hashSecret(cookie), UserID: u.ID, CSRFToken: randomToken(32), Provider: provider, IDToken: idToken,
		IP: meta.IP, UserAgent: truncate(meta.UserAgent, 300), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionMaxAge)}
	if err := s.store.InsertSession(ctx, sess); err != nil {
		return nil, err
	}
	_ = s.store.UpdateUser(ctx, u.ID, map[string]any{"last_login_at": now})
	method := "password"
	if provider != "" {
		method = provider
	}
	s.audit(ctx, "login", &u.ID, &u.ID, meta, map[string]any{"method": method})
	return &NewSession{Cookie: cookie, CSRFToken: sess.CSRFToken, ExpiresAt: sess.ExpiresAt, ID: sess.ID}, nil
}

// SessionPrincipal resolves a session cookie to its caller, or nil when the
// cookie matches no live session.
func (s *Service) SessionPrincipal(ctx context.Context, cookie string) (*identity.Principal, string, error) {
	now := s.now()
	row, err := s.store.liveSession(ctx, hashSecret(cookie), now, s.cfg.SessionIdleTimeout)
	if errors.Is(err, errNoSession) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	if now.Sub(row.LastSeenAt) > touchEvery {
		if err := s.store.TouchSession(ctx, row.ID, now); err != nil {
			s.log.Warn("session activity not recorded", "err", err)
		}
	}
	return &identity.Principal{UserID: row.UserID, Role: identity.Role(row.Role), Pseudonym: row.Pseudonym, SessionID: row.ID,
		Suspended: row.SuspendedAt != nil}, row.CSRFToken, nil
}

// CheckCSRF compares the token sent with a request to the session's.
func CheckCSRF(expected, got string) error {
	if expected == "" || got == "" || subtle.ConstantTimeCompare([]byte(expected), []byte(got)) != 1 {
		return ErrCSRF
	}
	return nil
}

// Logout ends a session and, for an OpenID Connect session, returns the
// provider's end-session URL the browser must visit.
func (s *Service) Logout(ctx context.Context, sessionID string, meta RequestMeta) (redirect string, err error) {
	sess, err := s.store.sessionByID(ctx, sessionID)
	if errors.Is(err, errNoSession) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if err := s.store.DeleteSession(ctx, sessionID); err != nil {
		return "", err
	}
	s.audit(ctx, "logout", &sess.UserID, &sess.UserID, meta, nil)
	if p, ok := s.providers[sess.Provider]; ok && sess.IDToken != "" {
		return s.endSessionURL(ctx, p, sess.IDToken)
	}
	return "", nil
}

// RevokeSessions ends every session of a user (operator or admin action).
func (s *Service) RevokeSessions(ctx context.Context, actor *int64, userID int64, meta RequestMeta) (int64, error) {
	if _, err := s.store.UserByID(ctx, userID); err != nil {
		return 0, err
	}
	n, err := s.store.DeleteUserSessions(ctx, userID)
	if err != nil {
		return 0, err
	}
	s.audit(ctx, "sessions_revoked", actor, &userID, meta, map[string]any{"count": n})
	return n, nil
}
