package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// OIDCProvider is one OpenID Connect identity provider (ProConnect for
// public agents, or any standard provider).
type OIDCProvider struct {
	// Name appears in URLs (/api/v1/auth/oidc/{name}/login).
	Name string
	// Label is shown on the sign-in button.
	Label string
	// ProConnect selects ProConnect's rules and its official button.
	ProConnect bool
	// Issuer is the discovery base URL (…/.well-known/openid-configuration).
	Issuer       string
	ClientID     string
	ClientSecret string
	Scopes       []string
	// ACRValues are requested as essential acr claims; MinACR, when set,
	// is the lowest eIDAS level accepted in the ID token.
	ACRValues []string
	MinACR    string
}

// DefaultOIDCScopes are ProConnect's identity claims.
var DefaultOIDCScopes = []string{"openid", "email", "given_name", "usual_name", "uid", "siret", "idp_id"}

// ACRLevels ranks ProConnect's authentication levels, weakest first.
var ACRLevels = []string{"eidas0", "eidas0-mfa", "eidas1", "eidas1-mfa", "eidas2", "eidas3"}

var providerName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)

// loadOIDCProviders reads PIAF_OIDC_<NAME>_ISSUER, _CLIENT_ID,
// _CLIENT_SECRET (or _CLIENT_SECRET_FILE), _SCOPES, _ACR_VALUES, _MIN_ACR,
// _LABEL and _KIND (proconnect or oidc) for each listed provider.
func loadOIDCProviders(names []string, vars map[string]string) ([]OIDCProvider, error) {
	var out []OIDCProvider
	for _, raw := range names {
		name := strings.ToLower(strings.TrimSpace(raw))
		if name == "" {
			continue
		}
		if !providerName.MatchString(name) {
			return nil, fmt.Errorf("PIAF_OIDC_PROVIDERS: %q is not a valid provider name (lower case letters, digits, dashes)", raw)
		}
		prefix := "PIAF_OIDC_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_"
		get := func(k string) string { return strings.TrimSpace(vars[prefix+k]) }
		secret := vars[prefix+"CLIENT_SECRET"]
		if f := vars[prefix+"CLIENT_SECRET_FILE"]; f != "" {
			b, err := readSecretFile(f)
			if err != nil {
				return nil, fmt.Errorf("%sCLIENT_SECRET_FILE: %w", prefix, err)
			}
			secret = b
		}
		p := OIDCProvider{Name: name, Label: get("LABEL"), Issuer: get("ISSUER"), ClientID: get("CLIENT_ID"), ClientSecret: secret, MinACR: get("MIN_ACR")}
		switch get("KIND") {
		case "", "proconnect":
			p.ProConnect = get("KIND") == "proconnect" || name == "proconnect"
		case "oidc":
		default:
			return nil, fmt.Errorf("%sKIND: must be proconnect or oidc", prefix)
		}
		if p.Label == "" {
			p.Label = name
			if p.ProConnect {
				p.Label = "ProConnect"
			}
		}
		if u, err := url.Parse(p.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("%sISSUER: must be the provider's https URL, got %q", prefix, p.Issuer)
		}
		if p.ClientID == "" {
			return nil, fmt.Errorf("%sCLIENT_ID: must be set", prefix)
		}
		if p.ClientSecret == "" {
			return nil, fmt.Errorf("%sCLIENT_SECRET: must be set (or %sCLIENT_SECRET_FILE)", prefix, prefix)
		}
		p.Scopes = DefaultOIDCScopes
		if s := get("SCOPES"); s != "" {
			p.Scopes = strings.Fields(strings.ReplaceAll(s, ",", " "))
			if !slices.Contains(p.Scopes, "openid") {
				return nil, fmt.Errorf("%sSCOPES: must include openid", prefix)
			}
		}
		if s := get("ACR_VALUES"); s != "" {
			p.ACRValues = strings.Fields(strings.ReplaceAll(s, ",", " "))
		}
		if p.MinACR != "" && !slices.Contains(ACRLevels, p.MinACR) {
			return nil, fmt.Errorf("%sMIN_ACR: must be one of %s", prefix, strings.Join(ACRLevels, ", "))
		}
		out = append(out, p)
	}
	return out, nil
}

// ACRAtLeast reports whether acr meets min in ProConnect's ordering.
func ACRAtLeast(acr, min string) bool {
	if min == "" {
		return true
	}
	a, m := slices.Index(ACRLevels, acr), slices.Index(ACRLevels, min)
	return a >= 0 && m >= 0 && a >= m
}
