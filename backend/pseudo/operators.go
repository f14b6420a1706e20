package pseudo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode"
)

// Operator says how an entity is replaced.
type Operator string

// Operators.
const (
	// OpPlaceholder replaces persons in the Conseil d'État style, first
	// names by A, B, C... and surnames by X, Y, Z... followed by "..."
	// ("M. Jean Dupont" -> "M. A... X..."), and other entities by typed
	// placeholders ("[ADRESSE 1]"). The same name always gets the same
	// letter within a document.
	OpPlaceholder Operator = "placeholder"
	// OpTyped replaces every entity by its type and a number per distinct
	// entity: "[PERSONNE 1]", "[LIEU 2]".
	OpTyped Operator = "typed"
	// OpRedact replaces every entity by "[...]".
	OpRedact Operator = "redact"
	// OpMask replaces each letter and digit by "*", keeping separators.
	OpMask Operator = "mask"
	// OpHash replaces an entity by its label and a keyed hash (HMAC-SHA256)
	// of its normalised form: the same entity gets the same code across
	// documents for whoever holds the key, and nobody else can reverse it.
	OpHash Operator = "hash"
	// OpKeep leaves the entity as it is (its span is still reported).
	OpKeep Operator = "keep"
)

// AllOperators lists the operators, for user interfaces. It returns a new
// slice each time.
func AllOperators() []Operator {
	return []Operator{OpPlaceholder, OpTyped, OpRedact, OpMask, OpHash, OpKeep}
}

// ParseOperator checks an operator name.
func ParseOperator(s string) (Operator, error) {
	for _, o := range AllOperators() {
		if string(o) == s {
			return o, nil
		}
	}
	return "", fmt.Errorf("%w: %q (want one of placeholder, typed, redact, mask, hash, keep)", ErrUnknownOperator, s)
}

// Errors returned by Pseudonymize.
var (
	ErrUnknownOperator   = errors.New("pseudo: unknown operator")
	ErrMissingHashKey    = errors.New("pseudo: the hash operator needs a key")
	ErrEntityOutOfRange  = errors.New("pseudo: entity outside the text")
	ErrOverlappingEntity = errors.New("pseudo: entities overlap")
)

// typedNames are the French names of the labels in typed placeholders.
var typedNames = map[string]string{
	LabelPER: "PERSONNE", LabelLOC: "LIEU", LabelORG: "ORGANISATION", LabelMISC: "DIVERS",
	LabelAddress: "ADRESSE", LabelEmail: "COURRIEL", LabelPhone: "TÉLÉPHONE", LabelIBAN: "IBAN",
	LabelNIR: "NIR", LabelSIREN: "SIREN", LabelSIRET: "SIRET", LabelCard: "CARTE BANCAIRE",
	LabelPlate: "IMMATRICULATION", LabelBirthDate: "DATE DE NAISSANCE", LabelIP: "ADRESSE IP",
}

func typedName(label string) string {
	if n, ok := typedNames[label]; ok {
		return n
	}
	return label
}

// mask keeps separators and replaces letters and digits.
func mask(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return '*'
		}
		return r
	}, s)
}

// keyedHash is the first 12 hex digits of HMAC-SHA256(key, label NUL key).
func keyedHash(key []byte, label, canonical string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	m.Write([]byte{0})
	m.Write([]byte(canonical))
	return label + "-" + hex.EncodeToString(m.Sum(nil))[:12]
}

// MappingEntry links a replacement back to the original text.
type MappingEntry struct {
	Label       string `json:"label"`
	Original    string `json:"original"`
	Replacement string `json:"replacement"`
}

// Mapping is the way back from pseudonyms to real names. It is returned
// only on request and must never be logged: its String, GoString, Format
// and LogValue methods print a placeholder, so that a stray log line or
// %v does not leak it. JSON encoding is left intact because returning it
// to an authorised caller is the point.
type Mapping []MappingEntry

const redactedMapping = "[pseudonymisation mapping redacted]"

// String hides the mapping.
func (Mapping) String() string { return redactedMapping }

// GoString hides the mapping from %#v.
func (Mapping) GoString() string { return redactedMapping }

// Format hides the mapping from every fmt verb.
func (Mapping) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redactedMapping)) }

// LogValue hides the mapping from log/slog.
func (Mapping) LogValue() slog.Value { return slog.StringValue(redactedMapping) }
