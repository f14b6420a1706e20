package rules

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
)

// The helpers below build valid identifiers (and corrupted twins) for the
// "every valid identifier found, every invalid one ignored" test.

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// luhnComplete appends the digit that makes body pass Luhn.
func luhnComplete(body string) string {
	for d := 0; d <= 9; d++ {
		s := body + strconv.Itoa(d)
		if Luhn(s) {
			return s
		}
	}
	panic("unreachable")
}

// corruptDigit changes one digit so that a checksum fails (Luhn and mod 97
// detect every single-digit change).
func corruptDigit(s string, pos int) string {
	b := []byte(s)
	for i := pos; i < len(b); i++ {
		if b[i] >= '0' && b[i] <= '9' {
			b[i] = '0' + (b[i]-'0'+3)%10
			return string(b)
		}
	}
	panic("no digit")
}

func genIBAN(r *rand.Rand) string {
	bban := digits(r, 10) + "0" + digits(r, 10) + digits(r, 2)
	// Check digits: 98 - (bban + "FR00" as numbers) mod 97.
	num := bban + "1527" + "00"
	n, _ := new(big.Int).SetString(num, 10)
	cd := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("FR%02d%s", cd, bban)
}

func groupBy4(s string) string {
	var parts []string
	for i := 0; i < len(s); i += 4 {
		parts = append(parts, s[i:min(i+4, len(s))])
	}
	return strings.Join(parts, " ")
}

func genNIR(r *rand.Rand, corsica bool) string {
	dept := fmt.Sprintf("%02d", 1+r.IntN(95))
	if dept == "20" {
		dept = "21"
	}
	if corsica {
		dept = []string{"2A", "2B"}[r.IntN(2)]
	}
	body := strconv.Itoa(1+r.IntN(2)) + digits(r, 2) + fmt.Sprintf("%02d", 1+r.IntN(12)) + dept + digits(r, 3) + fmt.Sprintf("%03d", 1+r.IntN(999))
	key, _ := NIRKey(body)
	return fmt.Sprintf("%s %s %s %s %s %s %02d", body[:1], body[1:3], body[3:5], body[5:7], body[7:10], body[10:13], key)
}

func genSIREN(r *rand.Rand) string {
	return luhnComplete(strconv.Itoa(1+r.IntN(9)) + digits(r, 7))
}

func genCard(r *rand.Rand) string {
	prefixes := []string{"4970", "4111", "5132", "5500", "2223"}
	return luhnComplete(prefixes[r.IntN(len(prefixes))] + digits(r, 11))
}
