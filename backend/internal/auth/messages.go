package auth

import "strings"

// message is an e-mail in both languages; {url} and {pseudonym} are
// replaced when sending.
type message struct {
	subjectFR, textFR, subjectEN, textEN string
}

func (m message) render(locale string, values map[string]string) (subject, text string) {
	subject, text = m.subjectFR, m.textFR
	if locale == "en" {
		subject, text = m.subjectEN, m.textEN
	}
	for k, v := range values {
		text = strings.ReplaceAll(text, "{"+k+"}", v)
	}
	return subject, text
}

var msgVerify = message{
	subjectFR: "PIAF — confirmez votre adresse électronique",
	textFR: `Bonjour {pseudonym},

Merci de rejoindre PIAF ! Pour activer votre compte, ouvrez ce lien (valable 48 heures) :

{url}

Si vous n’avez pas créé de compte sur PIAF, ignorez ce message.

L’équipe PIAF — Pour une IA francophone`,
	subjectEN: "PIAF — confirm your e-mail address",
	textEN: `Hello {pseudonym},

Thank you for joining PIAF! To activate your account, open this link (valid for 48 hours):

{url}

If you did not create a PIAF account, ignore this message.

The PIAF team`,
}

var msgReset = message{
	subjectFR: "PIAF — choisir un nouveau mot de passe",
	textFR: `Bonjour {pseudonym},

Vous avez demandé à changer votre mot de passe PIAF. Ouvrez ce lien (valable une heure) pour en choisir un nouveau :

{url}

Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.

L’équipe PIAF`,
	subjectEN: "PIAF — choose a new password",
	textEN: `Hello {pseudonym},

You asked to change your PIAF password. Open this link (valid for one hour) to choose a new one:

{url}

If you did not ask for this, ignore this message: your password is unchanged.

The PIAF team`,
}

var msgAlreadyRegistered = message{
	subjectFR: "PIAF — vous avez déjà un compte",
	textFR: `Bonjour,

Quelqu’un (vous, sans doute) a essayé de créer un compte PIAF avec cette adresse, qui en a déjà un. Connectez-vous ici :

{url}

Mot de passe oublié ? Utilisez le lien « Mot de passe oublié » de la page de connexion.

L’équipe PIAF`,
	subjectEN: "PIAF — you already have an account",
	textEN: `Hello,

Someone (probably you) tried to create a PIAF account with this address, which already has one. Sign in here:

{url}

Forgot your password? Use the "Forgot password" link on the sign-in page.

The PIAF team`,
}
