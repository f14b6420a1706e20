package pseudo

// Entity labels. The first four come from the statistical tagger, the
// others from the validated rules.
const (
	LabelPER       = "PER"        // person
	LabelLOC       = "LOC"        // place
	LabelORG       = "ORG"        // organisation
	LabelMISC      = "MISC"       // other named entity (events, works, nationalities...)
	LabelAddress   = "ADDRESS"    // postal address
	LabelEmail     = "EMAIL"      // e-mail address
	LabelPhone     = "PHONE"      // French phone number
	LabelIBAN      = "IBAN"       // bank account (mod 97 checked)
	LabelNIR       = "NIR"        // social security number (key checked)
	LabelSIREN     = "SIREN"      // company number (Luhn checked)
	LabelSIRET     = "SIRET"      // establishment number (Luhn / La Poste checked)
	LabelCard      = "CARD"       // bank card (Luhn checked)
	LabelPlate     = "PLATE"      // vehicle registration plate
	LabelBirthDate = "BIRTH_DATE" // date of birth announced as such
	LabelIP        = "IP"         // IPv4 or IPv6 address
)

// AllLabels lists every label the engine can produce, in a stable order,
// for user interfaces that offer one key or colour per label. It returns a
// new slice each time.
func AllLabels() []string {
	return []string{
		LabelPER, LabelLOC, LabelORG, LabelMISC, LabelAddress, LabelEmail, LabelPhone,
		LabelIBAN, LabelNIR, LabelSIREN, LabelSIRET, LabelCard, LabelPlate, LabelBirthDate, LabelIP,
	}
}

// Sources say which part of the engine found an entity, so that reviewers
// can weigh it: rules are validated, model entities carry a probability,
// gazetteer entities come from title and name-list cues, propagated ones
// repeat a name found elsewhere in the document.
const (
	SourceRule        = "rule"
	SourceModel       = "model"
	SourceGazetteer   = "gazetteer"
	SourcePropagation = "propagation"
)

// Entity is one piece of personal data found in a text.
type Entity struct {
	// Start and End are offsets in Unicode code points, end exclusive, so
	// that JavaScript, Python and Go clients agree on them.
	Start int `json:"start"`
	End   int `json:"end"`
	// Label is one of the Label constants.
	Label string `json:"label"`
	// Text is the covered text, for display and review.
	Text string `json:"text"`
	// Score is the engine's confidence in [0, 1]: 1 for validated rules, the
	// tagger's marginal probability for model entities.
	Score float64 `json:"score"`
	// Source is one of the Source constants.
	Source string `json:"source"`
}

// Span is a gold annotation: a labelled range of a training or evaluation
// document, in code points, end exclusive.
type Span struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Label string `json:"label"`
}

// Document is a text with its gold spans, the unit of training and
// evaluation corpora. A whole novel or a whole decision is one document, so
// that document-level cues (a name seen after "M." elsewhere) apply.
type Document struct {
	ID    string `json:"id,omitempty"`
	Text  string `json:"text"`
	Spans []Span `json:"entities"`
}
