package devset

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Names are the pools names are drawn from.
type Names struct {
	First, Last []string
}

// LoadNames reads the most frequent INSEE first names and surnames from the
// shared data directory (names_insee).
func LoadNames(dir string) (Names, error) {
	first, err := topNames(filepath.Join(dir, "prenoms_sorted_by_count.csv"), 800, "_PRENOMS_RARES")
	if err != nil {
		return Names{}, err
	}
	last, err := topNames(filepath.Join(dir, "noms_sorted_by_count.csv"), 4000, "AUTRES NOMS")
	if err != nil {
		return Names{}, err
	}
	return Names{First: first, Last: last}, nil
}

func topNames(path string, n int, skip string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	var out []string
	for len(out) < n {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(rec) < 2 || rec[0] == skip || strings.ContainsAny(rec[0], " '") {
			continue
		}
		out = append(out, rec[0])
	}
	return out, nil
}

// titleCase turns "JEAN-PIERRE" into "Jean-Pierre".
func titleCase(s string) string {
	var b strings.Builder
	up := true
	for _, r := range strings.ToLower(s) {
		if up {
			b.WriteRune(unicode.ToUpper(r))
		} else {
			b.WriteRune(r)
		}
		up = r == '-' || r == ' ' || r == '\''
	}
	return b.String()
}

// builder accumulates text and gold spans.
type builder struct {
	b     strings.Builder
	runes int
	spans []Span
}

func (w *builder) text(s string) {
	w.b.WriteString(s)
	w.runes += utf8.RuneCountInString(s)
}

func (w *builder) span(s, label string) {
	w.spans = append(w.spans, Span{Start: w.runes, End: w.runes + utf8.RuneCountInString(s), Label: label})
	w.text(s)
}

// annotate marks every whole-word occurrence of each name as label, where
// no span is yet.
func annotate(d *Doc, names []string, label string) {
	runes := []rune(d.Text)
	taken := make([]bool, len(runes)+1)
	for _, s := range d.Entities {
		for i := s.Start; i < s.End; i++ {
			taken[i] = true
		}
	}
	isWord := func(i int) bool {
		return i >= 0 && i < len(runes) && (unicode.IsLetter(runes[i]) || unicode.IsDigit(runes[i]))
	}
	for _, n := range names {
		nr := []rune(n)
		for i := 0; i+len(nr) <= len(runes); i++ {
			if string(runes[i:i+len(nr)]) != n || isWord(i-1) || isWord(i+len(nr)) {
				continue
			}
			free := true
			for k := i; k < i+len(nr); k++ {
				free = free && !taken[k]
			}
			if !free {
				continue
			}
			for k := i; k < i+len(nr); k++ {
				taken[k] = true
			}
			d.Entities = append(d.Entities, Span{Start: i, End: i + len(nr), Label: label})
		}
	}
	sort.Slice(d.Entities, func(i, j int) bool { return d.Entities[i].Start < d.Entities[j].Start })
}

var streets = []string{"rue des Lilas", "avenue de la Gare", "boulevard Carnot", "rue du Moulin", "impasse des Chênes", "chemin de la Croix", "place de l'Église", "allée des Tilleuls", "rue Pasteur", "route de Lyon"}
var cities = []string{"75011 Paris", "69003 Lyon", "13008 Marseille", "31000 Toulouse", "44000 Nantes", "74130 Bonneville", "73000 Chambéry", "85000 La Roche-sur-Yon", "35000 Rennes", "59000 Lille"}

func (g *gen) address() string {
	return strconv.Itoa(1+g.r.IntN(120)) + " " + streets[g.r.IntN(len(streets))] + ", " + cities[g.r.IntN(len(cities))]
}

type gen struct {
	r     *rand.Rand
	names Names
	first map[string]string // placeholder code -> first name
	last  map[string]string // placeholder code -> surname
}

func (g *gen) firstName(code string) string {
	if n, ok := g.first[code]; ok {
		return n
	}
	n := titleCase(g.names.First[g.r.IntN(len(g.names.First))])
	g.first[code] = n
	return n
}

func (g *gen) surname(code string) string {
	if n, ok := g.last[code]; ok {
		return n
	}
	n := titleCase(g.names.Last[g.r.IntN(len(g.names.Last))])
	g.last[code] = n
	return n
}

func readDecision(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var d struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return d.Text, nil
}

// codeRe matches the Cour de cassation's placeholders: one or two codes
// ("M. O... IIS...", "M. Y...").
var codeRe = regexp.MustCompile(`\b([A-Z]{1,4})\.\.\.(?: ([A-Z]{1,4})\.\.\.)?`)

// partyRe matches the blocks of the list of defendants.
var partyRe = regexp.MustCompile(`^(\d+)°/ à `)

// Judilibre builds the three court-style documents from the decisions in
// dir (judilibre_samples) and the name pools. The Cour de cassation's list
// of 911 defendants is cut after the 25th, so that it does not outweigh the
// rest of the set.
func Judilibre(dir string, names Names) ([]Doc, error) {
	g := &gen{r: rand.New(rand.NewPCG(2023, 9)), names: names, first: map[string]string{}, last: map[string]string{}}
	var docs []Doc

	cass, err := readDecision(filepath.Join(dir, "cass_sample_detail.json"))
	if err != nil {
		return nil, err
	}
	docs = append(docs, g.cass(cass))

	ca, err := readDecision(filepath.Join(dir, "ca_sample_detail.json"))
	if err != nil {
		return nil, err
	}
	docs = append(docs, g.bracketed("judilibre-ca-chambery", ca, nil,
		[]string{"Michel FILLARD", "David RAJJOU", "Sylvie LAVAL", "Michel FICAGNA", "Alyette FOUCHARD", "Inès REAL DEL SARTE"}))

	tc, err := readDecision(filepath.Join(dir, "tcom_sample_detail.json"))
	if err != nil {
		return nil, err
	}
	parties := map[string]func(w *builder){}
	person := func(title string) func(w *builder) {
		given := g.firstName("tc" + strconv.Itoa(len(parties)))
		sur := strings.ToUpper(g.surname("tc" + strconv.Itoa(len(parties))))
		return func(w *builder) { w.text(title + " "); w.span(given+" "+sur, "PER") }
	}
	parties["A"] = person("Monsieur")
	supplier := strings.ToUpper(g.surname("tcB"))
	parties["B"] = func(w *builder) { w.text("la SARL "); w.span(supplier+" MATÉRIAUX", "ORG") }
	parties["C"] = person("Monsieur")
	parties["D"] = person("Madame")
	liquidator := person("Maître")
	parties["E"] = func(w *builder) {
		w.text("la ")
		w.span("SELARL ATLANTIQUE MANDATAIRES", "ORG")
		w.text(", prise en la personne de ")
		liquidator(w)
	}
	auctioneer := g.firstName("tcF") + " " + g.surname("tcF")
	parties["F"] = func(w *builder) { w.text("Maître "); w.span(auctioneer, "PER") }
	docs = append(docs, g.bracketed("judilibre-tcom-la-roche-sur-yon", tc, parties,
		[]string{"Gérard TEILLET", "Bernard CHALAYER", "Stéphane GARNIER", "Alix PRINTEMS"}))
	return docs, nil
}

func (g *gen) cass(text string) Doc {
	// Cut the list of defendants after the 25th.
	blocks := strings.Split(text, "\n\n")
	var kept []string
	inDefendants := false
	for _, b := range blocks {
		if strings.Contains(b, "dans le litige les opposant") {
			inDefendants = true
		}
		if m := partyRe.FindStringSubmatch(b); m != nil && inDefendants {
			if n, _ := strconv.Atoi(m[1]); n > 25 {
				continue
			}
		}
		if strings.HasPrefix(b, "défendeurs à la cassation") {
			inDefendants = false
		}
		kept = append(kept, b)
	}
	text = strings.Join(kept, "\n\n")
	heading := strings.Index(text, "défendeurs à la cassation")
	w := &builder{}
	last := 0
	for _, loc := range codeRe.FindAllStringSubmatchIndex(text, -1) {
		w.text(g.fillAddresses(w, text[last:loc[0]]))
		upper := loc[0] < heading
		sur := func(code string) string {
			s := g.surname(code)
			if upper {
				return strings.ToUpper(s)
			}
			return s
		}
		if loc[4] >= 0 {
			w.span(g.firstName(text[loc[2]:loc[3]])+" "+sur(text[loc[4]:loc[5]]), "PER")
		} else {
			w.span(sur(text[loc[2]:loc[3]]), "PER")
		}
		last = loc[1]
	}
	w.text(g.fillAddresses(w, text[last:]))
	d := Doc{ID: "judilibre-cass-comm-2020", Text: w.b.String(), Entities: w.spans}
	annotate(&d, []string{"MOUILLARD", "Mouillard", "Ponsot", "Guérin", "Darbois", "Poillot-Peruzzetto", "Champalaune",
		"Daubigney", "Michel-Amsellem", "Boisselet", "Mollard", "Le Bras", "Cabarrus", "Lion", "Lefeuvre", "Tostain",
		"Bessaud", "Boutié", "Bellino", "Fornarelli", "Penichon"}, "PER")
	annotate(&d, []string{"SCP Célice, Texidor, Périer", "SCP Gadiou et Chevallier"}, "ORG")
	return d
}

// fillAddresses writes s, replacing "[...]" by generated addresses (gold
// ADDRESS), and returns what is left to write (nothing).
func (g *gen) fillAddresses(w *builder, s string) string {
	for {
		i := strings.Index(s, "[...]")
		if i < 0 {
			return s
		}
		w.text(s[:i])
		w.span(g.address(), "ADDRESS")
		s = s[i+5:]
	}
}

var bracketRe = regexp.MustCompile(`\[(Adresse \d+|[A-Z])\]`)

// bracketed fills "[Adresse 1]" and "[A]" placeholders and marks the real
// names left in the decision (magistrates, lawyers, clerks).
func (g *gen) bracketed(id, text string, parties map[string]func(*builder), real []string) Doc {
	w := &builder{}
	addrs := map[string]string{}
	last := 0
	for _, loc := range bracketRe.FindAllStringSubmatchIndex(text, -1) {
		w.text(text[last:loc[0]])
		key := text[loc[2]:loc[3]]
		switch {
		case strings.HasPrefix(key, "Adresse"):
			if _, ok := addrs[key]; !ok {
				addrs[key] = g.address()
			}
			w.span(addrs[key], "ADDRESS")
		case parties[key] != nil:
			parties[key](w)
		default:
			w.text(text[loc[0]:loc[1]])
		}
		last = loc[1]
	}
	w.text(text[last:])
	d := Doc{ID: id, Text: w.b.String(), Entities: w.spans}
	annotate(&d, real, "PER")
	return d
}
