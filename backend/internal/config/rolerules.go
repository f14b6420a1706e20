package config

import (
	"fmt"
	"strings"
)

// RoleRule grants Role to agents whose Field (siret or email) matches
// Pattern at ProConnect sign-in. Email patterns may start with "*@" to
// match a whole domain; "*" alone matches any value.
type RoleRule struct {
	Role    string
	Field   string
	Pattern string
}

// ParseRoleRules reads "role:field=pattern" items separated by commas.
// Only moderator and consumer may be granted by rule: administrators are
// named by an operator.
func ParseRoleRules(s string) ([]RoleRule, error) {
	var rules []RoleRule
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		role, cond, ok := strings.Cut(item, ":")
		field, pattern, ok2 := strings.Cut(cond, "=")
		if !ok || !ok2 || pattern == "" {
			return nil, fmt.Errorf("%q is not role:field=pattern", item)
		}
		if role != "moderator" && role != "consumer" {
			return nil, fmt.Errorf("%q: only moderator or consumer may be granted by rule", item)
		}
		if field != "siret" && field != "email" {
			return nil, fmt.Errorf("%q: field must be siret or email", item)
		}
		rules = append(rules, RoleRule{Role: role, Field: field, Pattern: strings.ToLower(pattern)})
	}
	return rules, nil
}

// Matches reports whether the rule applies to an agent.
func (r RoleRule) Matches(siret, email string) bool {
	v := strings.ToLower(siret)
	if r.Field == "email" {
		v = strings.ToLower(email)
	}
	switch {
	case v == "":
		return false
	case r.Pattern == "*":
		return true
	case strings.HasPrefix(r.Pattern, "*@"):
		return strings.HasSuffix(v, r.Pattern[1:])
	default:
		return v == r.Pattern
	}
}
