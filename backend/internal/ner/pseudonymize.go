package ner

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm/clause"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/pseudo"
	"github.com/lab-ia/piaf/backend/pseudo/office"
)

// Limits of the pseudonymisation API.
const (
	// MaxTextBytes bounds a text sent as JSON.
	MaxTextBytes = 1 << 20
	// MaxJSONBytes bounds a JSON request: the text and its entities.
	MaxJSONBytes = 4 << 20
	// MaxDocumentText bounds the text of an uploaded document, so that one
	// request cannot keep a core busy for minutes.
	MaxDocumentText = 8 << 20
	// MaxEntities bounds the entities a caller may send back.
	MaxEntities = 100_000
)

// Format is the kind of an uploaded document.
type Format string

// Supported document formats.
const (
	FormatText Format = "text"
	FormatDOCX Format = "docx"
	FormatODT  Format = "odt"
)

// mediaTypes are the types of rewritten documents.
var mediaTypes = map[Format]string{
	FormatText: "text/plain; charset=utf-8",
	FormatDOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	FormatODT:  "application/vnd.oasis.opendocument.text",
}

// MediaType returns the media type of a document format.
func (f Format) MediaType() string { return mediaTypes[f] }

// formatOf tells the format from a file name's extension.
func formatOf(name string) (Format, bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".txt", ".text":
		return FormatText, true
	case ".docx":
		return FormatDOCX, true
	case ".odt":
		return FormatODT, true
	}
	return "", false
}

// Options choose how entities are replaced.
type Options struct {
	DefaultOperator pseudo.Operator            `json:"default_operator,omitempty" enum:"placeholder,typed,redact,mask,hash,keep" description:"operator of labels without their own (default placeholder: « M. X… » for persons, typed placeholders for the rest)"`
	Operators       map[string]pseudo.Operator `json:"operators,omitempty" description:"operator per label, e.g. {\"LOC\": \"keep\", \"EMAIL\": \"redact\"}"`
	IncludeMapping  bool                       `json:"include_mapping,omitempty" description:"return the mapping from replacements back to the original text (never logged; texts only)"`
}

// validate checks operators and labels.
func (o *Options) validate(v *apperr.Validation) {
	if o.DefaultOperator != "" {
		if _, err := pseudo.ParseOperator(string(o.DefaultOperator)); err != nil {
			v.Add("default_operator", "must be one of placeholder, typed, redact, mask, hash, keep")
		}
	}
	labels := pseudo.AllLabels()
	for l, op := range o.Operators {
		if !slices.Contains(labels, l) {
			v.Add("operators."+l, "unknown label")
		} else if _, err := pseudo.ParseOperator(string(op)); err != nil {
			v.Add("operators."+l, "must be one of placeholder, typed, redact, mask, hash, keep")
		}
	}
}

func (o *Options) usesHash() bool {
	if o.DefaultOperator == pseudo.OpHash {
		return true
	}
	for _, op := range o.Operators {
		if op == pseudo.OpHash {
			return true
		}
	}
	return false
}

// DetectInput is a text to analyse.
type DetectInput struct {
	Text string `json:"text" required:"true" description:"at most 1 MiB of UTF-8"`
}

// Detection is what the engine found in a text or a document.
type Detection struct {
	// Text is the analysed text (a document's text, paragraphs separated
	// by line breaks): entity offsets refer to it.
	Text     string          `json:"text" required:"true"`
	Entities []pseudo.Entity `json:"entities" required:"true" description:"sorted by start, non-overlapping; offsets in code points, end exclusive"`
	Model    string          `json:"model" required:"true" description:"name of the model used, or rules when none is active"`
	ModelID  int64           `json:"model_id" required:"true" description:"0 for rules only"`
	Format   Format          `json:"format" required:"true" enum:"text,docx,odt"`
}

// PseudonymizeInput is a text to pseudonymise, with the entities to
// replace when a person reviewed them.
type PseudonymizeInput struct {
	Text string `json:"text" required:"true" description:"at most 1 MiB of UTF-8"`
	// Entities, when present (even empty), are exactly those replaced;
	// absent, the engine detects them.
	Entities *[]pseudo.Entity `json:"entities,omitempty" description:"the reviewed entities (start, end, label; other fields ignored); absent: detected"`
	Options
}

// Pseudonymized is a pseudonymised text.
type Pseudonymized struct {
	Text     string              `json:"text" required:"true"`
	Spans    []pseudo.OutputSpan `json:"spans" required:"true" description:"where each replacement lies in text"`
	Mapping  pseudo.Mapping      `json:"mapping,omitempty" description:"only with include_mapping"`
	Entities []pseudo.Entity     `json:"entities" required:"true" description:"the entities replaced, offsets in the original text"`
	Model    string              `json:"model" required:"true" description:"the model that detected them, rules, or reviewed when they were given"`
	ModelID  int64               `json:"model_id" required:"true"`
}

// Document is an uploaded file, read in memory.
type Document struct {
	Name string
	Data []byte
}

// PseudonymizedDocument is a rewritten document.
type PseudonymizedDocument struct {
	Name      string
	MediaType string
	Data      []byte
	Entities  int
	Model     string
}

// Detect finds the personal data of a text.
func (s *Service) Detect(ctx context.Context, in DetectInput) (*Detection, error) {
	if err := checkText(in.Text, MaxTextBytes); err != nil {
		return nil, err
	}
	return s.detect(ctx, in.Text, FormatText)
}

func (s *Service) detect(ctx context.Context, text string, f Format) (*Detection, error) {
	det, ref, err := s.engine.Detector(ctx)
	if err != nil {
		return nil, err
	}
	ents, err := det.Detect(ctx, text)
	if err != nil {
		return nil, err
	}
	if ents == nil {
		ents = []pseudo.Entity{}
	}
	return &Detection{Text: text, Entities: ents, Model: ref.Name, ModelID: ref.ID, Format: f}, nil
}

// DetectDocument finds the personal data of an uploaded .txt, .docx or
// .odt document.
func (s *Service) DetectDocument(ctx context.Context, d Document) (*Detection, error) {
	text, f, _, err := s.openDocument(d)
	if err != nil {
		return nil, err
	}
	return s.detect(ctx, text, f)
}

// Pseudonymize replaces the entities of a text: the reviewed ones when
// given, else those the engine detects.
func (s *Service) Pseudonymize(ctx context.Context, in PseudonymizeInput) (*Pseudonymized, error) {
	if err := checkText(in.Text, MaxTextBytes); err != nil {
		return nil, err
	}
	var v apperr.Validation
	in.Options.validate(&v)
	var ents []pseudo.Entity
	if in.Entities != nil {
		ents = validateEntities(in.Text, *in.Entities, &v)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	opts, err := s.pseudoOptions(ctx, in.Options)
	if err != nil {
		return nil, err
	}
	model, modelID := "reviewed", int64(0)
	if in.Entities == nil {
		d, err := s.detect(ctx, in.Text, FormatText)
		if err != nil {
			return nil, err
		}
		ents, model, modelID = d.Entities, d.Model, d.ModelID
	}
	res, err := pseudo.Pseudonymize(in.Text, ents, opts)
	if err != nil {
		return nil, pseudoError(err)
	}
	out := &Pseudonymized{Text: res.Text, Spans: res.Spans, Mapping: res.Mapping, Entities: withText(in.Text, ents), Model: model, ModelID: modelID}
	if out.Spans == nil {
		out.Spans = []pseudo.OutputSpan{}
	}
	return out, nil
}

// PseudonymizeDocument rewrites an uploaded document, keeping its
// formatting: the reviewed entities (offsets in the text DetectDocument
// returned) when given, else those the engine detects.
func (s *Service) PseudonymizeDocument(ctx context.Context, d Document, entities *[]pseudo.Entity, o Options) (*PseudonymizedDocument, error) {
	text, f, doc, err := s.openDocument(d)
	if err != nil {
		return nil, err
	}
	var v apperr.Validation
	o.validate(&v)
	var ents []pseudo.Entity
	if entities != nil {
		ents = validateEntities(text, *entities, &v)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	o.IncludeMapping = false
	opts, err := s.pseudoOptions(ctx, o)
	if err != nil {
		return nil, err
	}
	model := "reviewed"
	if entities == nil {
		det, err := s.detect(ctx, text, f)
		if err != nil {
			return nil, err
		}
		ents, model = det.Entities, det.Model
	}
	out := &PseudonymizedDocument{Name: OutputName(d.Name), MediaType: f.MediaType(), Entities: len(ents), Model: model}
	if doc == nil {
		res, err := pseudo.Pseudonymize(text, ents, opts)
		if err != nil {
			return nil, pseudoError(err)
		}
		out.Data = []byte(res.Text)
		return out, nil
	}
	b, _, err := pseudo.PseudonymizeDocumentWith(doc, ents, opts)
	if err != nil {
		return nil, pseudoError(err)
	}
	out.Data = b
	return out, nil
}

// OutputName names a pseudonymised file after the original:
// "jugement.docx" gives "jugement-pseudonymise.docx".
func OutputName(name string) string {
	base := filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	if base == "." || base == "/" || base == "" {
		base = "document.txt"
	}
	ext := filepath.Ext(base)
	return strings.TrimSuffix(base, ext) + "-pseudonymise" + ext
}

// openDocument reads an upload: the text of a UTF-8 .txt, or the opened
// .docx/.odt (its kind checked from its content, not only its name).
func (s *Service) openDocument(d Document) (string, Format, *office.Document, error) {
	f, ok := formatOf(d.Name)
	if !ok {
		return "", "", nil, ErrUnsupportedFile.WithDetails("file", filepath.Base(d.Name))
	}
	if f == FormatText {
		text, err := decodeText(d.Data)
		if err != nil {
			return "", "", nil, err
		}
		if err := checkText(text, MaxDocumentText); err != nil {
			return "", "", nil, err
		}
		return text, f, nil, nil
	}
	doc, err := openOffice(d.Data, f, s.officeLimits())
	if err != nil {
		return "", "", nil, err
	}
	if err := checkText(doc.Text(), MaxDocumentText); err != nil {
		return "", "", nil, err
	}
	return doc.Text(), f, doc, nil
}

// officeLimits are the zip-bomb defences of document uploads.
func (s *Service) officeLimits() office.Limits {
	return office.Limits{MaxInputSize: s.maxUpload}
}

// openOffice opens a .docx or .odt after checking that its content is of
// the announced kind.
func openOffice(data []byte, f Format, lim office.Limits) (*office.Document, error) {
	want := office.DOCX
	if f == FormatODT {
		want = office.ODT
	}
	kind, err := office.DetectKind(data)
	if err != nil || kind != want {
		return nil, ErrUnreadableFile.WithDetails("reason", "not a ."+string(f)+" document")
	}
	doc, err := office.Open(data, kind, lim)
	if err != nil {
		return nil, officeError(err)
	}
	return doc, nil
}

// officeError turns a document reading failure into a typed error.
func officeError(err error) error {
	var le *office.LimitError
	switch {
	case errors.Is(err, office.ErrZipBomb):
		return apperr.Wrap(ErrZipBomb.Kind, ErrZipBomb.Code, ErrZipBomb.Message, err)
	case errors.Is(err, office.ErrTooLarge):
		e := apperr.Wrap(apperr.TooLarge, "document_too_large", "the document is too large once decompressed", err)
		if errors.As(err, &le) {
			e.Details = map[string]any{"limit": le.Limit, "max": le.Max}
		}
		return e
	}
	return apperr.Wrap(ErrUnreadableFile.Kind, ErrUnreadableFile.Code, ErrUnreadableFile.Message, err)
}

// decodeText reads a UTF-8 text file (its byte order mark dropped).
func decodeText(b []byte) (string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(b) {
		return "", apperr.New(apperr.Unsupported, "text_not_utf8", "text files must be encoded in UTF-8")
	}
	return string(b), nil
}

// checkText applies a size limit and refuses invalid UTF-8.
func checkText(text string, limit int) error {
	if len(text) > limit {
		return ErrTextTooLarge.WithDetails("max_bytes", limit)
	}
	if !utf8.ValidString(text) {
		return apperr.New(apperr.Invalid, "invalid_text", "the text is not valid UTF-8")
	}
	return nil
}

// validateEntities checks reviewed entities against the text: known
// labels, inside the text, not overlapping. It returns them sorted.
func validateEntities(text string, in []pseudo.Entity, v *apperr.Validation) []pseudo.Entity {
	if len(in) > MaxEntities {
		v.Add("entities", "at most "+strconv.Itoa(MaxEntities)+" entities")
		return nil
	}
	size := utf8.RuneCountInString(text)
	labels := pseudo.AllLabels()
	ents := make([]pseudo.Entity, 0, len(in))
	bad := false
	for i, e := range in {
		field := "entities[" + strconv.Itoa(i) + "]"
		switch {
		case !slices.Contains(labels, e.Label):
			v.Add(field+".label", "unknown label "+strconv.Quote(truncate(e.Label, 40)))
			bad = true
		case e.Start < 0 || e.End > size || e.Start >= e.End:
			v.Add(field, "must lie inside the text ("+strconv.Itoa(size)+" code points), start before end")
			bad = true
		}
		ents = append(ents, pseudo.Entity{Start: e.Start, End: e.End, Label: e.Label, Score: e.Score, Source: e.Source})
	}
	if bad {
		return nil
	}
	sort.SliceStable(ents, func(i, j int) bool { return ents[i].Start < ents[j].Start })
	for i := 1; i < len(ents); i++ {
		if ents[i].Start < ents[i-1].End {
			v.Add("entities", "entities overlap: ["+strconv.Itoa(ents[i-1].Start)+","+strconv.Itoa(ents[i-1].End)+") and ["+
				strconv.Itoa(ents[i].Start)+","+strconv.Itoa(ents[i].End)+")")
			return nil
		}
	}
	return ents
}

// withText fills in each entity's covered text.
func withText(text string, ents []pseudo.Entity) []pseudo.Entity {
	out := make([]pseudo.Entity, len(ents))
	copy(out, ents)
	r := []rune(text)
	for i := range out {
		if out[i].Start >= 0 && out[i].End <= len(r) && out[i].Start < out[i].End {
			out[i].Text = string(r[out[i].Start:out[i].End])
		}
	}
	return out
}

// pseudoOptions builds the engine's options, with the hash key when the
// hash operator is used.
func (s *Service) pseudoOptions(ctx context.Context, o Options) (pseudo.Options, error) {
	opts := pseudo.Options{Default: o.DefaultOperator, Operators: o.Operators, IncludeMapping: o.IncludeMapping}
	if o.usesHash() {
		key, err := s.hashSecret(ctx)
		if err != nil {
			return pseudo.Options{}, err
		}
		opts.HashKey = key
	}
	return opts, nil
}

// pseudoError types the engine's refusals.
func pseudoError(err error) error {
	switch {
	case errors.Is(err, pseudo.ErrUnknownOperator):
		return apperr.Wrap(apperr.Unprocessable, "unknown_operator", "unknown operator", err)
	case errors.Is(err, pseudo.ErrMissingHashKey):
		return ErrHashUnavailable
	case errors.Is(err, pseudo.ErrEntityOutOfRange), errors.Is(err, pseudo.ErrOverlappingEntity):
		return apperr.Wrap(apperr.Unprocessable, "invalid_entities", "entities must lie inside the text and not overlap", err)
	case errors.Is(err, office.ErrInvalidDocument), errors.Is(err, office.ErrTooLarge), errors.Is(err, office.ErrZipBomb):
		return officeError(err)
	}
	return err
}

// hashKeyName names the sub-key of the hash operator, derived from
// PIAF_SECRET_KEY or kept in instance_secrets in development.
const hashKeyName = "pseudo_hash_operator"

// hashSecret returns the key of the hash operator: a sub-key of the
// configured secret, so that hashes cannot be confused with other keyed
// hashes of the instance; without a secret, refused in production and an
// instance secret kept in the database otherwise (stable across restarts
// and nodes).
func (s *Service) hashSecret(ctx context.Context) ([]byte, error) {
	s.hashMu.Lock()
	defer s.hashMu.Unlock()
	if s.hashKey != nil {
		return s.hashKey, nil
	}
	if s.secret != "" {
		m := hmac.New(sha256.New, []byte(s.secret))
		m.Write([]byte(hashKeyName))
		s.hashKey = m.Sum(nil)
		return s.hashKey, nil
	}
	if s.production {
		return nil, ErrHashUnavailable
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
	row := instanceSecret{Name: hashKeyName, Value: hex.EncodeToString(b), CreatedAt: s.now()}
	if err := s.db.WithContext(ctx).Table("instance_secrets").Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return nil, err
	}
	var stored instanceSecret
	if err := s.db.WithContext(ctx).Table("instance_secrets").Where("name = ?", hashKeyName).Take(&stored).Error; err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(stored.Value)
	if err != nil {
		return nil, err
	}
	s.hashKey = key
	return key, nil
}

// Info describes what the pseudonymisation API offers, for forms.
type Info struct {
	Model     string            `json:"model" required:"true" description:"the active model's name, or rules"`
	ModelID   int64             `json:"model_id" required:"true"`
	Labels    []string          `json:"labels" required:"true"`
	Operators []pseudo.Operator `json:"operators" required:"true"`
	// HashAvailable is false when the hash operator would be refused.
	HashAvailable  bool     `json:"hash_available" required:"true"`
	MaxTextBytes   int      `json:"max_text_bytes" required:"true"`
	MaxUploadBytes int64    `json:"max_upload_bytes" required:"true"`
	Formats        []string `json:"formats" required:"true" description:"file extensions accepted"`
}

// Info returns the labels, operators, limits and the model in use.
func (s *Service) Info(ctx context.Context) (*Info, error) {
	id, err := s.engine.currentID(ctx)
	if err != nil {
		return nil, err
	}
	name := RulesOnly
	if id != 0 {
		if m, err := s.store.byID(ctx, id); err == nil {
			name = m.Name
		}
	}
	return &Info{Model: name, ModelID: id, Labels: pseudo.AllLabels(), Operators: pseudo.AllOperators(),
		HashAvailable: s.secret != "" || !s.production, MaxTextBytes: MaxTextBytes, MaxUploadBytes: s.maxUpload,
		Formats: []string{".txt", ".docx", ".odt"}}, nil
}
