package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
	mailer "github.com/lab-ia/piaf/backend/internal/mail"
)

// Lifetimes of e-mailed links.
const (
	verifyLinkTTL = 48 * time.Hour
	resetLinkTTL  = time.Hour
)

// SignUp is a volunteer's registration.
type SignUp struct {
	Email       string
	Pseudonym   string
	DisplayName string
	Password    string
	Locale      string
}

var pseudonymPattern = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} ._'’-]{1,38}[\p{L}\p{N}]$`)

// normalizeEmail trims and checks an address; PIAF keeps its case but
// compares case-insensitively.
func normalizeEmail(v *apperr.Validation, field, email string) string {
	email = strings.TrimSpace(email)
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		v.Add(field, "must be a valid e-mail address")
	}
	return email
}

// validPseudonym checks a public pseudonym: 3 to 40 letters, digits,
// spaces and simple punctuation, beginning and ending with a letter or digit.
func validPseudonym(v *apperr.Validation, p string) string {
	p = norm.NFC.String(strings.TrimSpace(p))
	if !pseudonymPattern.MatchString(p) {
		v.Add("pseudonym", "must hold 3 to 40 letters, digits, spaces or . _ ' -, starting and ending with a letter or digit")
	}
	if strings.Contains(p, "@") {
		v.Add("pseudonym", "must not be an e-mail address")
	}
	return p
}

func validLocale(v *apperr.Validation, l string) string {
	switch l {
	case "":
		return "fr"
	case "fr", "en":
		return l
	}
	v.Add("locale", "must be fr or en")
	return l
}

// Register creates an unverified volunteer account and e-mails a
// verification link. An address already registered gets an e-mail saying
// so instead, and the caller sees the same answer: sign-up does not reveal
// who has an account.
func (s *Service) Register(ctx context.Context, in SignUp, meta RequestMeta) error {
	var v apperr.Validation
	email := normalizeEmail(&v, "email", in.Email)
	pseudonym := validPseudonym(&v, in.Pseudonym)
	display := norm.NFC.String(strings.TrimSpace(in.DisplayName))
	if display == "" {
		display = pseudonym
	}
	if utf8.RuneCountInString(display) > 80 || strings.IndexFunc(display, unicode.IsControl) >= 0 {
		v.Add("display_name", "must hold at most 80 characters, without control characters")
	}
	locale := validLocale(&v, in.Locale)
	if p := PasswordProblem(in.Password, email, pseudonym); p != "" {
		v.Add("password", p)
	}
	if err := v.Err(); err != nil {
		return err
	}
	if existing, err := s.store.UserByEmail(ctx, email); err == nil {
		s.audit(ctx, "signup_existing_email", nil, &existing.ID, meta, nil)
		return s.send(ctx, email, existing.Locale, msgAlreadyRegistered, map[string]string{"url": s.cfg.PublicURL + "/connexion"})
	} else if !errors.Is(err, ErrUserNotFound) {
		return err
	}
	hash, err := s.hash(ctx, in.Password)
	if err != nil {
		return err
	}
	u := &User{Email: &email, DisplayName: display, Pseudonym: pseudonym, Role: identity.RoleContributor, PasswordHash: &hash, Locale: locale}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, ErrEmailTaken) { // lost a race with the same address
			return nil
		}
		return err
	}
	s.audit(ctx, "signup", &u.ID, &u.ID, meta, nil)
	return s.sendLink(ctx, u, "verify_email", verifyLinkTTL, "/verifier-email", msgVerify)
}

// sendLink stores a single-use link and e-mails it.
func (s *Service) sendLink(ctx context.Context, u *User, purpose string, ttl time.Duration, path string, msg message) error {
	secret := randomToken(32)
	now := s.now()
	if err := s.store.InsertEmailToken(ctx, &emailToken{UserID: u.ID, Purpose: purpose, TokenHash: hashSecret(secret), CreatedAt: now, ExpiresAt: now.Add(ttl)}); err != nil {
		return err
	}
	return s.send(ctx, u.EmailValue(), u.Locale, msg, map[string]string{"url": s.cfg.PublicURL + path + "?jeton=" + secret, "pseudonym": u.Pseudonym})
}

func (s *Service) send(ctx context.Context, to, locale string, msg message, values map[string]string) error {
	subject, text := msg.render(locale, values)
	if err := s.mailer.Send(ctx, mailer.Message{To: to, Subject: subject, Text: text}); err != nil {
		s.log.Error("e-mail not sent", "err", err)
		return apperr.Wrap(apperr.Unavailable, "mail_unavailable", "the e-mail could not be sent; try again later", err)
	}
	return nil
}

// VerifyEmail consumes a verification link.
func (s *Service) VerifyEmail(ctx context.Context, secret string, meta RequestMeta) error {
	uid, err := s.store.UseEmailToken(ctx, hashSecret(secret), "verify_email", s.now())
	if err != nil {
		return err
	}
	if err := s.store.MarkEmailVerified(ctx, uid); err != nil {
		return err
	}
	s.audit(ctx, "email_verified", &uid, &uid, meta, nil)
	return nil
}

// ResendVerification e-mails a new link to an unverified account; it
// answers the same whatever the address.
func (s *Service) ResendVerification(ctx context.Context, email string) error {
	u, err := s.store.UserByEmail(ctx, strings.TrimSpace(email))
	if errors.Is(err, ErrUserNotFound) {
		return nil
	}
	if err != nil || u.EmailVerifiedAt != nil {
		return err
	}
	return s.sendLink(ctx, u, "verify_email", verifyLinkTTL, "/verifier-email", msgVerify)
}

// RequestPasswordReset e-mails a reset link to a local account; it answers
// the same whatever the address.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, meta RequestMeta) error {
	u, err := s.store.UserByEmail(ctx, strings.TrimSpace(email))
	if errors.Is(err, ErrUserNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if u.PasswordHash == nil {
		return nil // ProConnect accounts have no password to reset
	}
	s.audit(ctx, "password_reset_requested", nil, &u.ID, meta, nil)
	return s.sendLink(ctx, u, "reset_password", resetLinkTTL, "/mot-de-passe/nouveau", msgReset)
}

// ResetPassword consumes a reset link, sets the new password, marks the
// address verified (the link proved it) and ends every session.
func (s *Service) ResetPassword(ctx context.Context, secret, password string, meta RequestMeta) error {
	if p := PasswordProblem(password); p != "" {
		var v apperr.Validation
		v.Add("password", p)
		return v.Err()
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return err
	}
	uid, err := s.store.UseEmailToken(ctx, hashSecret(secret), "reset_password", s.now())
	if err != nil {
		return err
	}
	if err := s.store.UpdateUser(ctx, uid, map[string]any{"password_hash": hash}); err != nil {
		return err
	}
	_ = s.store.MarkEmailVerified(ctx, uid)
	if _, err := s.store.DeleteUserSessions(ctx, uid); err != nil {
		return err
	}
	s.audit(ctx, "password_reset", &uid, &uid, meta, nil)
	return nil
}

// Login checks a volunteer's credentials, throttling repeated failures per
// account and per address, and returns the user.
func (s *Service) Login(ctx context.Context, email, password string, meta RequestMeta) (*User, error) {
	email = strings.TrimSpace(email)
	if email == "" || password == "" || len(password) > 4*MaxPasswordLength {
		return nil, ErrBadCredentials
	}
	acctKey, ipKey := "account:"+strings.ToLower(email), "ip:"+meta.IP
	if err := s.throttled(ctx, acctKey, s.cfg.LoginMaxFailures); err != nil {
		s.audit(ctx, "login_throttled", nil, nil, meta, map[string]any{"email": email})
		return nil, err
	}
	if err := s.throttled(ctx, ipKey, s.cfg.LoginMaxFailures*6); err != nil {
		s.audit(ctx, "login_throttled", nil, nil, meta, map[string]any{"email": email})
		return nil, err
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrUserNotFound) {
		return nil, err
	}
	hash := s.dummyHash
	if u != nil && u.PasswordHash != nil {
		hash = *u.PasswordHash
	}
	ok, err := s.verify(ctx, password, hash)
	if err != nil {
		return nil, err
	}
	if u == nil || u.PasswordHash == nil || !ok {
		if rerr := s.store.RecordFailure(ctx, s.now(), acctKey, ipKey); rerr != nil {
			return nil, rerr
		}
		var target *int64
		if u != nil {
			target = &u.ID
		}
		s.audit(ctx, "login_failed", nil, target, meta, map[string]any{"email": email})
		return nil, ErrBadCredentials
	}
	if u.EmailVerifiedAt == nil {
		return nil, ErrEmailNotVerified
	}
	_ = s.store.ClearFailures(ctx, acctKey)
	return u, nil
}

// throttled refuses when key has max failures in the window, saying when
// to retry.
func (s *Service) throttled(ctx context.Context, key string, max int) error {
	since := s.now().Add(-s.cfg.LoginFailureWindow)
	n, oldest, err := s.store.Failures(ctx, key, since)
	if err != nil {
		return err
	}
	if n < int64(max) {
		return nil
	}
	retry := int(oldest.Add(s.cfg.LoginFailureWindow).Sub(s.now()).Seconds()) + 1
	if retry < 1 {
		retry = 1
	}
	return &apperr.Error{Kind: apperr.RateLimited, Code: "too_many_attempts",
		Message: fmt.Sprintf("too many failed sign-ins; try again in %d minute(s)", (retry+59)/60),
		Details: map[string]any{"retry_after_seconds": retry}}
}

// ChangePassword replaces a local account's password after checking the
// current one, and ends the user's other sessions.
func (s *Service) ChangePassword(ctx context.Context, userID int64, keepSession, current, next string, meta RequestMeta) error {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if u.PasswordHash == nil {
		return ErrNoPassword
	}
	ok, err := s.verify(ctx, current, *u.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		var v apperr.Validation
		v.Add("current_password", "is incorrect")
		return v.Err()
	}
	if p := PasswordProblem(next, u.EmailValue(), u.Pseudonym); p != "" {
		var v apperr.Validation
		v.Add("new_password", p)
		return v.Err()
	}
	hash, err := s.hash(ctx, next)
	if err != nil {
		return err
	}
	if err := s.store.UpdateUser(ctx, userID, map[string]any{"password_hash": hash}); err != nil {
		return err
	}
	if err := s.store.deleteOtherSessions(ctx, userID, keepSession); err != nil {
		return err
	}
	s.audit(ctx, "password_changed", &userID, &userID, meta, nil)
	return nil
}

// ProfileUpdate is what users may change about themselves; nil fields
// are left alone.
type ProfileUpdate struct {
	Pseudonym         *string
	DisplayName       *string
	Locale            *string
	LeaderboardOptOut *bool
}

// UpdateProfile changes a user's own public and private names and language.
func (s *Service) UpdateProfile(ctx context.Context, userID int64, in ProfileUpdate) (*User, error) {
	var v apperr.Validation
	fields := map[string]any{}
	if in.Pseudonym != nil {
		fields["pseudonym"] = validPseudonym(&v, *in.Pseudonym)
	}
	if in.DisplayName != nil {
		d := norm.NFC.String(strings.TrimSpace(*in.DisplayName))
		if d == "" || utf8.RuneCountInString(d) > 80 || strings.IndexFunc(d, unicode.IsControl) >= 0 {
			v.Add("display_name", "must hold 1 to 80 characters, without control characters")
		}
		fields["display_name"] = d
	}
	if in.Locale != nil {
		fields["locale"] = validLocale(&v, *in.Locale)
	}
	if in.LeaderboardOptOut != nil {
		fields["leaderboard_opt_out"] = *in.LeaderboardOptOut
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if len(fields) > 0 {
		if err := s.store.UpdateUser(ctx, userID, fields); err != nil {
			return nil, err
		}
	}
	return s.store.UserByID(ctx, userID)
}

// rateLimit allows max requests per key in the login failure window; it
// bounds e-mail sending and account creation per address.
func (s *Service) rateLimit(ctx context.Context, key string, max int) error {
	if err := s.throttled(ctx, key, max); err != nil {
		return err
	}
	return s.store.RecordFailure(ctx, s.now(), key)
}
