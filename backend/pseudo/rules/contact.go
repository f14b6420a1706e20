package rules

import (
	"net/netip"
	"regexp"
	"strings"
	"unicode"
)

var emailRe = regexp.MustCompile(`[A-Za-z0-9!#$%&'*+/=?^_{|}~\-](?:[A-Za-z0-9!#$%&'*+/=?^_{|}~.\-]{0,63})@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}`)

func findEmails(text string, base int, sub string, ms []byteMatch) []byteMatch {
	for _, loc := range emailRe.FindAllStringIndex(sub, -1) {
		loc[0], loc[1] = loc[0]+base, loc[1]+base
		if loc[0] > 0 && isEmailByte(text[loc[0]-1]) || loc[1] < len(text) && isEmailByte(text[loc[1]]) && text[loc[1]] != '.' && text[loc[1]] != '-' {
			continue // cut by the window
		}
		s := text[loc[0]:loc[1]]
		local, _, _ := strings.Cut(s, "@")
		if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
			continue
		}
		ms = append(ms, byteMatch{loc[0], loc[1], LabelEmail})
	}
	return ms
}

// ipv6Re finds candidates; netip validates them.
var ipv6Re = regexp.MustCompile(`[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:%[0-9A-Za-z]+)?(?:(?::|\b)(?:\d{1,3}\.){3}\d{1,3})?`)

func findIPv6(text string, base int, sub string, ms []byteMatch) []byteMatch {
	for _, loc := range ipv6Re.FindAllStringIndex(sub, -1) {
		loc[0], loc[1] = loc[0]+base, loc[1]+base
		s := text[loc[0]:loc[1]]
		if strings.Count(s, ":") < 2 || !strings.ContainsFunc(s, isHexDigit) {
			continue
		}
		if !strings.Contains(s, "::") && strings.Count(s, ":") < 7 && !strings.Contains(s, ".") {
			continue // times such as 10:30:00 are not addresses
		}
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is6() {
			continue
		}
		if loc[0] > 0 && (text[loc[0]-1] == ':' || isHexByte(text[loc[0]-1])) {
			continue
		}
		ms = append(ms, byteMatch{loc[0], loc[1], LabelIP})
	}
	return ms
}

func isHexDigit(r rune) bool {
	return r < 128 && isHexByte(byte(r))
}

func isHexByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func isEmailByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+/=?^_{|}~.-", c) >= 0
}
