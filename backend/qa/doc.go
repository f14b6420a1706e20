// Package qa is PIAF's French question-answering engine: a BM25 retriever
// over passages (Bleve, French analysis, titles boosted), a reader trained in
// Go from SQuAD-format data that picks the answer span in a passage, the
// Engine that combines them, and the evaluation (SQuAD v1.1 exact match and
// F1, with the official and a French normalisation, and retrieval recall@k).
//
// Everything runs on the CPU from files the lab produced: nothing is
// downloaded at run time and the package has no web dependency, so the API,
// background jobs and the command line share it.
//
// Offsets are Unicode code points with End exclusive, as in package frtext.
package qa
