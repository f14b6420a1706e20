package release

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lab-ia/piaf/backend/internal/dataio"
	"github.com/lab-ia/piaf/backend/qa/metric"
)

// Datasheet documents a release for the people who use it, after Gebru et
// al.'s "Datasheets for Datasets": what is in it, where the texts come
// from and under which licences, how it was collected and split, how much
// annotators agree, and what it is not good for.
type Datasheet struct {
	Dataset           string                 `json:"dataset" required:"true"`
	Version           string                 `json:"version" required:"true"`
	Title             string                 `json:"title" required:"true"`
	Description       string                 `json:"description" required:"true"`
	Changelog         string                 `json:"changelog" required:"true"`
	Kind              string                 `json:"kind" required:"true" enum:"qa,ner"`
	Origin            string                 `json:"origin" required:"true" enum:"campaign,import"`
	CreatedAt         time.Time              `json:"created_at" required:"true"`
	License           string                 `json:"license" required:"true"`
	Sources           []SourceLicense        `json:"sources" required:"true"`
	Splits            map[string]SplitCounts `json:"splits" required:"true"`
	Total             SplitCounts            `json:"total" required:"true"`
	Themes            []ThemeCount           `json:"themes" required:"true"`
	Agreement         AgreementFigures       `json:"agreement" required:"true"`
	GuidelineVersions []int                  `json:"guideline_versions" required:"true"`
	CollectionPeriod  Period                 `json:"collection_period" required:"true"`
	Contributors      int                    `json:"contributors" required:"true"`
	ImportedQuestions int                    `json:"imported_questions" required:"true"`
	SplitMethod       SplitMethod            `json:"split_method" required:"true"`
	// EntityLabels counts the entities of each label (entity releases).
	EntityLabels map[string]int `json:"entity_labels,omitempty"`
	Limitations  []string       `json:"limitations" required:"true"`
}

// SourceLicense is the licence of some of the release's source texts, with
// the attribution their licence requires.
type SourceLicense struct {
	License     string `json:"license" required:"true"`
	Documents   int    `json:"documents" required:"true"`
	Attribution string `json:"attribution" required:"true"`
}

// ThemeCount is the number of questions of a theme in each split.
type ThemeCount struct {
	Theme     string         `json:"theme" required:"true"`
	Questions map[string]int `json:"questions" required:"true"`
}

// AgreementFigures measure how much annotators agree on the questions that
// several of them answered: each answer scored against the others (best
// match), SQuAD's exact match and F1 with French normalisation, in percent.
type AgreementFigures struct {
	Questions  int     `json:"questions" required:"true"`
	ExactMatch float64 `json:"exact_match" required:"true"`
	F1         float64 `json:"f1" required:"true"`
	Method     string  `json:"method" required:"true"`
}

// Period is when the released questions were written.
type Period struct {
	From *time.Time `json:"from"`
	To   *time.Time `json:"to"`
}

// SplitMethod says how the splits were made.
type SplitMethod struct {
	Unit        string      `json:"unit" required:"true"`
	Seed        int64       `json:"seed" required:"true"`
	Proportions Proportions `json:"proportions" required:"true"`
	Notes       string      `json:"notes" required:"true"`
}

// sheetStats accumulates a datasheet's figures while the files are written.
type sheetStats struct {
	counts       map[string]*SplitCounts
	themes       map[string]map[string]int
	licenses     map[string]map[string]int // licence → source host → documents
	guidelines   map[int]bool
	from, to     time.Time
	authors      map[int64]bool
	imported     int
	agreeN       int
	agreeEM, aF1 float64
}

func newSheetStats() *sheetStats {
	s := &sheetStats{counts: map[string]*SplitCounts{}, themes: map[string]map[string]int{}, licenses: map[string]map[string]int{},
		guidelines: map[int]bool{}, authors: map[int64]bool{}}
	for _, sp := range Splits() {
		s.counts[sp] = &SplitCounts{}
	}
	return s
}

func (s *sheetStats) document(split string, d *dataio.Doc, campaignLicense string) {
	c := s.counts[split]
	c.Documents++
	lic := d.License
	if lic == "" {
		lic = campaignLicense
	}
	host := sourceHost(d.SourceURL)
	if s.licenses[lic] == nil {
		s.licenses[lic] = map[string]int{}
	}
	s.licenses[lic][host]++
	theme := d.Theme
	if theme == "" {
		theme = "—"
	}
	if s.themes[theme] == nil {
		s.themes[theme] = map[string]int{}
	}
	for _, p := range d.Paragraphs {
		c.Paragraphs++
		for i := range p.Questions {
			q := &p.Questions[i]
			c.Questions++
			c.Answers += len(q.Answers)
			s.themes[theme][split]++
			if len(q.Answers) > 1 {
				c.MultiAnswer++
				s.agreement(q)
			}
			if q.Source == "import" {
				s.imported++
			}
			if q.GuidelineVersion > 0 {
				s.guidelines[q.GuidelineVersion] = true
			}
			if !q.CreatedAt.IsZero() {
				if s.from.IsZero() || q.CreatedAt.Before(s.from) {
					s.from = q.CreatedAt
				}
				if q.CreatedAt.After(s.to) {
					s.to = q.CreatedAt
				}
			}
			if q.AuthorID != 0 {
				s.authors[q.AuthorID] = true
			}
			for _, a := range q.Answers {
				if a.AuthorID != 0 {
					s.authors[a.AuthorID] = true
				}
			}
		}
	}
}

// agreement scores each answer against the others, as moderation does.
func (s *sheetStats) agreement(q *dataio.DocQuestion) {
	texts := make([]string, len(q.Answers))
	for i, a := range q.Answers {
		texts[i] = a.Text
	}
	var em, f1 float64
	for i := range texts {
		others := append(append([]string(nil), texts[:i]...), texts[i+1:]...)
		em += metric.MaxOverGold(metric.ExactMatch, texts[i], others, metric.NormalizeFrench)
		f1 += metric.MaxOverGold(metric.F1, texts[i], others, metric.NormalizeFrench)
	}
	s.agreeN++
	s.agreeEM += em / float64(len(texts))
	s.aF1 += f1 / float64(len(texts))
}

func sourceHost(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(p.Host), "www.")
}

// attribution names the authors a licence asks to credit, from the
// sources' addresses.
func attribution(license string, hosts map[string]int) string {
	var parts []string
	names := make([]string, 0, len(hosts))
	for h := range hosts {
		names = append(names, h)
	}
	sort.Strings(names)
	for _, h := range names {
		switch {
		case strings.HasSuffix(h, "wikipedia.org"):
			parts = append(parts, "Contributeurs de Wikipédia ("+h+"), textes sous licence CC BY-SA : l'adresse de chaque article est dans source_url")
		case strings.HasSuffix(h, "service-public.fr"):
			parts = append(parts, "Direction de l'information légale et administrative (DILA), fiches service-public.fr sous Licence Ouverte 2.0")
		case h == "":
			parts = append(parts, "Sources sans adresse (importées sans source_url)")
		default:
			parts = append(parts, h)
		}
	}
	return strings.Join(slices.Compact(parts), " ; ")
}

// sheet assembles the datasheet.
func (s *sheetStats) sheet(r *Release, dataset, description, kind string, contributors int) Datasheet {
	ds := Datasheet{Dataset: dataset, Version: r.Version, Title: r.Title, Description: description, Changelog: r.Changelog, Kind: kind,
		Origin: r.Origin, CreatedAt: r.CreatedAt.UTC(), License: r.License, Splits: map[string]SplitCounts{},
		Contributors: contributors, ImportedQuestions: s.imported, GuidelineVersions: []int{}, Sources: []SourceLicense{}, Themes: []ThemeCount{},
		SplitMethod: SplitMethod{Unit: "document", Seed: r.Seed, Proportions: Proportions{Train: r.TrainShare, Dev: r.DevShare, Test: r.TestShare},
			Notes: "Aucun document n'est dans deux parties. Un document garde sa partie d'une version à l'autre ; les nouveaux documents sont répartis de façon déterministe à partir de la graine, la partie test recevant en priorité les documents riches en questions à plusieurs réponses."},
		Agreement: AgreementFigures{Questions: s.agreeN, Method: "Chaque réponse comparée aux autres réponses de la même question (meilleure correspondance), exact match et F1 de SQuAD avec normalisation française, en pourcentage."}}
	for _, sp := range Splits() {
		ds.Splits[sp] = *s.counts[sp]
		ds.Total.add(*s.counts[sp])
	}
	for lic, hosts := range s.licenses {
		n := 0
		for _, c := range hosts {
			n += c
		}
		ds.Sources = append(ds.Sources, SourceLicense{License: lic, Documents: n, Attribution: attribution(lic, hosts)})
	}
	sort.Slice(ds.Sources, func(i, j int) bool { return ds.Sources[i].Documents > ds.Sources[j].Documents })
	for theme, per := range s.themes {
		ds.Themes = append(ds.Themes, ThemeCount{Theme: theme, Questions: per})
	}
	sort.Slice(ds.Themes, func(i, j int) bool { return ds.Themes[i].Theme < ds.Themes[j].Theme })
	for v := range s.guidelines {
		ds.GuidelineVersions = append(ds.GuidelineVersions, v)
	}
	sort.Ints(ds.GuidelineVersions)
	if !s.from.IsZero() {
		from, to := s.from, s.to
		ds.CollectionPeriod = Period{From: &from, To: &to}
	}
	if s.agreeN > 0 {
		ds.Agreement.ExactMatch = round1(100 * s.agreeEM / float64(s.agreeN))
		ds.Agreement.F1 = round1(100 * s.aF1 / float64(s.agreeN))
	}
	ds.Limitations = limitations(r, &ds)
	return ds
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

// limitations are the moderators' own notes followed by what the figures
// show on their own.
func limitations(r *Release, ds *Datasheet) []string {
	var out []string
	for _, line := range strings.Split(r.Limitations, "\n") {
		if line = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "-*•")); line != "" {
			out = append(out, line)
		}
	}
	if ds.ImportedQuestions > 0 {
		out = append(out, fmt.Sprintf("%d questions proviennent d'un jeu importé et n'ont pas toutes été relues dans PIAF.", ds.ImportedQuestions))
	}
	if ds.Splits[SplitTest].Questions > 0 && ds.Splits[SplitTest].MultiAnswer == 0 {
		out = append(out, "La partie test ne contient aucune question à plusieurs réponses : l'accord entre annotateurs ne peut pas y être mesuré.")
	}
	if ds.Total.Documents < 20 {
		out = append(out, "Peu de documents : les proportions des parties peuvent s'écarter nettement de celles demandées.")
	}
	out = append(out, "Les réponses sont des extraits du texte (pas de questions sans réponse, pas de réponses reformulées).",
		"Les positions (answer_start) comptent des caractères Unicode (points de code), comme les indices de chaînes Python.",
		"Dans le fichier CSV, une cellule commençant par = + - @ est précédée d'une apostrophe (protection contre l'injection de formules) ; retirez-la pour retrouver le texte exact.")
	return out
}

// writeMarkdown renders the datasheet in French for people.
func (ds *Datasheet) writeMarkdown(w io.Writer, files []File) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# %s — version %s\n\n", ds.Title, ds.Version)
	if ds.Description != "" {
		p("%s\n\n", ds.Description)
	}
	p("- Jeu de données : `%s`\n- Type : %s\n- Version : %s (créée le %s)\n- Licence : %s\n", ds.Dataset, kindLabel(ds.Kind), ds.Version, ds.CreatedAt.Format("02/01/2006"), ds.License)
	if ds.Origin == OriginImport {
		p("- Origine : importée d'un jeu existant\n")
	}
	if ds.Changelog != "" {
		p("\n## Changements\n\n%s\n", ds.Changelog)
	}
	t := ds.Total
	if ds.Kind == "ner" {
		p("\n## Contenu\n\n| Partie | Documents | Passages | Entités | Passages annotés par plusieurs personnes |\n|---|---:|---:|---:|---:|\n")
		for _, sp := range Splits() {
			c := ds.Splits[sp]
			p("| %s | %d | %d | %d | %d |\n", sp, c.Documents, c.Paragraphs, c.Entities, c.MultiAnswer)
		}
		p("| **total** | %d | %d | %d | %d |\n", t.Documents, t.Paragraphs, t.Entities, t.MultiAnswer)
		labels := make([]string, 0, len(ds.EntityLabels))
		for l := range ds.EntityLabels {
			labels = append(labels, l)
		}
		sort.Strings(labels)
		p("\n### Entités par étiquette\n\n| Étiquette | Entités |\n|---|---:|\n")
		for _, l := range labels {
			p("| %s | %d |\n", l, ds.EntityLabels[l])
		}
	} else {
		p("\n## Contenu\n\n| Partie | Documents | Paragraphes | Questions | Réponses | Questions à plusieurs réponses |\n|---|---:|---:|---:|---:|---:|\n")
		for _, sp := range Splits() {
			c := ds.Splits[sp]
			p("| %s | %d | %d | %d | %d | %d |\n", sp, c.Documents, c.Paragraphs, c.Questions, c.Answers, c.MultiAnswer)
		}
		p("| **total** | %d | %d | %d | %d | %d |\n", t.Documents, t.Paragraphs, t.Questions, t.Answers, t.MultiAnswer)
	}
	if len(ds.Themes) > 0 {
		unit := "Questions"
		if ds.Kind == "ner" {
			unit = "Passages"
		}
		p("\n### %s par thème\n\n| Thème | train | dev | test |\n|---|---:|---:|---:|\n", unit)
		for _, th := range ds.Themes {
			p("| %s | %d | %d | %d |\n", mdCell(th.Theme), th.Questions[SplitTrain], th.Questions[SplitDev], th.Questions[SplitTest])
		}
	}
	p("\n## Sources et licences\n\n")
	for _, s := range ds.Sources {
		p("- %s — %d document(s). Attribution : %s\n", mdCell(s.License), s.Documents, mdCell(s.Attribution))
	}
	p("\n## Collecte\n\n")
	if ds.CollectionPeriod.From != nil {
		p("- Période : du %s au %s\n", ds.CollectionPeriod.From.Format("02/01/2006"), ds.CollectionPeriod.To.Format("02/01/2006"))
	}
	p("- Contributeurs : %d\n", ds.Contributors)
	if len(ds.GuidelineVersions) > 0 {
		v := make([]string, len(ds.GuidelineVersions))
		for i, n := range ds.GuidelineVersions {
			v[i] = fmt.Sprint(n)
		}
		p("- Versions des consignes : %s\n", strings.Join(v, ", "))
	}
	if ds.ImportedQuestions > 0 {
		p("- Questions importées : %d\n", ds.ImportedQuestions)
	}
	p("\n## Accord entre annotateurs\n\n")
	switch {
	case ds.Agreement.Questions > 0 && ds.Kind == "ner":
		p("Sur %d passages annotés par plusieurs personnes : F1 d'entités %.1f %%.\n\n%s\n", ds.Agreement.Questions, ds.Agreement.F1, ds.Agreement.Method)
	case ds.Agreement.Questions > 0:
		p("Sur %d questions à plusieurs réponses : exact match %.1f %%, F1 %.1f %%.\n\n%s\n", ds.Agreement.Questions, ds.Agreement.ExactMatch, ds.Agreement.F1, ds.Agreement.Method)
	default:
		p("Aucun élément n'a été annoté par plusieurs personnes : l'accord n'est pas mesuré.\n")
	}
	sm := ds.SplitMethod
	p("\n## Découpage\n\nPar %s, graine %d, proportions visées train %d %% / dev %d %% / test %d %% (en questions ou en passages).\n%s\n",
		sm.Unit, sm.Seed, sm.Proportions.Train, sm.Proportions.Dev, sm.Proportions.Test, sm.Notes)
	if len(files) > 0 {
		p("\n## Fichiers\n\n| Fichier | Format | Lignes | Taille (octets) | SHA-256 |\n|---|---|---:|---:|---|\n")
		for _, f := range files {
			p("| %s | %s | %d | %d | `%s` |\n", f.Name, f.Format, f.RowCount, f.Size, f.SHA256)
		}
	}
	p("\n## Limites connues\n\n")
	for _, l := range ds.Limitations {
		p("- %s\n", mdCell(l))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func kindLabel(k string) string {
	if k == "ner" {
		return "entités nommées (pseudonymisation)"
	}
	return "questions-réponses extractives (format SQuAD)"
}

// mdCell keeps a value on one line and out of Markdown table syntax.
func mdCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", "\\|")
}
