// Package gazetteer holds the word lists the pseudonymisation engine relies
// on: INSEE first names and surnames with their frequency, French communes,
// road types, titles, and the "not a name" knowledge (job titles,
// departments, English business words, acronyms, brands) plus how often each
// word is capitalised in running French text. The lists are compiled into
// the binary (go:embed) so that the product never reads the lab's shared
// data at run time; data/ is derived from it by internal/gen (see
// data/README.md).
package gazetteer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:generate go run ../internal/gen -out data

//go:embed data/*.gz lists/*.txt
var files embed.FS

// Kind says what non-name knowledge a word carries.
type Kind uint16

// Kinds of "not a name" words. A word may have several (a bit set).
const (
	KindJob Kind = 1 << iota
	KindDepartment
	KindEnglish
	KindAcronym
	KindBrand
	KindDeterminer
	KindTitle
	KindRoadType
	KindCommon
)

// Entry is everything the lexicon knows about one folded word, for callers
// that need it all at once (feature extraction does one lookup per token).
type Entry struct {
	FirstName, Surname uint8 // frequency buckets, 0 when absent
	Caps               uint8 // CapsNever..CapsUnknown
	Kinds              Kind
}

// Lexicon answers membership questions about words. It is read-only after
// loading and safe for concurrent use.
type Lexicon struct {
	entries      map[string]Entry
	firstNames   map[string]uint8 // folded -> frequency bucket 1..7
	surnames     map[string]uint8
	capsRatio    map[string]uint8 // folded -> CapsBucket
	kinds        map[string]Kind  // folded -> kinds
	communes     *PhraseSet
	communeNames []string   // display forms, sorted
	surPhrases   *PhraseSet // multi-word surnames (LE GALL, DA SILVA)
	brandPh      *PhraseSet // multi-word brands
}

var loadDefault = sync.OnceValues(func() (*Lexicon, error) { return load(files) })

// Default returns the lexicon compiled into the binary, loaded once (about
// 0.3 s and 30 MB); every detector shares it.
func Default() (*Lexicon, error) { return loadDefault() }

func load(fsys embed.FS) (*Lexicon, error) {
	lx := &Lexicon{
		firstNames: map[string]uint8{},
		surnames:   map[string]uint8{},
		capsRatio:  map[string]uint8{},
		kinds:      map[string]Kind{},
		communes:   NewPhraseSet(),
		surPhrases: NewPhraseSet(),
		brandPh:    NewPhraseSet(),
		entries:    map[string]Entry{},
	}
	if err := readBuckets(fsys, "data/firstnames.tsv.gz", lx.firstNames, nil); err != nil {
		return nil, err
	}
	if err := readBuckets(fsys, "data/surnames.tsv.gz", lx.surnames, lx.surPhrases); err != nil {
		return nil, err
	}
	if err := readBuckets(fsys, "data/caps.tsv.gz", lx.capsRatio, nil); err != nil {
		return nil, err
	}
	if err := readLines(fsys, "data/communes.txt.gz", func(s string) {
		lx.communes.Add(s, 1)
		lx.communeNames = append(lx.communeNames, s)
	}); err != nil {
		return nil, err
	}
	for name, k := range map[string]Kind{
		"lists/jobs.txt": KindJob, "lists/departments.txt": KindDepartment,
		"lists/english.txt": KindEnglish, "lists/acronyms.txt": KindAcronym,
		"lists/brands.txt": KindBrand, "lists/determiners.txt": KindDeterminer,
		"lists/titles.txt": KindTitle, "lists/roadtypes.txt": KindRoadType,
		"lists/common.txt": KindCommon,
	} {
		err := readLines(fsys, name, func(s string) {
			if strings.ContainsRune(s, ' ') {
				if k == KindBrand {
					lx.brandPh.Add(s, 1)
				}
				return
			}
			lx.kinds[Fold(s)] |= k
		})
		if err != nil {
			return nil, err
		}
	}
	lx.buildEntries()
	return lx, nil
}

// buildEntries merges the per-list maps into one.
func (lx *Lexicon) buildEntries() {
	get := func(k string) Entry {
		e, ok := lx.entries[k]
		if !ok {
			e.Caps = CapsUnknown
		}
		return e
	}
	for k, v := range lx.firstNames {
		e := get(k)
		e.FirstName = v
		lx.entries[k] = e
	}
	for k, v := range lx.surnames {
		e := get(k)
		e.Surname = v
		lx.entries[k] = e
	}
	for k, v := range lx.capsRatio {
		e := get(k)
		e.Caps = v
		lx.entries[k] = e
	}
	for k, v := range lx.kinds {
		e := get(k)
		e.Kinds = v
		lx.entries[k] = e
	}
}

// Lookup returns what the lexicon knows about a folded word.
func (lx *Lexicon) Lookup(folded string) Entry {
	if e, ok := lx.entries[folded]; ok {
		return e
	}
	return Entry{Caps: CapsUnknown}
}

func open(fsys embed.FS, name string) (io.ReadCloser, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("gazetteer: %w", err)
	}
	if !strings.HasSuffix(name, ".gz") {
		return f, nil
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("gazetteer: %s: %w", name, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{zr, f}, nil
}

func readLines(fsys embed.FS, name string, add func(string)) error {
	rc, err := open(fsys, name)
	if err != nil {
		return err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return fmt.Errorf("gazetteer: %s: %w", name, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		add(line)
	}
	return sc.Err()
}

// readBuckets reads "key<TAB>bucket" lines; keys holding a space go to the
// phrase set when one is given.
func readBuckets(fsys embed.FS, name string, m map[string]uint8, phrases *PhraseSet) error {
	var bad error
	err := readLines(fsys, name, func(line string) {
		k, v, ok := strings.Cut(line, "\t")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 || n > 255 {
			bad = fmt.Errorf("gazetteer: %s: bad line %q", name, line)
			return
		}
		if strings.ContainsRune(k, ' ') {
			if phrases != nil {
				phrases.Add(k, uint8(n))
			}
			return
		}
		m[k] = uint8(n)
	})
	if err != nil {
		return err
	}
	return bad
}

// FirstName returns the frequency bucket (1 rare .. 7 very common) of a
// folded word in the INSEE first-name list, 0 when absent.
func (lx *Lexicon) FirstName(folded string) uint8 { return lx.firstNames[folded] }

// Surname returns the frequency bucket of a folded word in the INSEE
// surname list, 0 when absent.
func (lx *Lexicon) Surname(folded string) uint8 { return lx.surnames[folded] }

// Caps returns how often a folded word is capitalised in the middle of a
// sentence in running French text (CapsUnknown when it was not seen often
// enough to tell): proper names score high, common words low.
func (lx *Lexicon) Caps(folded string) uint8 {
	if b, ok := lx.capsRatio[folded]; ok {
		return b
	}
	return CapsUnknown
}

// Caps buckets, from "always lower case" to "always capitalised".
const (
	CapsNever   uint8 = 0 // < 5 %
	CapsRarely  uint8 = 1 // < 30 %
	CapsOften   uint8 = 2 // < 70 %
	CapsMostly  uint8 = 3 // < 95 %
	CapsAlways  uint8 = 4
	CapsUnknown uint8 = 5
)

// Kinds returns the non-name knowledge about a folded word.
func (lx *Lexicon) Kinds(folded string) Kind { return lx.kinds[folded] }

// Communes matches French commune names (39,070 from the INSEE official
// geographic code) over folded tokens.
func (lx *Lexicon) Communes() *PhraseSet { return lx.communes }

// SurnamePhrases matches surnames written in several words (Le Gall, Da Silva).
func (lx *Lexicon) SurnamePhrases() *PhraseSet { return lx.surPhrases }

// BrandPhrases matches brands written in several words (Louis Vuitton).
func (lx *Lexicon) BrandPhrases() *PhraseSet { return lx.brandPh }

// FirstNames returns the first names (folded) whose frequency bucket is at
// least min, sorted, for generating examples.
func (lx *Lexicon) FirstNames(min uint8) []string { return keysAtLeast(lx.firstNames, min) }

// Surnames returns the surnames (folded) whose frequency bucket is at least
// min, sorted.
func (lx *Lexicon) Surnames(min uint8) []string { return keysAtLeast(lx.surnames, min) }

// CommuneNames returns the commune names as written, sorted.
func (lx *Lexicon) CommuneNames() []string { return lx.communeNames }

// List returns the words of a hand-written list with a kind (jobs, brands...),
// folded and sorted.
func (lx *Lexicon) List(k Kind) []string {
	var out []string
	for w, kinds := range lx.kinds {
		if kinds&k != 0 {
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return out
}

func keysAtLeast(m map[string]uint8, min uint8) []string {
	var out []string
	for k, v := range m {
		if v >= min {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
