package auth

import (
	"github.com/alexedwards/argon2id"
)

// PasswordParams are the argon2id costs: 64 MiB of memory, 2 passes, 2
// lanes. On the 2-core reference machine one hash takes about 60 ms, which
// makes offline guessing expensive while keeping sign-in snappy; memory per
// concurrent sign-in is bounded by the login throttle. See docs/SECURITY.md.
var PasswordParams = &argon2id.Params{Memory: 64 * 1024, Iterations: 2, Parallelism: 2, SaltLength: 16, KeyLength: 32}

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
