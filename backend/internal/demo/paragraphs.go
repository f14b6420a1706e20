package demo

// demoDocuments are short original texts written by the PIAF team for the
// demo campaign (no third-party text is committed). They describe public
// services in general terms and are not legal advice.
var demoDocuments = []struct {
	Title, Theme string
	Paragraphs   []string
}{
	{
		Title: "Renouveler sa carte d’identité", Theme: "Papiers",
		Paragraphs: []string{
			"La carte nationale d’identité permet de prouver son identité et, dans l’Union européenne, de voyager sans passeport. Depuis 2021, elle a le format d’une carte bancaire et contient une puce sécurisée. Sa demande se fait dans une mairie équipée d’un dispositif de recueil, qu’on choisit librement, même hors de sa commune de résidence.",
			"Avant de se rendre en mairie, l’usager peut remplir une pré-demande en ligne, qui lui donne un numéro à présenter au guichet. Il prend aussi rendez-vous, car la plupart des mairies n’accueillent ces demandes que sur rendez-vous. Le jour venu, il apporte une photo d’identité récente, un justificatif de domicile et, s’il s’agit d’un renouvellement, son ancienne carte.",
			"Le délai de fabrication varie selon les périodes : il est souvent de deux à trois semaines, mais il peut dépasser deux mois avant l’été. Un SMS prévient l’usager quand la carte est disponible. Il doit alors la retirer en personne dans la mairie où il a déposé sa demande, dans un délai de trois mois.",
		},
	},
	{
		Title: "La bibliothèque municipale", Theme: "Culture",
		Paragraphs: []string{
			"Dans beaucoup de communes, l’inscription à la bibliothèque municipale est gratuite pour les enfants, les étudiants et les demandeurs d’emploi. Les autres usagers paient souvent une cotisation annuelle modeste, autour de 15 euros. Une fois inscrit, on peut emprunter jusqu’à dix documents pour une durée de trois semaines.",
			"La bibliothèque ne prête pas seulement des livres : on y trouve aussi des bandes dessinées, des journaux, des films et parfois des jeux de société. Certaines proposent des ateliers d’initiation au numérique, animés par des conseillers qui aident à créer une adresse électronique ou à remplir une démarche en ligne.",
			"Le portail en ligne du réseau permet de réserver un document déjà emprunté par un autre lecteur. Quand l’ouvrage revient, le lecteur reçoit un courriel et dispose de huit jours pour venir le chercher. Passé ce délai, la réservation est annulée et le document est proposé au suivant sur la liste.",
		},
	},
	{
		Title: "Trier ses déchets à la maison", Theme: "Environnement",
		Paragraphs: []string{
			"Depuis le 1er janvier 2023, tous les emballages en plastique peuvent être déposés dans le bac de tri, y compris les pots de yaourt et les films qui entourent les packs d’eau. Il n’est pas nécessaire de les laver : il suffit de bien les vider. Les emballages doivent être jetés en vrac, et non enfermés dans un sac.",
			"Le verre se dépose dans les colonnes prévues à cet effet, sans les bouchons ni les couvercles. La vaisselle cassée, les miroirs et les ampoules n’y ont pas leur place, car ils ne fondent pas à la même température que les bouteilles. Les ampoules usagées sont reprises gratuitement par les magasins qui en vendent.",
			"Les déchets encombrants, comme un vieux matelas ou une armoire, sont acceptés à la déchèterie. L’accès y est souvent réservé aux habitants du territoire, sur présentation d’une carte ou d’un justificatif de domicile. Certaines collectivités organisent aussi un ramassage à domicile, sur rendez-vous, pour les personnes qui n’ont pas de véhicule.",
		},
	},
	{
		Title: "S’inscrire sur les listes électorales", Theme: "Citoyenneté",
		Paragraphs: []string{
			"Pour voter, il faut être inscrit sur les listes électorales. Les jeunes qui ont fait leur recensement citoyen à 16 ans sont inscrits d’office à leurs 18 ans. Les autres électeurs, par exemple après un déménagement, doivent demander leur inscription, en ligne ou à la mairie.",
			"L’inscription est possible toute l’année. Pour voter à une élection donnée, il faut toutefois s’inscrire au plus tard le sixième vendredi qui précède le premier tour. Un service en ligne permet à chacun de vérifier sa situation électorale et de connaître l’adresse de son bureau de vote.",
			"Un électeur absent le jour du scrutin peut donner procuration à un autre électeur, qui votera à sa place. La demande se fait en ligne ou auprès d’un commissariat, d’une gendarmerie ou d’un consulat. Depuis 2022, le mandataire peut être inscrit dans une autre commune que celle du mandant, mais il doit se rendre dans le bureau de vote de ce dernier.",
		},
	},
}

// demoGuidelines are the demo campaign's annotation guidelines.
const demoGuidelines = `## Écrire de bonnes questions

1. **Lisez le paragraphe en entier** avant d’écrire.
2. Écrivez une question **dont la réponse se trouve dans le texte**, sous la forme d’un passage continu.
3. **Reformulez** : n’empruntez pas la phrase du texte mot pour mot.
4. Variez les questions : *qui*, *quand*, *où*, *combien*, *pourquoi*, *comment*…
5. **Surlignez la réponse la plus courte** qui répond complètement à la question, sans ponctuation autour.

## Exemple

> « La carte d’identité se demande en mairie. »

* Bonne question : *Où faut-il déposer une demande de carte d’identité ?* — réponse : **en mairie**.
* À éviter : *La carte d’identité se demande où ?* (copie du texte).
`
