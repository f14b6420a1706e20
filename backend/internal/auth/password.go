package auth

import (
	"github.com/alexedwards/argon2id"
)

// PasswordParams are the argon2id costs recommended by OWASP's Password
// Storage Cheat Sheet (19 MiB of memory, 2 passes, 1 lane): expensive to
// guess offline, cheap enough that a node can verify many sign-ins at once
// without running out of memory. See docs/SECURITY.md for the measured cost.
var PasswordParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// HashPassword returns an encoded argon2id hash (PHC string format).
func HashPassword(password string) (string, error) {
	return argon2id.CreateHash(password, PasswordParams)
}

// CheckPassword compares in constant time; it reports false for a
// malformed hash rather than failing the login with an internal error.
func CheckPassword(password, encoded string) bool {
	ok, err := argon2id.ComparePasswordAndHash(password, encoded)
	return err == nil && ok
}
