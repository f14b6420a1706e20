package rules

import (
	"regexp"
	"strconv"
	"strings"
)

const monthNames = `janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre`

// birthRe finds a date announced as a date of birth: "né le 3 mars 1980",
// "née DUPONT le 03/03/1980", "né(e) à Lyon (69) le …", "date de
// naissance : …". Group 1 is the date alone, the reported span.
var birthRe = regexp.MustCompile(`(?i)(?:\bn[ée]e?s?(?:\s?\(e\))?(?:\s+\p{Lu}[\p{L}'\-]+){0,3}(?:\s+(?:à|a)\s+[^,;\n]{1,60}?,?)?\s+le|date\s+de\s+naissance\s*:?|\bddn\s*:?)\s+((?:1er|\d{1,2})(?:\s+(?:` + monthNames + `)\s+|[/.\-]\d{1,2}[/.\-])\d{4})`)

var monthIndex = map[string]int{
	"janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
	"juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
	"décembre": 12, "decembre": 12,
}

func findBirthDates(text string, base int, sub string, ms []byteMatch) []byteMatch {
	for _, sm := range birthRe.FindAllStringSubmatchIndex(sub, -1) {
		s, e := sm[2]+base, sm[3]+base
		if validDate(text[s:e]) && boundaryOK(text, s, e) {
			ms = append(ms, byteMatch{s, e, LabelBirthDate})
		}
	}
	return ms
}

// validDate checks day, month and a plausible birth year (1870-2099).
func validDate(s string) bool {
	var day, month, year int
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '/' || r == '.' || r == '-' })
	if len(fields) != 3 {
		return false
	}
	d := strings.ToLower(fields[0])
	if d == "1er" {
		day = 1
	} else {
		day, _ = strconv.Atoi(d)
	}
	if m, ok := monthIndex[strings.ToLower(fields[1])]; ok {
		month = m
	} else {
		month, _ = strconv.Atoi(fields[1])
	}
	year, _ = strconv.Atoi(fields[2])
	return day >= 1 && day <= 31 && month >= 1 && month <= 12 && year >= 1870 && year <= 2099
}
