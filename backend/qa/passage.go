package qa

// Passage is the unit the retriever indexes and the reader reads: a
// paragraph of a document (a PIAF context, a section of a service-public.fr
// fiche). The platform fills it from its database; SourceURL lets the answer
// page link back to the source.
type Passage struct {
	// ID identifies the passage in its collection; unique.
	ID string `json:"id"`
	// DocumentID groups the passages of one document.
	DocumentID string `json:"document_id"`
	// Title is the document title; the retriever boosts it.
	Title string `json:"title"`
	// Text is the passage text; answer offsets index it in code points.
	Text string `json:"text"`
	// SourceURL is where the document can be read; may be empty.
	SourceURL string `json:"source_url,omitempty"`
}
