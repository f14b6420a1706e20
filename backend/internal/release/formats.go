package release

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/lab-ia/piaf/backend/internal/dataio"
)

// Format names of release files.
const (
	FormatSQuAD         = "squad"
	FormatJSONL         = "jsonl"
	FormatCSV           = "csv"
	FormatCoNLL         = "conll"
	FormatSpans         = "spans"
	FormatDatasheetMD   = "datasheet-md"
	FormatDatasheetJSON = "datasheet-json"
	FormatProvenance    = "provenance"
)

// HFRow is one line of the JSONL files: exactly the columns of the
// Hugging Face `datasets` SQuAD loader (id, title, context, question,
// answers{text, answer_start}), so `load_dataset("json", …)` gives the
// same features as `load_dataset("squad")`. Offsets count code points,
// which is what Python string indices count.
type HFRow struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Context  string    `json:"context"`
	Question string    `json:"question"`
	Answers  HFAnswers `json:"answers"`
}

// HFAnswers is the answers column: parallel lists.
type HFAnswers struct {
	Text        []string `json:"text"`
	AnswerStart []int    `json:"answer_start"`
}

// CSVHeader is the CSV files' header: one row per answer, so a question
// with three answers spans three rows sharing its id.
var csvHeader = []string{"id", "split", "title", "theme", "source_url", "context", "question", "answer_index", "answer_start", "answer_text"}

// CSVHeader returns the columns of the CSV file.
func CSVHeader() []string { return append([]string(nil), csvHeader...) }

// NeutralizeCell defuses spreadsheet formula injection: a cell starting
// with = + - @ (or a tab or carriage return, which some spreadsheets skip
// before looking for them) gets a leading apostrophe, so Excel and
// LibreOffice show it as text instead of evaluating it. Readers recover
// the original with RestoreCell.
func NeutralizeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// RestoreCell undoes NeutralizeCell.
func RestoreCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

// indexEntry is one question of a release's index, the internal file that
// diffs compare: enough to tell what changed and to show it.
type indexEntry struct {
	ID       string      `json:"id"`
	Split    string      `json:"split"`
	Document string      `json:"document"`
	Question string      `json:"question"`
	Answers  []indexSpan `json:"answers"`
	Context  string      `json:"context_sha256"`
	Hash     string      `json:"hash"`
}

type indexSpan struct {
	Start int    `json:"start" required:"true"`
	Text  string `json:"text" required:"true"`
}

func newIndexEntry(split, title, context string, q *dataio.DocQuestion) indexEntry {
	ctx := sha256.Sum256([]byte(context))
	e := indexEntry{ID: q.ID, Split: split, Document: title, Question: q.Text, Context: hex.EncodeToString(ctx[:8])}
	h := sha256.New()
	h.Write([]byte(q.Text))
	h.Write([]byte{0})
	h.Write(ctx[:])
	for _, a := range q.Answers {
		e.Answers = append(e.Answers, indexSpan{Start: a.Start, Text: a.Text})
		h.Write([]byte{0})
		h.Write([]byte(strconv.Itoa(a.Start)))
		h.Write([]byte{1})
		h.Write([]byte(a.Text))
	}
	e.Hash = hex.EncodeToString(h.Sum(nil)[:12])
	return e
}

// qaFiles writes the question-answering formats, one document at a time.
type qaFiles struct {
	squad map[string]*dataio.SQuADWriter
	jsonl map[string]*jsonLines
	csv   *csv.Writer
	csvF  *stagedFile
	index *jsonLines
	prov  *jsonLines
	files []*stagedFile
}

// jsonLines writes one JSON value per line into a staged file.
type jsonLines struct {
	f   *stagedFile
	enc *json.Encoder
}

func newJSONLines(f *stagedFile) *jsonLines {
	enc := json.NewEncoder(f)
	enc.SetEscapeHTML(false)
	return &jsonLines{f: f, enc: enc}
}

func (j *jsonLines) write(v any) error {
	j.f.row()
	return j.enc.Encode(v)
}
