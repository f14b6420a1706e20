package qa

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/lab-ia/piaf/backend/shareddata"
)

func buildMiniIndex(t *testing.T) (*Index, []Passage) {
	t.Helper()
	passages := PassagesFromDataset(miniDataset(t), "")
	var calls int
	ix, err := BuildIndex(context.Background(), filepath.Join(t.TempDir(), "ix"), passages, func(p IndexProgress) {
		calls++
		if p.Total != len(passages) {
			t.Errorf("progress total %d", p.Total)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if calls == 0 {
		t.Error("no progress reported")
	}
	return ix, passages
}

func TestIndexSearchFindsThePassage(t *testing.T) {
	ix, passages := buildMiniIndex(t)
	ctx := context.Background()
	cases := map[string]string{
		"Qui a dirigé la construction du canal ?":    "Canal du Midi",
		"Combien de visiteurs accueille la tour ?":   "Tour Eiffel",
		"Où est née Marie Curie ?":                   "Marie Curie",
		"Quelle est la superficie du lac d’Annecy ?": "Lac d'Annecy",
		"qui a invente le fromage de Normandie":      "Camembert",
		"combien de personnes l'etat emploie-t-il ?": "Budget du sport",
	}
	for q, title := range cases {
		hits, err := ix.Search(ctx, q, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || hits[0].Title != title {
			t.Errorf("%q: top hit %+v, want %q", q, hits, title)
			continue
		}
		if hits[0].Score <= 0 || hits[0].Text == "" || hits[0].DocumentID == "" {
			t.Errorf("%q: incomplete hit %+v", q, hits[0])
		}
	}
	if info := ix.Info(); info.Passages != len(passages) || info.Fingerprint != PassagesFingerprint(passages) || info.FormatVersion != IndexFormatVersion {
		t.Errorf("info %+v", info)
	}
	if _, err := ix.Search(ctx, "  ", 3); !errors.Is(err, ErrEmptyQuestion) {
		t.Errorf("empty query: %v", err)
	}
	if _, err := ix.Search(ctx, strings.Repeat("x", 2000), 3); !errors.Is(err, ErrQuestionTooLong) {
		t.Errorf("long query: %v", err)
	}
}

func TestIndexConcurrentSearchesAndReopen(t *testing.T) {
	ix, _ := buildMiniIndex(t)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if hits, err := ix.Search(context.Background(), "canal Toulouse écluses", 2); err != nil || len(hits) == 0 {
					t.Errorf("concurrent search: %v %v", hits, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if _, err := OpenIndex(t.TempDir()); !errors.Is(err, ErrNoIndex) {
		t.Errorf("OpenIndex on an empty directory: %v", err)
	}
}

func TestBuildIndexRejectsDuplicateIDsAndKeepsOldIndexOnCancel(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ix")
	p := []Passage{{ID: "a", Text: "un"}, {ID: "a", Text: "deux"}}
	if _, err := BuildIndex(context.Background(), dir, p, nil); err == nil {
		t.Fatal("duplicate IDs accepted")
	}
	ix, err := BuildIndex(context.Background(), dir, []Passage{{ID: "a", Title: "Canal", Text: "Le canal du Midi"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := BuildIndex(ctx, dir, []Passage{{ID: "b", Text: "autre"}}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled build: %v", err)
	}
	ix, err = OpenIndex(dir)
	if err != nil {
		t.Fatalf("old index lost after a cancelled rebuild: %v", err)
	}
	defer ix.Close()
	if hits, _ := ix.Search(context.Background(), "canal", 1); len(hits) != 1 || hits[0].ID != "a" {
		t.Errorf("old index content: %+v", hits)
	}
}

// ficheTitles maps fiche ids (F10009) to their titles in the service-public.fr
// theme tree, since the text files start with a section heading, not the
// fiche title.
func ficheTitles(t *testing.T) map[string]string {
	var tree struct{ Data []ficheNode }
	b, err := os.ReadFile(shareddata.Require(t, "service_public_fiches/arborescence_spf_particuliers.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &tree); err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	var walk func([]ficheNode)
	walk = func(nodes []ficheNode) {
		for _, n := range nodes {
			if n.Type == "fiche" {
				titles[n.ID] = n.Name
			}
			walk(n.Data)
		}
	}
	walk(tree.Data)
	return titles
}

type ficheNode struct {
	ID, Type, Name string
	Data           []ficheNode
}

func TestServicePublicFichesRetrieval(t *testing.T) {
	path := shareddata.Require(t, "service_public_fiches/service_public_fr_fiches_txt_v2.zip")
	titles := ficheTitles(t)
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	passages, err := PassagesFromZip(&zr.Reader, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(passages) < 3588 {
		t.Fatalf("%d passages from the fiches, want at least one per file", len(passages))
	}
	for i, p := range passages {
		if p.Title == "" || strings.TrimSpace(p.Text) == "" {
			t.Fatalf("empty passage %+v", p)
		}
		fiche, _, _ := strings.Cut(p.DocumentID, "_")
		if title, ok := titles[fiche]; ok {
			passages[i].Title = title
		}
		passages[i].SourceURL = "https://www.service-public.fr/particuliers/vosdroits/" + fiche
	}
	ix, err := BuildIndex(context.Background(), filepath.Join(t.TempDir(), "spf"), passages, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	cases := []struct{ question, fiche string }{
		{"Comment demander l'allocation personnalisée d'autonomie à domicile ?", "F10009"},
		{"Comment obtenir la carte grise d'un véhicule d'occasion ?", "F1050"},
		{"Quelles démarches faire après un changement d'adresse ?", "F12118"},
	}
	for _, c := range cases {
		hits, err := ix.Search(context.Background(), c.question, 5)
		if err != nil {
			t.Fatal(err)
		}
		ok := false
		var got []string
		for _, h := range hits {
			ok = ok || strings.HasPrefix(h.DocumentID, c.fiche+"_")
			got = append(got, h.DocumentID+" "+h.Title)
		}
		if !ok {
			t.Errorf("%q: fiche %s not in the top 5: %q", c.question, c.fiche, got)
		}
		if !strings.HasPrefix(hits[0].SourceURL, "https://www.service-public.fr/") {
			t.Errorf("source URL not kept: %+v", hits[0])
		}
	}
}
