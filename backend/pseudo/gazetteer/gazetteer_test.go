package gazetteer

import "testing"

func TestFold(t *testing.T) {
	for in, want := range map[string]string{"Hélène": "helene", "ŒUVRE": "oeuvre", "l’Haÿ": "l'hay", "DUPONT": "dupont", "abc": "abc"} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDefaultLexicon(t *testing.T) {
	lx, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if lx.FirstName("marie") < 6 || lx.Surname("martin") < 5 || lx.FirstName("zzqx") != 0 {
		t.Errorf("name buckets wrong: %d %d", lx.FirstName("marie"), lx.Surname("martin"))
	}
	if lx.Kinds("mme")&KindTitle == 0 || lx.Kinds("rgpd")&KindAcronym == 0 || lx.Kinds("rue")&KindRoadType == 0 {
		t.Error("hand lists not loaded")
	}
	if !lx.Communes().Contains("La Roche-sur-Yon") || !lx.Communes().Contains("Paris") {
		t.Error("communes not loaded")
	}
	if !lx.SurnamePhrases().Contains("Le Gall") {
		t.Error("multi-word surnames not loaded")
	}
	if lx.Caps("ville") > CapsRarely {
		t.Errorf("caps(ville) = %d", lx.Caps("ville"))
	}
}
