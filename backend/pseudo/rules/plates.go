package rules

import (
	"regexp"
	"strings"
)

var (
	// SIV plates (since 2009): two letters, three digits, two letters,
	// without I, O or U.
	sivRe = regexp.MustCompile(`[A-HJ-NP-TV-Z]{2}([\- ]?)\d{3}([\- ]?)[A-HJ-NP-TV-Z]{2}`)
	// FNI plates (before 2009): 1-4 digits, 1-3 letters, department code.
	fniRe = regexp.MustCompile(`\d{1,4}[\- ][A-HJ-NP-Z]{1,3}[\- ](?:0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-6])`)
)

// fniWords are upper-case words that look like the letters of an FNI plate
// in dates and amounts ("15 MAI 75", "3 EUR 20").
var fniWords = map[string]bool{
	"MAI": true, "JAN": true, "FEV": true, "MAR": true, "AVR": true, "JUN": true,
	"JUL": true, "SEP": true, "DEC": true, "NOV": true, "EUR": true, "USD": true,
	"KM": true, "KG": true, "CM": true, "MM": true, "HT": true, "TTC": true,
	"H": true, "M": true, "A": true, "ET": true, "DE": true, "LE": true, "LA": true,
}

func findPlates(text string, base int, sub string, ms []byteMatch) []byteMatch {
	for _, sm := range sivRe.FindAllStringSubmatchIndex(sub, -1) {
		for k := range sm {
			if sm[k] >= 0 {
				sm[k] += base
			}
		}
		s, e := sm[0], sm[1]
		sep1, sep2 := text[sm[2]:sm[3]], text[sm[4]:sm[5]]
		if sep1 != sep2 || !boundaryOK(text, s, e) {
			continue
		}
		plain := onlyAlnum(text[s:e])
		if plain[:2] == "SS" || plain[5:] == "SS" || plain[2:5] == "000" {
			continue
		}
		ms = append(ms, byteMatch{s, e, LabelPlate})
	}
	for _, loc := range fniRe.FindAllStringIndex(sub, -1) {
		loc[0], loc[1] = loc[0]+base, loc[1]+base
		s, e := loc[0], loc[1]
		if !boundaryOK(text, s, e) {
			continue
		}
		fields := strings.FieldsFunc(text[s:e], func(r rune) bool { return r == ' ' || r == '-' })
		if len(fields) != 3 || fniWords[fields[1]] || strings.Trim(fields[0], "0") == "" {
			continue
		}
		ms = append(ms, byteMatch{s, e, LabelPlate})
	}
	return ms
}
