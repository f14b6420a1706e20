// Package pseudo is PIAF's pseudonymisation engine: it finds the personal
// data in French text (persons, places, organisations, addresses and
// identifiers) and replaces it consistently, so that administrations can
// publish court decisions and documents without leaking who is who.
//
// The pieces, each usable alone:
//   - Detector finds entities with validated rules (package rules), an
//     optional statistical tagger (a Model, trained by Train from CoNLL or
//     JSONL corpora) and gazetteer cues, then makes the result consistent
//     across the document (propagation).
//   - Pseudonymize applies operators (placeholders in the Conseil d'État
//     style, typed placeholders, redaction, masking, keyed hashes) to the
//     entities and returns the new text with its spans.
//   - Evaluate scores a detector against gold spans (exact match).
//   - Package office rewrites .docx and .odt documents in place, keeping
//     their formatting; package pseudocli is the "piaf pseudo" command.
//
// Typical use, in a request handler or a job:
//
//	model, err := pseudo.LoadModelFile(path) // once; nil model: rules and gazetteers only
//	det, err := pseudo.NewDetector(model, pseudo.DetectorOptions{}) // once, shared by goroutines
//	ents, err := det.Detect(ctx, text)
//	// let a reviewer accept or reject entities, then
//	res, err := pseudo.Pseudonymize(text, ents, pseudo.Options{Default: pseudo.OpPlaceholder})
//
// and, for a training job, pseudo.Train(ctx, sources, opts, progress) with
// sources from ReadCoNLL, ReadJSONL or ReadCorpusFile, then Model.SaveFile.
//
// Span conventions: offsets are Unicode code points, end exclusive; titles
// (M., Mme, Dr, Maître...) are never inside PER spans so that they stay
// visible ("M. X..."), and articles are never inside LOC spans. Corpora
// with other conventions are normalised when read (see NormalizeSpans).
package pseudo
