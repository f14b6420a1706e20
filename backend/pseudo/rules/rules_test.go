package rules

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/lab-ia/piaf/backend/pseudo/gazetteer"
)

func recognizer(t testing.TB) *Recognizer {
	lx, err := gazetteer.Default()
	if err != nil {
		t.Fatal(err)
	}
	return New(lx)
}

func TestChecksums(t *testing.T) {
	if !ValidIBAN("FR7630006000011234567890189") || ValidIBAN("FR7630006000011234567890188") {
		t.Error("IBAN mod 97")
	}
	if !ValidIBAN("DE89370400440532013000") || !ValidIBAN("GB82WEST12345698765432") {
		t.Error("foreign IBANs")
	}
	if !ValidNIR("185057800608491") || ValidNIR("185057800608492") {
		t.Error("NIR key")
	}
	if !ValidSIREN("732829320") || ValidSIREN("732829321") {
		t.Error("SIREN Luhn")
	}
	// La Poste: establishments do not pass Luhn, their digit sum is a
	// multiple of 5.
	if !ValidSIRET("35600000049837") || ValidSIRET("35600000049838") {
		t.Error("La Poste SIRET exception")
	}
	if !ValidSIRET("73282932000074") {
		t.Error("SIRET Luhn")
	}
	for _, b := range []string{"2A", "2B"} {
		body := "1850" + "5" + b + "004084"
		k, ok := NIRKey(body)
		if !ok || !ValidNIR(fmt.Sprintf("%s%02d", body, k)) {
			t.Errorf("Corsica %s", b)
		}
	}
}

// generated returns sentences holding valid identifiers and, separately,
// the same identifiers with a broken checksum.
func generated(r *rand.Rand) (valid map[string]string, invalid []string) {
	valid = map[string]string{}
	for i := 0; i < 40; i++ {
		iban := genIBAN(r)
		valid[groupBy4(iban)] = LabelIBAN
		valid[iban] = LabelIBAN
		invalid = append(invalid, groupBy4(corruptDigit(iban, 6)))

		nir := genNIR(r, i%4 == 0)
		valid[nir] = LabelNIR
		invalid = append(invalid, corruptDigit(nir, 17))

		siren := genSIREN(r)
		valid[siren[:3]+" "+siren[3:6]+" "+siren[6:]] = LabelSIREN
		invalid = append(invalid, siren[:3]+" "+siren[3:6]+" "+corruptDigit(siren[6:], 0))
		siret := luhnComplete(siren + fmt.Sprintf("%04d", 1+r.IntN(99)))
		valid[siret] = LabelSIRET
		valid[siret[:3]+" "+siret[3:6]+" "+siret[6:9]+" "+siret[9:]] = LabelSIRET
		invalid = append(invalid, corruptDigit(siret, 10))

		card := genCard(r)
		valid[groupBy4(card)] = LabelCard
		valid[card] = LabelCard
		invalid = append(invalid, groupBy4(corruptDigit(card, 12)))
	}
	valid["356 000 000 49837"] = LabelSIRET // La Poste
	for _, p := range []string{"01 23 45 67 89", "06.12.34.56.78", "07-98-76-54-32", "0612345678", "+33 6 12 34 56 78", "+33 (0)1 42 75 80 00", "0033 1 42 75 80 00", "+33612345678"} {
		valid[p] = LabelPhone
	}
	for _, e := range []string{"jean-marc.dubois@exemple.fr", "c.martin+rh@sous.domaine.gouv.fr"} {
		valid[e] = LabelEmail
	}
	for _, p := range []string{"AB-123-CD", "GH 456 JK", "1234 AB 75", "567 XYZ 2A"} {
		valid[p] = LabelPlate
	}
	for _, ip := range []string{"192.168.1.42", "2001:db8::8a2e:370:7334", "fe80::1"} {
		valid[ip] = LabelIP
	}
	invalid = append(invalid, "AB-000-CD", "SS-123-AB", "OI-123-AB", "256.1.1.1", "10:30:00", "06 12 34 56", "1.2.3", "12 MAI 75")
	return valid, invalid
}

func TestEveryValidIdentifierFoundEveryInvalidIgnored(t *testing.T) {
	rec := recognizer(t)
	valid, invalid := generated(rand.New(rand.NewPCG(1, 2)))
	for id, label := range valid {
		text := "Référence : " + id + ", merci de vérifier."
		if label == LabelSIREN {
			text = "la société immatriculée au RCS sous le numéro " + id + " est radiée."
		}
		ms := rec.Find(text)
		if len(ms) != 1 || ms[0].Text != id || ms[0].Label != label {
			t.Errorf("%s %q: got %+v", label, id, ms)
			continue
		}
		if got := string([]rune(text)[ms[0].Start:ms[0].End]); got != id {
			t.Errorf("offsets of %q give %q", id, got)
		}
	}
	for _, id := range invalid {
		text := "Référence : " + id + ", merci de vérifier (RCS)."
		for _, m := range rec.Find(text) {
			t.Errorf("invalid %q reported as %s %q", id, m.Label, m.Text)
		}
	}
	perLabel := map[string]int{}
	for _, l := range valid {
		perLabel[l]++
	}
	t.Logf("%d valid identifiers found %v, %d checksum-invalid or malformed ones ignored", len(valid), perLabel, len(invalid))
}

func TestAddressesAndBirthDates(t *testing.T) {
	rec := recognizer(t)
	cases := []struct{ text, want, label string }{
		{"Il demeure 12 bis, rue du Général-de-Gaulle, 75008 Paris depuis 2010.", "12 bis, rue du Général-de-Gaulle, 75008 Paris", LabelAddress},
		{"Siège : 4 avenue Victor Hugo 69002 Lyon Cedex 02", "4 avenue Victor Hugo 69002 Lyon Cedex 02", LabelAddress},
		{"domiciliée 3, Impasse des Lilas à Nantes", "3, Impasse des Lilas", LabelAddress},
		{"Allée des Tilleuls, 44000 Nantes", "Allée des Tilleuls, 44000 Nantes", LabelAddress},
		{"M. Dupont, né le 3 mars 1980 à Lyon", "3 mars 1980", LabelBirthDate},
		{"Mme Durand, née Martin le 1er janvier 1955", "1er janvier 1955", LabelBirthDate},
		{"né(e) à Saint-Étienne (42) le 12/05/1990", "12/05/1990", LabelBirthDate},
		{"Date de naissance : 07.11.2001", "07.11.2001", LabelBirthDate},
	}
	for _, c := range cases {
		ms := rec.Find(c.text)
		if len(ms) != 1 || ms[0].Text != c.want || ms[0].Label != c.label {
			t.Errorf("%q: got %+v, want %s %q", c.text, ms, c.label, c.want)
		}
	}
	for _, text := range []string{
		"Il se promenait rue de Rivoli.",      // no number, no postcode: a place
		"La réunion du 3 mars 1980 a eu lieu", // a date, not a birth date
		"Le Cours des choses",
	} {
		if ms := rec.Find(text); len(ms) != 0 {
			t.Errorf("%q: unexpected %+v", text, ms)
		}
	}
}

func TestNoPanicOnOddInput(t *testing.T) {
	rec := recognizer(t)
	for _, s := range []string{"", "@", "@@a.b", "\xff\xfe12 34", strings.Repeat("1 ", 1000), "::", "rue", "12 rue"} {
		_ = rec.Find(s)
	}
}
