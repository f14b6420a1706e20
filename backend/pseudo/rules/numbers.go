package rules

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

var (
	phoneRe = regexp.MustCompile(`(?:(?:\+|00)[ \x{00A0}]?33[ \x{00A0}.\-]?(?:\(0\)[ \x{00A0}]?)?|\(?0\)?)[1-9](?:[ \x{00A0}.\-]?\d{2}){4}`)
	ibanRe  = regexp.MustCompile(`[A-Z]{2}\d{2}(?:[ \x{00A0}\-]?[0-9A-Z]){11,32}`)
	nirRe   = regexp.MustCompile(`[1-478][ \x{00A0}.]?\d{2}[ \x{00A0}.]?\d{2}[ \x{00A0}.]?(?:\d{2}|2[ABab])[ \x{00A0}.]?\d{3}[ \x{00A0}.]?\d{3}[ \x{00A0}.]?\d{2}`)
	siretRe = regexp.MustCompile(`\d{3}[ \x{00A0}.]?\d{3}[ \x{00A0}.]?\d{3}[ \x{00A0}.]?\d{5}`)
	sirenRe = regexp.MustCompile(`\d{3}[ \x{00A0}.]?\d{3}[ \x{00A0}.]?\d{3}`)
	cardRe  = regexp.MustCompile(`\d(?:[ \x{00A0}\-]?\d){12,18}`)
	ipv4Re  = regexp.MustCompile(`(?:\d{1,3}\.){3}\d{1,3}`)
	// sirenContext are the words that announce a company number; a bare
	// 9-digit number passing Luhn is too common (one in ten) to report
	// without them or without the usual 3-3-3 grouping.
	sirenContextRe = regexp.MustCompile(`(?i)(?:siren|siret|rcs|r\.c\.s\.|immatricul|n°\s*(?:tva|entreprise)|tva\s+intra)`)
)

func findNumbers(text string, base int, sub string, ms []byteMatch) []byteMatch {
	all := func(re *regexp.Regexp) [][]int {
		locs := re.FindAllStringIndex(sub, -1)
		for _, l := range locs {
			l[0], l[1] = l[0]+base, l[1]+base
		}
		return locs
	}
	for _, loc := range all(phoneRe) {
		s, e := loc[0], loc[1]
		if text[s] == '(' && !strings.Contains(text[s:e], ")") {
			s++
		}
		if boundaryOK(text, s, e) && !gluedToPlus(text, s) {
			ms = append(ms, byteMatch{s, e, LabelPhone})
		}
	}
	for _, loc := range all(ibanRe) {
		if end, ok := ibanEnd(text, loc[0], loc[1]); ok {
			ms = append(ms, byteMatch{loc[0], end, LabelIBAN})
		}
	}
	for _, loc := range all(nirRe) {
		if boundaryOK(text, loc[0], loc[1]) && ValidNIR(strings.ToUpper(onlyAlnum(text[loc[0]:loc[1]]))) {
			ms = append(ms, byteMatch{loc[0], loc[1], LabelNIR})
		}
	}
	for _, loc := range all(siretRe) {
		if boundaryOK(text, loc[0], loc[1]) && ValidSIRET(onlyAlnum(text[loc[0]:loc[1]])) {
			ms = append(ms, byteMatch{loc[0], loc[1], LabelSIRET})
		}
	}
	for _, loc := range all(sirenRe) {
		s, e := loc[0], loc[1]
		if !boundaryOK(text, s, e) || !ValidSIREN(onlyAlnum(text[s:e])) {
			continue
		}
		grouped := e-s == 11 && text[s+3] == text[s+7] && (text[s+3] == ' ' || text[s+3] == '.')
		ctx := text[max(0, s-60):s]
		if grouped || sirenContextRe.MatchString(ctx) {
			ms = append(ms, byteMatch{s, e, LabelSIREN})
		}
	}
	for _, loc := range all(cardRe) {
		if boundaryOK(text, loc[0], loc[1]) && validCard(onlyAlnum(text[loc[0]:loc[1]])) {
			ms = append(ms, byteMatch{loc[0], loc[1], LabelCard})
		}
	}
	for _, loc := range all(ipv4Re) {
		s, e := loc[0], loc[1]
		if !boundaryOK(text, s, e) || s > 0 && text[s-1] == '.' || e+1 < len(text) && text[e] == '.' && isDigitASCII(text[e+1]) {
			continue
		}
		if validIPv4(text[s:e]) {
			ms = append(ms, byteMatch{s, e, LabelIP})
		}
	}
	return ms
}

func gluedToPlus(text string, s int) bool {
	return s > 0 && text[s-1] == '+'
}

// ibanEnd finds where a valid IBAN starting at s ends: at the country's
// length when known, else at the longest valid length, and never glued to
// a following letter or digit.
func ibanEnd(text string, s, e int) (int, bool) {
	if isAlnumBefore(text, s) {
		return 0, false
	}
	// Positions (byte ends) of each alphanumeric character.
	var ends []int
	var b strings.Builder
	for i := s; i < e; i++ {
		c := text[i]
		if isDigitASCII(c) || isUpperASCII(c) {
			b.WriteByte(c)
			ends = append(ends, i+1)
		}
	}
	all := b.String()
	try := func(n int) (int, bool) {
		if n > len(all) || n < 15 {
			return 0, false
		}
		end := ends[n-1]
		if !boundaryOK(text, s, end) {
			return 0, false
		}
		return end, ValidIBAN(all[:n])
	}
	if n, ok := ibanLengths[all[:2]]; ok {
		return try(n)
	}
	for n := min(len(all), 34); n >= 15; n-- {
		if end, ok := try(n); ok {
			return end, true
		}
	}
	return 0, false
}

// validCard checks a bank card number: Luhn, a length of 13, 15, 16 or 19
// digits and an issuer prefix (Visa, Mastercard, American Express, CB,
// Discover, JCB, UnionPay). Fourteen digits are left to SIRET.
func validCard(d string) bool {
	n := len(d)
	if n != 13 && n != 15 && n != 16 && n != 17 && n != 18 && n != 19 {
		return false
	}
	if !Luhn(d) {
		return false
	}
	p2, _ := strconv.Atoi(d[:2])
	p4, _ := strconv.Atoi(d[:4])
	switch {
	case d[0] == '4':
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720:
		return n == 16
	case p2 == 34 || p2 == 37:
		return n == 15
	case p4 == 6011 || p2 == 65 || p2 == 64:
		return n >= 16
	case p4 >= 3528 && p4 <= 3589:
		return n >= 16
	case p2 == 62:
		return n >= 16
	}
	return false
}

func validIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if len(p) > 1 && p[0] == '0' {
			return false
		}
		v, err := strconv.Atoi(p)
		if err != nil || v > 255 {
			return false
		}
	}
	return true
}

func isAlnumBefore(text string, s int) bool {
	if s == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(text[:s])
	return isAlnum(r)
}
