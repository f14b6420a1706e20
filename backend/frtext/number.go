package frtext

import "unicode"

// isGroupSeparator reports the spaces French typography puts between groups
// of three digits: space, no-break space, narrow no-break space, thin space.
func isGroupSeparator(r rune) bool {
	return r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009'
}

// digitsEnd returns the index after the run of digits starting at i.
func digitsEnd(rs []rune, i int) int {
	for i < len(rs) && unicode.IsDigit(rs[i]) {
		i++
	}
	return i
}

// scanNumber reads a number starting at the digit rs[i]: digit groups joined
// by spaces ("100 000", only when the first group has at most three digits
// and every later group exactly three), then decimal or grouping parts
// introduced by a comma or a point ("14,2", "1.234,5"). It reports false
// when the digits run into letters ("1er", "19h30", "3e"), which the word
// scanner then reads as one word.
func scanNumber(rs []rune, i int) (end int, isNumber bool) {
	j := digitsEnd(rs, i)
	if j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsMark(rs[j])) {
		return i, false
	}
	if j-i <= 3 {
		for j+1 < len(rs) && isGroupSeparator(rs[j]) {
			k := digitsEnd(rs, j+1)
			if k-(j+1) != 3 || (k < len(rs) && (unicode.IsLetter(rs[k]) || unicode.IsMark(rs[k]))) {
				break
			}
			j = k
		}
	}
	for j+1 < len(rs) && (rs[j] == ',' || rs[j] == '.') && unicode.IsDigit(rs[j+1]) {
		k := digitsEnd(rs, j+1)
		if k < len(rs) && (unicode.IsLetter(rs[k]) || unicode.IsMark(rs[k])) {
			break
		}
		j = k
	}
	return j, true
}
