package pseudo

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/pseudo/gazetteer"
)

// SyntheticSourceName names the generated source of modern documents.
const SyntheticSourceName = "synthetic-modern"

// SyntheticSource generates annotated modern documents: attendee lists,
// e-mail headers and signatures, letters, headings in capitals, chat lines,
// contract parties. The novels and newspapers the lab trains on have none of
// these, so without them a tagger reads every capitalised word of a modern
// document as a name: job titles in English, brands, acronyms, headings.
// Names come from the INSEE lists, places from the communes, so nothing is
// memorised; the layouts and the "not a name" words are what is learnt.
// Train adds this source unless TrainOptions.NoSynthetic is set; it gets its
// own copy of the features like every source.
func SyntheticSource(lex *gazetteer.Lexicon, docs int, seed uint64) TrainingSource {
	g := &synth{r: rand.New(rand.NewPCG(seed, 0x5717)), lex: lex}
	g.first = append(g.first, displayFirstNames...)
	for _, f := range lex.FirstNames(4) {
		g.first = append(g.first, titleCaseWord(f))
	}
	for _, s := range lex.Surnames(3) {
		if strings.ContainsAny(s, " '") || lex.Kinds(s)&notNameKinds != 0 || lex.Caps(s) <= gazetteer.CapsRarely {
			continue
		}
		g.last = append(g.last, titleCaseWord(s))
	}
	g.last = append(g.last, trapSurnames...)
	g.communes = lex.CommuneNames()
	for _, b := range lex.List(gazetteer.KindBrand) {
		g.brands = append(g.brands, brandDisplay(b))
	}
	src := TrainingSource{Name: SyntheticSourceName}
	for i := 0; i < docs; i++ {
		src.Documents = append(src.Documents, g.document(i))
	}
	return src
}

type synth struct {
	r        *rand.Rand
	lex      *gazetteer.Lexicon
	first    []string
	last     []string
	communes []string
	brands   []string
	b        strings.Builder
	runes    int
	spans    []Span
}

func (g *synth) pick(a []string) string { return a[g.r.IntN(len(a))] }
func (g *synth) chance(p float64) bool  { return g.r.Float64() < p }

func (g *synth) text(s string) {
	g.b.WriteString(s)
	g.runes += utf8.RuneCountInString(s)
}

func (g *synth) span(s, label string) {
	g.spans = append(g.spans, Span{Start: g.runes, End: g.runes + utf8.RuneCountInString(s), Label: label})
	g.text(s)
}

func titleCaseWord(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if up {
			b.WriteRune(unicode.ToUpper(r))
		} else {
			b.WriteRune(r)
		}
		up = r == '-' || r == ' ' || r == '\''
	}
	return b.String()
}

func brandDisplay(folded string) string {
	if len(folded) <= 4 {
		return strings.ToUpper(folded)
	}
	return titleCaseWord(folded)
}

// Display forms with accents, which the folded INSEE lists lost.
var displayFirstNames = strings.Fields(`Hélène Élodie Émilie Léa Chloé Clémence Inès Maëlle Zoé Noémie Aurélie Céline
Stéphanie Valérie Sébastien Jérôme Frédéric Grégory Clément Théo Mathéo Raphaël Gaël Loïc Noël Benoît Hervé
François Françoise Cécile Anaïs Océane Jérémy Rémi Aimé André René Joël Gérard Mélanie Bérénice Éric Étienne
Ophélie Thaïs Maïa Yaël Léo Lucas Hugo Louis Jules Arthur Gabriel Adam Nathan Ethan Tom Paul Sacha Nolan Mohamed
Karim Mehdi Yanis Sofiane Rachid Amine Fatima Nadia Samira Aïcha Aminata Mamadou Moussa Thi Minh Kevin Dylan
Jessica Laura Sarah Camille Manon Marine Rose Olivier Pierre Marie Claire Ange France Jean-Pierre Marie-Claire
Anne-Sophie Jean-Baptiste Pierre-Yves Marc-Antoine`)

// Surnames that are also common words, brands or first names: exactly the
// ones a tagger must still read as names in context.
var trapSurnames = strings.Fields(`Petit Blanc Leroy Boulanger Marchand Lefèvre Legrand Leclerc Chevalier Baron
Prince Roy Noël Bernard Martin Thomas Richard Robert Simon Laurent Michel David Vincent Olivier Pierre Masson
Renard Lion Moulin Rousseau Fontaine Dupont Durand Mercier Boucher Berger Meunier Charpentier Lacroix Faure
Rolland Bonnet Colin Girard Garnier Roux Fournier Morel Lambert Gauthier Perrin Picard Caron Dumas Lemoine
Lebrun Royer Collet Renaud Marie Michelin Peugeot Renault Chanel Lacoste Ricard Hermès Rey Da\u00a0Silva
N'Diaye Nguyen Benali Haddad Zerrouki Belkacem Mbappé`)

var jobTitles = []string{
	"directeur général", "directrice des ressources humaines", "responsable administratif et financier",
	"chef de projet", "cheffe de service", "chargée de mission", "chargé de communication", "assistante de direction",
	"secrétaire général", "responsable des achats", "gestionnaire de paie", "juriste", "comptable", "technicien",
	"conseillère clientèle", "agent d'accueil", "délégué à la protection des données", "ingénieur d'études",
	"Head of Sales", "Head of Data", "Chief Technology Officer", "Chief Executive Officer", "Chief Financial Officer",
	"Data Protection Officer", "Product Owner", "Product Manager", "Scrum Master", "Lead Developer",
	"Key Account Manager", "Office Manager", "Business Analyst", "Data Scientist", "UX Designer",
	"Customer Success Manager", "Legal Counsel", "Sales Director", "Project Manager", "Senior Consultant",
	"Software Engineer", "DevOps Engineer", "HR Business Partner", "Marketing Manager", "Finance Director",
	"Directeur Commercial", "Responsable Qualité", "Directrice Juridique", "Chef de Service", "Responsable RH",
	"DRH", "DSI", "DAF", "RSSI", "DPO", "CTO", "CEO", "PDG", "DG",
}

var departments = []string{
	"Direction des systèmes d'information", "Direction juridique", "Service des ressources humaines",
	"Pôle Achats", "Service comptabilité", "Direction financière", "Service client", "Direction commerciale",
	"Bureau des élections", "Service urbanisme", "Cellule communication", "Direction de la citoyenneté",
	"Ressources Humaines", "Comptabilité", "Logistique", "Marketing", "Support", "Achats", "Qualité",
	"Customer Care", "Legal", "Sales", "Finance", "IT", "R&D",
}

var headings = []string{
	"COMPTE RENDU DE RÉUNION", "ORDRE DU JOUR", "LISTE DES PARTICIPANTS", "PRÉSENTS", "EXCUSÉS", "PAR CES MOTIFS",
	"EXPOSÉ DU LITIGE", "MOTIFS DE LA DÉCISION", "DÉCISION", "CONSTATS", "CONCLUSION", "RELEVÉ DE DÉCISIONS",
	"CONDITIONS GÉNÉRALES", "ARTICLE 1 – OBJET", "ARTICLE 2 – DURÉE", "ARTICLE 5 – RÉMUNÉRATION", "ANNEXES",
	"DIRECTION DES RESSOURCES HUMAINES", "SERVICE DES AFFAIRES JURIDIQUES", "NOTE INTERNE", "CONFIDENTIEL",
	"RAPPORT D'ACTIVITÉ", "PROCÈS-VERBAL", "ATTESTATION", "CONVOCATION", "POINT D'AVANCEMENT", "QUESTIONS DIVERSES",
	"SÉCURITÉ ET CONFORMITÉ", "BUDGET ET FINANCES", "ENTRE LES SOUSSIGNÉS", "IL A ÉTÉ CONVENU CE QUI SUIT",
	"TRIBUNAL JUDICIAIRE DE", "COUR D'APPEL DE", "PRÉFECTURE DE", "MAIRIE DE", "CONSEIL DÉPARTEMENTAL DE",
	"COMPOSITION DE LA COUR", "EN BREF", "ILS NOUS ONT REJOINTS", "LE MOT DU DIRECTEUR", "RÉSUMÉ EXÉCUTIF",
}

var companyWords = strings.Fields(`TECHNOVA LOGIPRO ATLANTIS HELIOS NORDIS DATAVISION FORMAPLUS BATIGO INFOSERV
ALTAREA SOLUTEC VERTIGO PRIMEO KALIOPE NEXIA AZUREO OPTIMA SYNERGIE EUROTEC ARVEA CITYLOG MEDIALIS
ORIZON QUALIBAT SOGETEC ARCADIS TERRALIA DOMITYS AQUALIS`)

var legalForms = []string{"SAS", "SARL", "SA", "SASU", "EURL", "SCI", "SCP", "SELARL", "Groupe", "Holding"}

var acronyms = strings.Fields(`RGPD CNIL URSSAF CPAM CAF INSEE SNCF EDF TVA SIRET RCS CDI CDD CSE COMEX CODIR
DSI DRH DAF RSSI DPO CRM ERP SaaS API KPI RH IT IA UE ONU ARS CHU EHPAD TJ CA`)

var chatMessages = []string{
	"le build est cassé depuis ce matin", "je regarde tout de suite", "c'est réparé, merci pour la review",
	"la démo est décalée à jeudi", "quelqu'un peut relire la PR ?", "ok pour moi", "je suis en réunion jusqu'à 15h",
	"le client a validé le devis", "je mets le ticket à jour", "merci !",
}

var sentenceTemplates = []string{
	"Le contrat avec {BRAND} a été renouvelé pour trois ans.",
	"{TITLE} {PER} rappelle que la mise en production est prévue le {DATE}.",
	"{FIRST} présente la roadmap mise à jour au {ACRO}.",
	"La société {ORG}, représentée par {TITLE} {PER}, {JOB}, est immatriculée au RCS de {LOC}.",
	"Le {JOB_EN} de {ORG}, {PER}, a validé le budget.",
	"{TITLE} {LAST} demande que les accès {BRAND} soient revus avant la fin du mois.",
	"Je vous confirme que notre technicien, {PER}, passera jeudi.",
	"Suite à notre échange avec {PER} ({ORG}), le devis est accepté.",
	"Mme {LAST} signale un retard côté {ORG} sur les livrables.",
	"Félicitations à {PER}, nommé {JOB_EN} !",
	"Bienvenue à {PER}, qui rejoint l'équipe {DEPT} à {LOC}.",
	"L'audit mené par {ORG} en janvier a été présenté par {PER}.",
	"Le dossier est suivi par {TITLE} {PER}, {JOB}.",
	"{TITLE} {PER} est élu président de séance ; {TITLE} {LAST} est désigné scrutateur.",
	"Les données sont hébergées chez {BRAND} et sauvegardées chez {BRAND}.",
	"Merci {FIRST} pour ton aide sur le dossier {ACRO}.",
	"Le partenariat avec {BRAND} est reconduit.",
	"{TITLE} {PER}, demeurant à {LOC}, est représenté par Me {PER}, avocat au barreau de {LOC}.",
	"Par lettre du {DATE}, {TITLE} {PER} a saisi le {DEPT}.",
	"La réunion s'est tenue dans les locaux de {ORG} à {LOC}, en présence de {PER}.",
	"Comme indiqué par {FIRST}, la clause de confidentialité doit être revue par le service {DEPT}.",
	"Le {ACRO} a rendu un avis favorable le {DATE}.",
	"{PER} ({JOB}) et {PER} ({JOB_EN}) animeront l'atelier.",
	"Nous remercions {ORG} et {BRAND} pour leur soutien.",
}

// document writes one synthetic document made of a few blocks.
func (g *synth) document(i int) Document {
	g.b.Reset()
	g.runes = 0
	g.spans = nil
	blocks := []func(){g.attendees, g.emailHeader, g.signature, g.letterHead, g.sentences, g.chat, g.parties, g.headingBlock, g.nameList}
	n := 2 + g.r.IntN(4)
	for k := 0; k < n; k++ {
		if k > 0 {
			g.text("\n\n")
		}
		blocks[g.r.IntN(len(blocks))]()
	}
	return Document{ID: "synthetic-" + strconv.Itoa(i+1), Text: g.b.String(), Spans: g.spans}
}

func (g *synth) firstName() string { return g.pick(g.first) }
func (g *synth) surname() string   { return g.pick(g.last) }

func (g *synth) title() string {
	return g.pick([]string{"M.", "Mme", "M.", "Mme", "Monsieur", "Madame", "Me", "Dr", "Pr", "Mlle"})
}

// person writes a person's name in one of the usual styles.
func (g *synth) person() {
	f, l := g.firstName(), g.surname()
	switch g.r.IntN(7) {
	case 0, 1:
		g.span(f+" "+l, LabelPER)
	case 2, 3:
		g.span(f+" "+strings.ToUpper(l), LabelPER)
	case 4:
		g.span(strings.ToUpper(l)+" "+f, LabelPER)
	case 5:
		r, _ := utf8.DecodeRuneInString(f)
		if r == 'M' { // "M. Dupont" would read as the title
			r = 'J'
		}
		g.span(string(r)+". "+l, LabelPER)
	default:
		g.span(l, LabelPER)
	}
}

func (g *synth) company() {
	switch g.r.IntN(5) {
	case 0:
		g.span(g.pick(companyWords)+" "+g.pick(legalForms), LabelORG)
	case 1:
		g.span(g.pick(legalForms)+" "+g.pick(companyWords), LabelORG)
	case 2:
		g.span(g.pick([]string{"BOULANGERIE", "GARAGE", "PHARMACIE", "CABINET", "TRANSPORTS", "ÉTABLISSEMENTS"})+" "+strings.ToUpper(g.surname()), LabelORG)
	case 3:
		g.span(g.pick(companyWords), LabelORG)
	default:
		g.span(g.pick(g.brands), LabelORG)
	}
}

func (g *synth) job() string {
	j := g.pick(jobTitles)
	if g.chance(0.3) {
		j = strings.ToUpper(j[:1]) + j[1:]
	}
	return j
}

func (g *synth) place() { g.span(g.pick(g.communes), LabelLOC) }

func (g *synth) email() string {
	f := strings.ToLower(gazetteer.Fold(g.firstName()))
	l := strings.ToLower(gazetteer.Fold(g.surname()))
	return strings.NewReplacer(" ", "", "'", "", "\u00a0", "").Replace(f+"."+l) + "@" + strings.ToLower(g.pick(companyWords)) + ".fr"
}

func (g *synth) phone() string {
	return "0" + strconv.Itoa(1+g.r.IntN(7)) + " " + strconv.Itoa(10+g.r.IntN(90)) + " " + strconv.Itoa(10+g.r.IntN(90)) + " " + strconv.Itoa(10+g.r.IntN(90)) + " " + strconv.Itoa(10+g.r.IntN(90))
}

func (g *synth) attendees() {
	g.text(g.pick([]string{"Présents :", "PRÉSENTS", "Participants :", "LISTE DES PARTICIPANTS", "Étaient présents :", "Membres du bureau :"}) + "\n")
	n := 2 + g.r.IntN(6)
	style := g.r.IntN(5)
	for k := 0; k < n; k++ {
		if k > 0 {
			g.text("\n")
		}
		if g.chance(0.6) {
			g.text(g.pick([]string{"- ", "• ", "* ", "– "}))
		}
		switch style {
		case 0:
			g.text(g.title() + " ")
			g.person()
			g.text(", " + g.job())
		case 1:
			g.person()
			g.text(" – " + g.job() + " (")
			g.company()
			g.text(")")
		case 2:
			g.span(strings.ToUpper(g.surname()), LabelPER)
			g.text(", ")
			g.span(g.firstName(), LabelPER)
			g.text(" – " + g.pick(departments))
		case 3:
			g.span(strings.ToUpper(g.surname())+" "+g.firstName(), LabelPER)
			g.text(" – ")
			g.company()
		default:
			g.text(g.title() + " ")
			g.span(g.surname(), LabelPER)
			g.text(" (" + g.pick(acronyms) + ")")
		}
	}
}

func (g *synth) emailHeader() {
	g.text("De : ")
	g.person()
	g.text(" <" + g.email() + ">\nÀ : ")
	g.person()
	g.text("\nObjet : " + g.pick([]string{"RE: ", "TR: ", ""}) + g.pick([]string{"Devis maintenance", "Compte rendu du comité", "Relance facture", "Kick-off projet", "Votre dossier", "Point hebdomadaire"}) + "\n\n")
	g.text(g.pick([]string{"Bonjour ", "Hello ", "Chère ", "Cher ", "Hi "}))
	g.span(g.firstName(), LabelPER)
	g.text(",\n")
	g.sentence()
}

func (g *synth) signature() {
	g.text(g.pick([]string{"Cordialement,", "Bien cordialement,", "Best regards,", "Bien à vous,", "Salutations distinguées,"}) + "\n\n")
	g.person()
	g.text("\n" + g.job())
	if g.chance(0.5) {
		g.text(" – " + g.pick(departments))
	}
	g.text("\n")
	g.company()
	g.text("\nTél. : " + g.phone() + "\n" + g.email())
}

func (g *synth) letterHead() {
	g.text(g.pick([]string{"Madame ", "Monsieur ", "Mme ", "M. "}))
	g.person()
	g.text("\n" + strconv.Itoa(1+g.r.IntN(99)) + " " + g.pick([]string{"rue", "avenue", "boulevard", "allée", "impasse"}) + " " + g.pick([]string{"des Lilas", "de la Gare", "Victor Hugo", "Jean Jaurès", "du Moulin", "Pasteur"}) + "\n" + strconv.Itoa(10000+g.r.IntN(85000)) + " ")
	g.place()
	g.text("\n\nAffaire suivie par : " + g.title() + " ")
	g.person()
	g.text("\nObjet : " + g.pick([]string{"votre demande du", "convocation", "remboursement", "notification de décision"}) + "\n\n")
	g.text(g.pick([]string{"Madame,", "Monsieur,", "Madame, Monsieur,", "Monsieur le Président,"}))
}

func (g *synth) sentences() {
	n := 1 + g.r.IntN(3)
	for k := 0; k < n; k++ {
		if k > 0 {
			g.text(" ")
		}
		g.sentence()
	}
}

func (g *synth) sentence() {
	t := g.pick(sentenceTemplates)
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			g.text(t)
			return
		}
		j := strings.IndexByte(t[i:], '}') + i
		g.text(t[:i])
		switch t[i+1 : j] {
		case "PER":
			g.person()
		case "FIRST":
			g.span(g.firstName(), LabelPER)
		case "LAST":
			g.span(g.surname(), LabelPER)
		case "TITLE":
			g.text(g.title())
		case "ORG":
			g.company()
		case "BRAND":
			g.span(g.pick(g.brands), LabelORG)
		case "LOC":
			g.place()
		case "JOB":
			g.text(g.job())
		case "JOB_EN":
			g.text(g.pick(jobTitles[18:46]))
		case "DEPT":
			g.text(g.pick(departments))
		case "ACRO":
			g.text(g.pick(acronyms))
		case "DATE":
			g.text(strconv.Itoa(1+g.r.IntN(28)) + " " + g.pick([]string{"janvier", "mars", "mai", "juin", "septembre", "novembre"}) + " 2023")
		}
		t = t[j+1:]
	}
}

func (g *synth) chat() {
	n := 2 + g.r.IntN(4)
	names := []string{g.firstName(), g.firstName(), g.firstName()}
	for k := 0; k < n; k++ {
		if k > 0 {
			g.text("\n")
		}
		g.text("[" + strconv.Itoa(8+g.r.IntN(10)) + ":" + strconv.Itoa(10+g.r.IntN(50)) + "] ")
		who := g.pick(names)
		if g.chance(0.5) {
			g.span(who+" "+g.surname(), LabelPER)
		} else {
			g.span(who, LabelPER)
		}
		g.text(" : ")
		if g.chance(0.3) {
			g.text("@")
			g.span(g.pick(names), LabelPER)
			g.text(" ")
		}
		g.text(g.pick(chatMessages))
	}
}

func (g *synth) parties() {
	g.text("ENTRE LES SOUSSIGNÉS :\n\nLa société ")
	g.company()
	g.text(", dont le siège est à ")
	g.place()
	g.text(", représentée par " + g.pick([]string{"M.", "Mme", "Monsieur", "Madame"}) + " ")
	g.person()
	g.text(", en qualité de " + g.job() + ",\n\nET\n\n" + g.pick([]string{"M.", "Mme", "Monsieur", "Madame"}) + " ")
	g.person()
	g.text(", né(e) à ")
	g.place()
	g.text(",")
}

func (g *synth) headingBlock() {
	h := g.pick(headings)
	g.text(h)
	if strings.HasSuffix(h, " DE") {
		g.text(" ")
		g.span(strings.ToUpper(g.pick(g.communes)), LabelLOC)
	}
	g.text("\n")
	g.sentence()
}

func (g *synth) nameList() {
	g.text(g.pick([]string{"Diffusion : ", "Copie : ", "Rédaction : ", "Intervenants : ", "Contacts : "}))
	n := 1 + g.r.IntN(4)
	for k := 0; k < n; k++ {
		if k > 0 {
			g.text(g.pick([]string{", ", " ; ", " et "}))
		}
		g.person()
		if g.chance(0.4) {
			g.text(" (" + g.pick(acronyms) + ")")
		}
	}
	g.text(".")
}
