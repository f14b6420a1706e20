package release

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"gorm.io/gorm/clause"

	"github.com/lab-ia/piaf/backend/internal/database"
)

// pseudonymKeyName is the instance secret keying contributor pseudonyms
// when no PIAF_SECRET_KEY is configured (development).
const pseudonymKeyName = "release_pseudonyms"

// contributorPseudonyms turns user ids into the stable, non-reversible
// identifiers that provenance files carry: the same contributor has the
// same pseudonym in every release, so quality can be studied across
// versions, but nobody without the key can tell who it is (never an
// e-mail, never a user id).
type contributorPseudonyms struct{ key []byte }

// loadPseudonyms keys pseudonyms with the configured secret, or with a
// random key created once and kept in the database.
func loadPseudonyms(ctx context.Context, db *database.DB, secret string) (*contributorPseudonyms, error) {
	if secret != "" {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(pseudonymKeyName))
		return &contributorPseudonyms{key: m.Sum(nil)}, nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	type instanceSecret struct {
		Name      string `gorm:"primaryKey"`
		Value     string
		CreatedAt time.Time
	}
	row := instanceSecret{Name: pseudonymKeyName, Value: hex.EncodeToString(b), CreatedAt: time.Now().UTC()}
	g := db.WithContext(ctx).Table("instance_secrets")
	if err := g.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return nil, err
	}
	var stored instanceSecret
	if err := db.WithContext(ctx).Table("instance_secrets").Where("name = ?", pseudonymKeyName).Take(&stored).Error; err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(stored.Value)
	if err != nil {
		return nil, err
	}
	return &contributorPseudonyms{key: key}, nil
}

// of returns the pseudonym of user id ("" for none).
func (p *contributorPseudonyms) of(id int64) string {
	if id == 0 {
		return ""
	}
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte("contributor:" + strconv.FormatInt(id, 10)))
	return "c-" + hex.EncodeToString(m.Sum(nil)[:8])
}
