package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// randomToken returns n random bytes encoded for URLs and cookies (an
// n-byte token has 8n bits of entropy; 32 bytes give 43 characters).
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret is how secrets (session cookies, API tokens, e-mailed links,
// OIDC states) are stored: a SHA-256, enough for high-entropy values.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
