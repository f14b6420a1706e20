package auth

// laPosteSIREN is La Poste's SIREN: its many establishments' SIRETs need
// not pass the Luhn check; their digits sum to a multiple of 5 instead
// (INSEE rule), while the head office's passes Luhn.
const laPosteSIREN = "356000000"

// ValidSIRET reports whether s is a 14-digit SIRET with a valid check
// (Luhn, or La Poste's exception).
func ValidSIRET(s string) bool {
	if len(s) != 14 {
		return false
	}
	sum, plain := 0, 0
	for i := 0; i < 14; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		plain += d
		if i%2 == 0 { // from the left, even positions are doubled for 14 digits
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	if s[:9] == laPosteSIREN {
		return sum%10 == 0 || plain%5 == 0
	}
	return sum%10 == 0
}
