package app_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lab-ia/piaf/backend/internal/app/apptest"
	"github.com/lab-ia/piaf/backend/internal/auth"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// Who may call each operation. Written out here, independently of the
// routes' own declarations, so that a route whose access rule is wrong or
// missing makes this test fail. Keys are operation ids.
const (
	anyone    = "anyone"
	signedIn  = "signed-in"
	mods      = "moderator,admin"
	admins    = "admin"
	tokenUser = "consumer,admin"
	// pseudoUser: administrations use the engine; the lab tries it too.
	pseudoUser = "consumer,moderator,admin"
)

var expectedAccess = map[string]string{
	"getVersion": anyone,
	// auth
	"getSession": anyone, "signUp": anyone, "logIn": anyone, "logOut": signedIn,
	"verifyEmail": anyone, "resendVerification": anyone, "requestPasswordReset": anyone, "confirmPasswordReset": anyone,
	"oidcLogin": anyone, "oidcCallback": anyone, "oidcLogoutCallback": anyone,
	// me
	"getMe": signedIn, "updateMe": signedIn, "changePassword": signedIn, "exportMyData": signedIn, "deleteMe": signedIn,
	"listMyTokens": tokenUser, "createMyToken": tokenUser, "revokeMyToken": tokenUser,
	// jobs (visibility is per job, in the service) and the live feed
	"listJobs": signedIn, "getJob": signedIn, "cancelJob": signedIn, "liveFeed": signedIn,
	// campaigns (drafts are hidden from non-moderators inside the service)
	"listCampaigns": anyone, "getCampaign": anyone, "getCampaignStats": anyone, "getLeaderboard": anyone,
	"createCampaign": mods, "updateCampaign": mods, "importCorpus": mods, "exportCampaign": mods,
	// releases: reading is open (restricted files are checked in the handler
	// and tested per role in the release package), writing is the moderators'
	"listCatalogue": anyone, "listReleases": anyone, "getRelease": anyone, "getDatasheet": anyone, "diffRelease": anyone,
	"downloadReleaseFile": anyone, "headReleaseFile": anyone,
	"createRelease": mods, "editRelease": mods, "publishRelease": mods, "deleteRelease": admins,
	// entity annotation
	"nextEntityTask": signedIn, "submitEntities": signedIn, "entityAnnotationHistory": signedIn,
	"listEntityAnnotations": mods, "decideEntityAnnotation": mods, "entityAgreement": mods,
	// entity-recognition models and the pseudonymisation engine
	"listNerModels": mods, "trainNerModel": mods, "getNerModel": mods, "activateNerModel": mods, "deactivateNerModel": mods,
	"getPseudonymizeInfo": pseudoUser, "detectEntities": pseudoUser, "pseudonymizeText": pseudoUser,
	"pseudonymizeDocument": pseudoUser, "createPseudoBatch": pseudoUser, "downloadPseudoBatch": pseudoUser,
	// question answering: asking and feedback are open at the door (private
	// collections refuse anonymous callers, tokens need qa:ask: tested in
	// the qaservice package), collections and models are the moderators'
	"askQuestion": anyone, "sendQAFeedback": anyone, "listQACollections": anyone, "getQACollection": anyone,
	"listQAFeedback": mods, "createQAFeedbackTask": mods, "createQACollection": mods, "uploadQACollection": mods,
	"reindexQACollection": mods, "updateQACollection": mods, "deleteQACollection": mods, "setQACollectionModel": mods, "listQAModels": mods, "trainQAModel": mods, "getQAModel": mods,
	// annotation
	"nextTask": signedIn, "renewLease": signedIn, "releaseLease": signedIn, "skipParagraph": signedIn,
	"reportParagraph": signedIn, "submitParagraph": signedIn, "nextAnswerTask": signedIn, "answerQuestion": signedIn,
	"getMyProgress": signedIn, "completeTutorial": signedIn,
	// moderation
	"reviewQueue": mods, "reviewNext": mods, "campaignAgreement": mods, "claimQuestion": mods, "decideQuestion": mods,
	"setGoldQuestion": mods, "decideParagraph": mods, "suspendContributor": mods, "reinstateContributor": mods,
	"questionHistory": signedIn, "myFeedback": signedIn,
	// admin
	"listUsers": admins, "setUserRole": admins, "revokeUserSessions": admins, "listAuditEvents": admins,
}

// expectedScopes lists, per operation, the token scopes that open it.
var expectedScopes = map[string][]identity.Scope{
	"getPseudonymizeInfo":  {identity.ScopePseudoRun},
	"detectEntities":       {identity.ScopePseudoRun},
	"pseudonymizeText":     {identity.ScopePseudoRun},
	"pseudonymizeDocument": {identity.ScopePseudoRun},
	"createPseudoBatch":    {identity.ScopePseudoRun},
	"downloadPseudoBatch":  {identity.ScopePseudoRun},
	"askQuestion":          {identity.ScopeQAAsk},
	// every administrators-only route (api.Admins) opens to the admin scope
	"listUsers": {identity.ScopeAdmin}, "setUserRole": {identity.ScopeAdmin}, "revokeUserSessions": {identity.ScopeAdmin},
	"listAuditEvents": {identity.ScopeAdmin}, "deleteRelease": {identity.ScopeAdmin},
	"sendQAFeedback": {identity.ScopeQAAsk},
}

var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

func concretePath(p string) string {
	return pathParam.ReplaceAllStringFunc(p, func(m string) string {
		if m == "{provider}" {
			return "proconnect"
		}
		return "1"
	})
}

// denied reports whether a response is the access check refusing the
// caller (domain answers such as bad_credentials or not_found are not).
func denied(r *apptest.Response) bool {
	switch r.ErrorCode() {
	case "unauthenticated", "forbidden", "insufficient_scope":
		return true
	}
	return false
}

func allowed(rule string, role identity.Role) bool {
	switch rule {
	case anyone, signedIn:
		return true
	}
	return slices.Contains(strings.Split(rule, ","), string(role))
}

// TestRoleMatrix calls every API route as anonymous, contributor,
// consumer, moderator and admin, and checks that the server admits exactly
// the expected callers.
func TestRoleMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		users := map[identity.Role]*auth.User{}
		for _, role := range identity.AllRoles {
			_, u := env.User(role, "Matrice "+string(role))
			users[role] = u
		}
		routes := env.App.Server.Routes()
		seen := map[string]bool{}
		for _, r := range routes {
			seen[r.OperationID] = true
			rule, ok := expectedAccess[r.OperationID]
			if !ok {
				t.Errorf("%s %s (%s) is missing from the role matrix: add its expected access", r.Method, r.Path, r.OperationID)
				continue
			}
			path := concretePath(r.Path)
			var body any
			if r.Method != http.MethodGet && r.Method != http.MethodDelete {
				body = "{}"
			}
			anon := env.NewClient().Do(r.Method, path, body)
			if rule == anyone {
				if denied(anon) {
					t.Errorf("%s %s: anonymous got %d, want access", r.Method, path, anon.Status)
				}
			} else if anon.Status != 401 || !denied(anon) {
				t.Errorf("%s %s: anonymous got %d, want 401", r.Method, path, anon.Status)
			}
			for _, role := range identity.AllRoles {
				res := env.SessionClient(users[role]).Do(r.Method, path, body)
				want := allowed(rule, role)
				got := !denied(res)
				if want != got || (!want && res.Status != 403) {
					t.Errorf("%s %s as %s: status %d (%s), want allowed=%v", r.Method, path, role, res.Status, res.ErrorCode(), want)
				}
			}
			// API tokens open only the routes that list one of their scopes.
			for _, role := range []identity.Role{identity.RoleConsumer, identity.RoleAdmin} {
				for _, sc := range identity.AllScopes {
					if role == identity.RoleConsumer && sc == identity.ScopeAdmin {
						continue
					}
					res := env.TokenClient(users[role], sc).Do(r.Method, path, body)
					want := rule == anyone || (slices.Contains(expectedScopes[r.OperationID], sc) && allowed(rule, role))
					got := !denied(res)
					if want != got {
						t.Errorf("%s %s with a %s token of a %s: status %d, want allowed=%v", r.Method, path, sc, role, res.Status, want)
					}
				}
			}
		}
		for op := range expectedAccess {
			if !seen[op] {
				t.Errorf("the role matrix lists %s, which no route serves", op)
			}
		}
	})
}
