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
// Span conventions: offsets are Unicode code points, end exclusive; titles
// (M., Mme, Dr, Maître...) are never inside PER spans so that they stay
// visible ("M. X..."), and articles are never inside LOC spans. Corpora
// with other conventions are normalised when read (see NormalizeSpans).
package pseudo
