package rules

import (
	"math/big"
	"strings"
)

// Luhn reports whether a string of decimal digits passes the Luhn check
// used by bank cards, SIREN and SIRET numbers.
func Luhn(digits string) bool {
	if len(digits) < 2 {
		return false
	}
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// laPosteSIREN is La Poste's SIREN: its establishments' SIRET numbers do
// not pass Luhn; instead the sum of their digits is a multiple of 5.
const laPosteSIREN = "356000000"

// ValidSIREN checks a 9-digit SIREN (Luhn).
func ValidSIREN(digits string) bool {
	return len(digits) == 9 && Luhn(digits)
}

// ValidSIRET checks a 14-digit SIRET: Luhn, except for La Poste whose
// establishments use "sum of the digits is a multiple of 5".
func ValidSIRET(digits string) bool {
	if len(digits) != 14 || !allDigits(digits) {
		return false
	}
	if strings.HasPrefix(digits, laPosteSIREN) && digits != laPosteSIREN+"00048" {
		sum := 0
		for i := 0; i < len(digits); i++ {
			sum += int(digits[i] - '0')
		}
		return sum%5 == 0
	}
	return Luhn(digits)
}

// ibanLengths gives the IBAN length of the countries most often met in
// French documents; other countries are accepted between 15 and 34.
var ibanLengths = map[string]int{
	"FR": 27, "MC": 27, "DE": 22, "BE": 16, "ES": 24, "IT": 27, "LU": 20,
	"CH": 21, "NL": 18, "GB": 22, "PT": 25, "AT": 20, "IE": 22, "PL": 28,
	"GR": 27, "SE": 24, "DK": 18, "FI": 18, "NO": 15, "CZ": 24, "RO": 24,
	"HU": 28, "SK": 24, "SI": 19, "HR": 21, "BG": 22, "LT": 20, "LV": 21,
	"EE": 20, "CY": 28, "MT": 31, "IS": 26, "LI": 21, "SM": 27, "AD": 24,
	"MA": 28, "TN": 24, "DZ": 26, "SN": 28, "CI": 28, "LB": 28, "TR": 26,
}

// ValidIBAN checks an IBAN without spaces: country code, length and the
// ISO 7064 mod 97 check (the rearranged number mod 97 equals 1).
func ValidIBAN(s string) bool {
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	cc := s[:2]
	if !isUpperASCII(cc[0]) || !isUpperASCII(cc[1]) || !isDigitASCII(s[2]) || !isDigitASCII(s[3]) {
		return false
	}
	if n, ok := ibanLengths[cc]; ok && n != len(s) {
		return false
	}
	rearranged := s[4:] + s[:4]
	rem := 0
	for i := 0; i < len(rearranged); i++ {
		c := rearranged[i]
		switch {
		case isDigitASCII(c):
			rem = (rem*10 + int(c-'0')) % 97
		case isUpperASCII(c):
			v := int(c-'A') + 10
			rem = (rem*100 + v) % 97
		default:
			return false
		}
	}
	return rem == 1
}

// ValidNIR checks a French social security number (NIR) of 15 characters
// without spaces: 13 characters then a 2-digit key equal to
// 97 - (number mod 97), where Corsica's departments 2A and 2B count as 19
// and 18.
func ValidNIR(s string) bool {
	if len(s) != 15 {
		return false
	}
	body, key := s[:13], s[13:]
	if !allDigits(key) {
		return false
	}
	dept := body[5:7]
	switch dept {
	case "2A", "2a":
		body = body[:5] + "19" + body[7:]
	case "2B", "2b":
		body = body[:5] + "18" + body[7:]
	}
	if !allDigits(body) {
		return false
	}
	switch body[0] {
	case '1', '2', '3', '4', '7', '8':
	default:
		return false
	}
	n, ok := new(big.Int).SetString(body, 10)
	if !ok {
		return false
	}
	mod := new(big.Int).Mod(n, big.NewInt(97)).Int64()
	k := int64(key[0]-'0')*10 + int64(key[1]-'0')
	return k == 97-mod
}

// NIRKey computes the key of a 13-character NIR body (for generating test
// data and for callers that need to complete a number).
func NIRKey(body string) (int, bool) {
	if len(body) != 13 {
		return 0, false
	}
	switch body[5:7] {
	case "2A", "2a":
		body = body[:5] + "19" + body[7:]
	case "2B", "2b":
		body = body[:5] + "18" + body[7:]
	}
	n, ok := new(big.Int).SetString(body, 10)
	if !ok || !allDigits(body) {
		return 0, false
	}
	return int(97 - new(big.Int).Mod(n, big.NewInt(97)).Int64()), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigitASCII(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

func isDigitASCII(c byte) bool { return '0' <= c && c <= '9' }
func isUpperASCII(c byte) bool { return 'A' <= c && c <= 'Z' }

// onlyAlnum drops separators (spaces, dots, dashes, non-breaking spaces).
func onlyAlnum(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isDigitASCII(c) || isUpperASCII(c) || 'a' <= c && c <= 'z' {
			b.WriteByte(c)
		}
	}
	return b.String()
}
