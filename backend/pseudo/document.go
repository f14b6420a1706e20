package pseudo

import (
	"context"

	"github.com/lab-ia/piaf/backend/pseudo/office"
)

// PseudonymizeDocument detects and replaces the personal data of a .docx
// or .odt document held in memory and returns the rewritten document, with
// its formatting kept, and the result over the document's text (spans,
// mapping on request). Errors from reading the document wrap
// office.ErrInvalidDocument, office.ErrTooLarge or office.ErrZipBomb.
//
// To let a reviewer accept or reject entities first, call office.Open,
// Detector.Detect on Document.Text, then PseudonymizeDocumentWith.
func PseudonymizeDocument(ctx context.Context, det *Detector, data []byte, kind office.Kind, opts Options, lim office.Limits) ([]byte, Result, error) {
	doc, err := office.Open(data, kind, lim)
	if err != nil {
		return nil, Result{}, err
	}
	ents, err := det.Detect(ctx, doc.Text())
	if err != nil {
		return nil, Result{}, err
	}
	return PseudonymizeDocumentWith(doc, ents, opts)
}

// PseudonymizeDocumentWith replaces the given entities (offsets in
// doc.Text()) in an opened document.
func PseudonymizeDocumentWith(doc *office.Document, ents []Entity, opts Options) ([]byte, Result, error) {
	res, err := Pseudonymize(doc.Text(), ents, opts)
	if err != nil {
		return nil, Result{}, err
	}
	// Spans are in the same order as the sorted entities.
	sorted := sortedEntities(ents)
	out := []rune(res.Text)
	reps := make([]office.Replacement, len(sorted))
	for i, s := range res.Spans {
		reps[i] = office.Replacement{Start: sorted[i].Start, End: sorted[i].End, Text: string(out[s.Start:s.End])}
	}
	b, err := doc.Rewrite(reps)
	if err != nil {
		return nil, Result{}, err
	}
	return b, res, nil
}
