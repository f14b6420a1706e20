// Package frtext holds the French text tools shared by the question-answering
// engine, the annotation validation and the pseudonymisation engine: Unicode
// normalisation, a tokeniser that reports code-point offsets, stop words, a
// stemmer (Bleve's Snowball French stemmer), sentence splitting and
// conversions between code-point, byte and UTF-16 offsets.
//
// Offsets are Unicode code points throughout, with End exclusive, because
// that is what SQuAD's answer_start counts (Python string indices) and what
// the web front end can convert to UTF-16 with Offsets. The tokeniser never
// rewrites its input: callers that normalise (NFC) must do it before
// tokenising and keep the normalised text as the reference for offsets.
//
// The package depends only on the standard library, golang.org/x/text and
// Bleve's analysis packages, so that any part of the platform can import it.
package frtext
