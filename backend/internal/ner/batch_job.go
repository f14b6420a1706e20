package ner

import (
	"archive/zip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/blob"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/jobs"
	"github.com/lab-ia/piaf/backend/pseudo"
)

// BatchJobKind is the kind of batch pseudonymisation jobs.
const BatchJobKind = "pseudo.batch"

// Zip-bomb defences of batches: an archive breaking an archive-wide limit
// is refused as a whole; an entry breaking a per-entry limit is skipped
// and reported.
const (
	// BatchMaxEntries bounds the entries of an archive.
	BatchMaxEntries = 1000
	// BatchMaxTotal bounds the declared decompressed size of an archive.
	BatchMaxTotal = 1 << 30
	// BatchMaxEntry bounds one decompressed entry (declared and actual).
	BatchMaxEntry = 64 << 20
	// BatchMaxRatio bounds decompressed/compressed size of entries larger
	// than BatchRatioFloor: text compresses about 3 to 10 times, documents
	// less; a thousandfold ratio is built, not written.
	BatchMaxRatio = 100
	// BatchRatioFloor is the size below which the ratio is not checked
	// (tiny files compress oddly and cannot hurt).
	BatchRatioFloor = 256 << 10
)

// BatchParams are a batch job's parameters.
type BatchParams struct {
	Path     string  `json:"path"`
	Filename string  `json:"filename"`
	Options  Options `json:"options"`
}

// Statuses of a batch's files.
const (
	FileDone    = "done"
	FileSkipped = "skipped"
	FileFailed  = "failed"
)

// BatchFile reports what happened to one entry of the archive.
type BatchFile struct {
	Name     string         `json:"name"`
	Status   string         `json:"status"`
	Reason   string         `json:"reason,omitempty"`
	Entities int            `json:"entities"`
	Labels   map[string]int `json:"labels,omitempty"`
}

// BatchReport is the report.json of a result archive.
type BatchReport struct {
	Model    string      `json:"model"`
	Files    []BatchFile `json:"files"`
	Done     int         `json:"done"`
	Skipped  int         `json:"skipped"`
	Failed   int         `json:"failed"`
	Finished time.Time   `json:"finished_at"`
}

// BatchResult is what a finished batch job reports; the archive is
// downloaded from /api/v1/pseudonymize/batches/{id}/result.
type BatchResult struct {
	Key      string `json:"key"`
	Size     int64  `json:"size"`
	Filename string `json:"filename"`
	Model    string `json:"model"`
	Files    int    `json:"files"`
	Done     int    `json:"done"`
	Skipped  int    `json:"skipped"`
	Failed   int    `json:"failed"`
}

// SaveUpload streams an uploaded archive to the upload directory, where
// it stays until its batch job ends.
func (s *Service) SaveUpload(r io.Reader) (string, error) {
	if err := os.MkdirAll(s.uploadDir, 0o750); err != nil {
		return "", err
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	p := filepath.Join(s.uploadDir, "pseudo-batch-"+hex.EncodeToString(b)+".zip")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		_ = os.Remove(p)
		return "", err
	}
	return p, f.Close()
}

// StartBatch checks an uploaded archive and starts its job; the upload
// is removed when it is refused, or when the job ends.
func (s *Service) StartBatch(ctx context.Context, p *identity.Principal, uploadPath, filename string, o Options) (*jobs.Job, error) {
	fail := func(err error) (*jobs.Job, error) {
		_ = os.Remove(uploadPath)
		return nil, err
	}
	var v apperr.Validation
	o.IncludeMapping = false
	o.validate(&v)
	if err := v.Err(); err != nil {
		return fail(err)
	}
	if o.usesHash() {
		if _, err := s.hashSecret(ctx); err != nil {
			return fail(err)
		}
	}
	if strings.ToLower(filepath.Ext(filename)) != ".zip" {
		return fail(apperr.New(apperr.Unsupported, "unsupported_format", "send a .zip archive of .txt, .docx and .odt files").WithDetails("file", filepath.Base(filename)))
	}
	zr, err := zip.OpenReader(uploadPath)
	if err != nil {
		return fail(apperr.Wrap(apperr.Unsupported, "unsupported_format", "the file is not a zip archive", err))
	}
	err = checkBatchArchive(&zr.Reader)
	zr.Close()
	if err != nil {
		return fail(err)
	}
	j, err := s.jobs.Enqueue(ctx, p, BatchJobKind, nil, BatchParams{Path: uploadPath, Filename: filepath.Base(filename), Options: o})
	if err != nil {
		return fail(err)
	}
	return j, nil
}

// checkBatchArchive applies the archive-wide limits.
func checkBatchArchive(zr *zip.Reader) error {
	if len(zr.File) > BatchMaxEntries {
		return ErrZipBomb.WithDetails("reason", fmt.Sprintf("%d entries, at most %d", len(zr.File), BatchMaxEntries))
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if f.UncompressedSize64 > 1<<62 || total > BatchMaxTotal {
			return ErrZipBomb.WithDetails("reason", fmt.Sprintf("more than %d bytes once decompressed", BatchMaxTotal))
		}
	}
	return nil
}

// BatchJob pseudonymises the documents of an uploaded archive in the
// background. A retried attempt starts over; the upload is removed once
// the job has ended, whatever the outcome.
type BatchJob struct {
	Service *Service
}

// Kind names the job.
func (BatchJob) Kind() string { return BatchJobKind }

// Timeout bounds one attempt.
func (BatchJob) Timeout() time.Duration { return time.Hour }

// MaxAttempts retries transient failures (storage down).
func (BatchJob) MaxAttempts() int { return 2 }

// Run pseudonymises every supported entry and stores the result archive.
func (j BatchJob) Run(ctx context.Context, job *jobs.Job, p *jobs.Progress) (any, error) {
	var params BatchParams
	if err := job.DecodeParams(&params); err != nil {
		return nil, jobs.Permanent(err)
	}
	return j.Service.runBatch(ctx, params, p)
}

// Finished removes the upload.
func (j BatchJob) Finished(ctx context.Context, job *jobs.Job, state jobs.State) {
	var params BatchParams
	if err := job.DecodeParams(&params); err != nil || params.Path == "" {
		return
	}
	// Only files of the upload directory are ever removed.
	if filepath.Dir(params.Path) == filepath.Clean(j.Service.uploadDir) {
		_ = os.Remove(params.Path)
	}
}

func (s *Service) runBatch(ctx context.Context, params BatchParams, p *jobs.Progress) (*BatchResult, error) {
	zr, err := zip.OpenReader(params.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, jobs.Permanent(errors.New("the uploaded archive is gone; upload it again"))
	}
	if err != nil {
		return nil, jobs.Permanent(fmt.Errorf("the archive cannot be read: %w", err))
	}
	defer zr.Close()
	if err := checkBatchArchive(&zr.Reader); err != nil {
		return nil, jobs.Permanent(err)
	}
	opts, err := s.pseudoOptions(ctx, params.Options)
	if err != nil {
		return nil, jobs.Permanent(err)
	}
	// One detector for the whole batch: every file gets the same model.
	det, ref, err := s.engine.Detector(ctx)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.stagingDir, 0o750); err != nil {
		return nil, err
	}
	out, err := os.CreateTemp(s.stagingDir, "batch-*.zip")
	if err != nil {
		return nil, err
	}
	outPath := out.Name()
	defer os.Remove(outPath)
	defer out.Close()
	zw := zip.NewWriter(out)

	files := zr.File
	p.Stage(ctx, "files", int64(len(files)))
	rep := BatchReport{Model: ref.Name, Files: []BatchFile{}}
	seen := map[string]bool{}
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		bf := s.batchEntry(ctx, f, seen, det, opts, zw)
		if bf.Status != "" {
			rep.Files = append(rep.Files, bf)
			switch bf.Status {
			case FileDone:
				rep.Done++
			case FileSkipped:
				rep.Skipped++
			default:
				rep.Failed++
			}
		}
		p.Set(ctx, int64(i+1))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep.Finished = s.now()
	w, err := zw.Create("report.json")
	if err != nil {
		return nil, err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if err := out.Close(); err != nil {
		return nil, err
	}
	p.Stage(ctx, "store", 1)
	key, size, err := putFile(ctx, s.blobs, outPath)
	if err != nil {
		return nil, err
	}
	p.Set(ctx, 1)
	name := strings.TrimSuffix(params.Filename, filepath.Ext(params.Filename))
	return &BatchResult{Key: key, Size: size, Filename: name + "-pseudonymise.zip", Model: ref.Name, Files: len(rep.Files),
		Done: rep.Done, Skipped: rep.Skipped, Failed: rep.Failed}, nil
}

// batchEntry processes one entry of the archive: it is skipped (not a
// supported document, unsafe name, beyond a limit), fails (unreadable),
// or its pseudonymised version is written to zw under the same name.
// Directories give an empty status (not reported).
func (s *Service) batchEntry(ctx context.Context, f *zip.File, seen map[string]bool, det *pseudo.Detector, opts pseudo.Options, zw *zip.Writer) BatchFile {
	if f.FileInfo().IsDir() || strings.HasSuffix(f.Name, "/") {
		return BatchFile{}
	}
	name, ok := safeEntryName(f.Name)
	bf := BatchFile{Name: name, Status: FileSkipped}
	if !ok {
		bf.Name, bf.Reason = truncate(f.Name, 200), "unsafe name"
		return bf
	}
	if seen[name] {
		bf.Reason = "duplicate name"
		return bf
	}
	seen[name] = true
	_, ok = formatOf(name)
	if !ok || strings.HasPrefix(path.Base(name), ".") || strings.HasPrefix(name, "__MACOSX/") {
		bf.Reason = "unsupported format (only .txt, .docx and .odt are pseudonymised)"
		return bf
	}
	if f.UncompressedSize64 > BatchMaxEntry {
		bf.Reason = fmt.Sprintf("refused: larger than %d bytes once decompressed", BatchMaxEntry)
		return bf
	}
	if refusedRatio(f.UncompressedSize64, f.CompressedSize64) {
		bf.Reason = "refused: compression ratio of a possible zip bomb"
		return bf
	}
	data, err := readEntry(f)
	if err != nil {
		bf.Reason = err.Error()
		return bf
	}
	doc := Document{Name: name, Data: data}
	text, _, odoc, err := s.openDocument(doc)
	if err != nil {
		return failed(bf, err)
	}
	ents, err := det.Detect(ctx, text)
	if err != nil {
		return failed(bf, err)
	}
	var outData []byte
	if odoc == nil {
		res, err := pseudo.Pseudonymize(text, ents, opts)
		if err != nil {
			return failed(bf, pseudoError(err))
		}
		outData = []byte(res.Text)
	} else {
		outData, _, err = pseudo.PseudonymizeDocumentWith(odoc, ents, opts)
		if err != nil {
			return failed(bf, pseudoError(err))
		}
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: f.Modified})
	if err != nil {
		return failed(bf, err)
	}
	if _, err := w.Write(outData); err != nil {
		return failed(bf, err)
	}
	bf.Status, bf.Entities, bf.Labels = FileDone, len(ents), map[string]int{}
	for _, e := range ents {
		bf.Labels[e.Label]++
	}
	return bf
}

// failed reports a file that could not be pseudonymised, with a reason
// fit for the report (typed errors' messages; others generic).
func failed(bf BatchFile, err error) BatchFile {
	bf.Status = FileFailed
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Kind != apperr.Internal {
		bf.Reason = ae.Message
	} else {
		bf.Reason = "the document could not be pseudonymised"
	}
	return bf
}

// refusedRatio applies the compression ratio limit.
func refusedRatio(uncompressed, compressed uint64) bool {
	if uncompressed < BatchRatioFloor {
		return false
	}
	return compressed == 0 || uncompressed/compressed > BatchMaxRatio
}

// readEntry decompresses an entry, never beyond BatchMaxEntry nor beyond
// the ratio limit whatever its header says (headers can lie).
func readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, errors.New("unreadable entry")
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, BatchMaxEntry+1))
	if err != nil {
		return nil, errors.New("unreadable entry (damaged archive)")
	}
	if len(data) > BatchMaxEntry {
		return nil, fmt.Errorf("refused: larger than %d bytes once decompressed", BatchMaxEntry)
	}
	if refusedRatio(uint64(len(data)), f.CompressedSize64) {
		return nil, errors.New("refused: compression ratio of a possible zip bomb")
	}
	return data, nil
}

// safeEntryName cleans an entry name: relative, forward slashes, no "..";
// it reports false for names that try to leave the archive.
func safeEntryName(name string) (string, bool) {
	n := strings.ReplaceAll(name, "\\", "/")
	if strings.HasPrefix(n, "/") || strings.Contains(n, "\x00") {
		return "", false
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "", false
		}
	}
	c := path.Clean(n)
	if c == "." || c == "" {
		return "", false
	}
	return c, true
}

// BatchDownload is an open batch result.
type BatchDownload struct {
	Filename string
	Object   blob.Object
}

// OpenBatchResult opens the result archive of a batch the caller may see
// (its owner, or an administrator).
func (s *Service) OpenBatchResult(ctx context.Context, p *identity.Principal, jobID int64) (*BatchDownload, error) {
	j, err := s.jobs.Get(ctx, p, jobID)
	if err != nil {
		return nil, err
	}
	if j.Kind != BatchJobKind {
		return nil, jobs.ErrJobNotFound
	}
	if j.State != jobs.StateSucceeded {
		return nil, ErrBatchNotDone.WithDetails("state", j.State)
	}
	var res BatchResult
	if err := json.Unmarshal([]byte(j.Result), &res); err != nil || !blob.ValidKey(res.Key) {
		return nil, ErrResultExpired
	}
	obj, err := s.blobs.Open(ctx, res.Key)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, ErrResultExpired
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, "storage_unavailable", "the file storage cannot be reached; try again", err)
	}
	return &BatchDownload{Filename: res.Filename, Object: obj}, nil
}

// putFile stores a local file in the blob store under its SHA-256.
func putFile(ctx context.Context, blobs blob.Store, path string) (string, int64, error) {
	key, size, err := blob.HashFile(path)
	if err != nil {
		return "", 0, err
	}
	fh, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer fh.Close()
	if err := blobs.Put(ctx, key, fh, size); err != nil {
		return "", 0, fmt.Errorf("storing the file: %w", err)
	}
	return key, size, nil
}
