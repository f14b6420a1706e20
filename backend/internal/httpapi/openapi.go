package httpapi

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/swaggest/jsonschema-go"
	"github.com/swaggest/openapi-go"
	"github.com/swaggest/openapi-go/openapi31"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/buildinfo"
)

// errorStatuses are the error responses documented on every operation.
var errorStatuses = []int{
	http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
	http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity,
	http.StatusTooManyRequests, http.StatusInternalServerError,
}

// buildOpenAPI generates the OpenAPI 3.1 document from the route table, so
// that it describes exactly what is mounted.
func buildOpenAPI(routes []api.Route) ([]byte, error) {
	r := openapi31.NewReflector()
	// Generic instances (api.Page[auth.Profile]) get readable schema names.
	r.DefaultOptions = append(r.DefaultOptions,
		jsonschema.InterceptDefName(func(_ reflect.Type, name string) string {
			return strings.ReplaceAll(name, "GithubComLabIaPiafBackendInternal", "")
		}),
		// PIAF answers empty lists as [], never null: say so, so that
		// clients need no null checks on arrays and maps.
		jsonschema.InterceptNullability(func(p jsonschema.InterceptNullabilityParams) {
			if p.NullAdded && p.Type != nil && (p.Type.Kind() == reflect.Slice || p.Type.Kind() == reflect.Map) {
				p.Schema.RemoveType(jsonschema.Null)
			}
		}),
	)
	r.Spec.Info.WithTitle("PIAF API").WithVersion(buildinfo.Get().Version).
		WithDescription("API de PIAF (Pour une IA francophone): campagnes d'annotation, modération, jeux de données, moteurs de questions-réponses et de pseudonymisation. Errors are JSON {\"error\": {\"code\", \"message\", \"details\"}}; character offsets are Unicode code points.")
	r.Spec.SetAPIKeySecurity("session", "__Host-piaf_session", openapi.InCookie, "Session cookie set at sign-in; state-changing requests also need the X-CSRF-Token header.")
	r.Spec.SetHTTPBearerTokenSecurity("token", "opaque", "Personal API token (Authorization: Bearer …) with scopes.")

	sorted := slices.Clone(routes)
	slices.SortFunc(sorted, func(a, b api.Route) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	for _, rt := range sorted {
		oc, err := r.NewOperationContext(rt.Method, rt.Path)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", rt.Method, rt.Path, err)
		}
		oc.SetID(rt.OperationID)
		oc.SetSummary(rt.Summary)
		desc := describeAccess(rt)
		if rt.RateLimit != nil {
			desc += fmt.Sprintf("\n\nRate limit: %d calls a minute per caller and node (bursts of %d); beyond, 429 with Retry-After.", rt.RateLimit.PerMinute, rt.RateLimit.Burst)
		}
		oc.SetDescription(desc)
		oc.SetTags(rt.Tags...)
		if rt.Request != nil {
			var opts []openapi.ContentOption
			if rt.RequestContentType != "" {
				opts = append(opts, openapi.WithContentType(rt.RequestContentType))
			}
			oc.AddReqStructure(rt.Request, opts...)
		}
		for _, resp := range rt.Responses {
			opts := []openapi.ContentOption{openapi.WithHTTPStatus(resp.Status)}
			if resp.ContentType != "" {
				opts = append(opts, openapi.WithContentType(resp.ContentType))
			}
			if resp.Description != "" {
				opts = append(opts, func(cu *openapi.ContentUnit) { cu.Description = resp.Description })
			}
			oc.AddRespStructure(resp.Body, opts...)
		}
		for _, st := range errorStatuses {
			oc.AddRespStructure(api.ErrorBody{}, openapi.WithHTTPStatus(st))
		}
		if !rt.Access.Anonymous {
			oc.AddSecurity("session")
			if len(rt.Access.Scopes) > 0 {
				scopes := make([]string, len(rt.Access.Scopes))
				for i, s := range rt.Access.Scopes {
					scopes[i] = string(s)
				}
				oc.AddSecurity("token", scopes...)
			}
		}
		if err := r.AddOperation(oc); err != nil {
			return nil, fmt.Errorf("%s %s: %w", rt.Method, rt.Path, err)
		}
	}
	return r.Spec.MarshalJSON()
}

// describeAccess writes the route's access rule into its description, so
// API users know who may call it.
func describeAccess(rt api.Route) string {
	var who []string
	a := rt.Access
	switch {
	case a.Anonymous:
		who = append(who, "anyone")
	case a.Authenticated:
		who = append(who, "any signed-in user")
	}
	for _, r := range a.Roles {
		who = append(who, string(r))
	}
	desc := rt.Description
	if desc != "" {
		desc += "\n\n"
	}
	desc += "Access: " + strings.Join(who, ", ")
	if len(a.Scopes) > 0 {
		var sc []string
		for _, s := range a.Scopes {
			sc = append(sc, string(s))
		}
		desc += "; API tokens with scope " + strings.Join(sc, " or ")
	}
	if a.Note != "" {
		desc += ". " + a.Note
	}
	return desc + "."
}
