package auth

import (
	"strings"
	"unicode/utf8"

	"github.com/ccojocar/zxcvbn-go"
)

// Password length limits: long enough to resist guessing, bounded so that
// hashing cannot be abused with megabyte passwords.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 256
)

// frenchCommonPasswords complements zxcvbn's (English) dictionaries with
// passwords common in France, and words of this service.
var frenchCommonPasswords = []string{
	"azerty", "azertyuiop", "motdepasse", "soleil", "doudou", "chouchou", "loulou", "marseille", "bonjour", "coucou",
	"jetaime", "nicolas", "camille", "chocolat", "doudoune", "princesse", "football", "celine", "julien", "piaf",
	"francophone", "republique", "liberte", "egalite", "fraternite", "benevole", "paris", "france",
}

// PasswordProblem returns why a new password is refused, or "".
// userInputs (e-mail, pseudonym) make passwords built on them weak.
func PasswordProblem(password string, userInputs ...string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return "must hold at least 10 characters"
	case n > MaxPasswordLength:
		return "must hold at most 256 characters"
	}
	lower := strings.ToLower(password)
	inputs := append([]string{}, frenchCommonPasswords...)
	for _, in := range userInputs {
		if in == "" {
			continue
		}
		in = strings.ToLower(in)
		inputs = append(inputs, in)
		if local, _, ok := strings.Cut(in, "@"); ok {
			inputs = append(inputs, local)
		}
	}
	for _, in := range inputs {
		if len(in) >= 4 && strings.Contains(lower, in) && utf8.RuneCountInString(lower) < utf8.RuneCountInString(in)+6 {
			return "is too close to a common password or to your e-mail or pseudonym"
		}
	}
	if zxcvbn.PasswordStrength(password, inputs).Score < 3 {
		return "is too easy to guess: use a longer phrase of unrelated words"
	}
	return ""
}
