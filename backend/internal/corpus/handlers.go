package corpus

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// Handlers exposes campaigns over HTTP.
type Handlers struct {
	svc   *Service
	stats *Stats
}

// NewHandlers binds the handlers.
func NewHandlers(svc *Service, stats *Stats) *Handlers { return &Handlers{svc: svc, stats: stats} }

// CampaignView is a campaign as the interface shows it.
type CampaignView struct {
	Campaign
	Themes         []string `json:"themes" required:"true"`
	RejectReasons  []string `json:"reject_reasons" required:"true"`
	GuidelinesMD   string   `json:"guidelines_markdown,omitempty"`
	GuidelinesHTML string   `json:"guidelines_html,omitempty"`
}

type campaignBody struct {
	Kind                  *Kind    `json:"kind,omitempty" enum:"qa,ner"`
	Title                 *string  `json:"title,omitempty" minLength:"3" maxLength:"200"`
	Description           *string  `json:"description,omitempty" maxLength:"5000"`
	Guidelines            *string  `json:"guidelines,omitempty" maxLength:"100000" description:"Markdown; a change makes a new version"`
	QuestionsPerParagraph *int     `json:"questions_per_paragraph,omitempty" minimum:"1" maximum:"50"`
	AnswersPerQuestion    *int     `json:"answers_per_question,omitempty" minimum:"1" maximum:"20"`
	Themes                []string `json:"themes,omitempty"`
	Audience              *string  `json:"audience,omitempty" enum:"everyone,certified"`
	License               *string  `json:"license,omitempty" maxLength:"200"`
	TargetQuestions       *int     `json:"target_questions,omitempty" minimum:"0"`
	TestShare             *int     `json:"test_share,omitempty" minimum:"0" maximum:"100"`
	ReviewSample          *int     `json:"review_sample,omitempty" minimum:"0" maximum:"100" description:"percent of a trusted contributor's work still reviewed"`
	GoldRate              *int     `json:"gold_rate,omitempty" minimum:"0" maximum:"100" description:"percent of answer-mode tasks that are gold questions"`
	RejectReasons         []string `json:"reject_reasons,omitempty"`
	Status                *Status  `json:"status,omitempty" enum:"draft,open,closed"`
}

type campaignPatch struct {
	api.IDPath
	campaignBody
}

func (b campaignBody) input() CampaignInput {
	return CampaignInput{Kind: b.Kind, Title: b.Title, Description: b.Description, Guidelines: b.Guidelines,
		QuestionsPerParagraph: b.QuestionsPerParagraph, AnswersPerQuestion: b.AnswersPerQuestion, Themes: b.Themes,
		Audience: b.Audience, License: b.License, TargetQuestions: b.TargetQuestions, TestShare: b.TestShare, Status: b.Status,
		ReviewSample: b.ReviewSample, GoldRate: b.GoldRate, RejectReasons: b.RejectReasons}
}

// Routes lists the campaign routes.
func (h *Handlers) Routes() []api.Route {
	tags := []string{"campaigns"}
	seeDraft := api.Access{Anonymous: true, Note: "drafts are visible to moderators only"}
	return []api.Route{
		{Method: http.MethodGet, Path: "/api/v1/campaigns", OperationID: "listCampaigns", Summary: "Campaigns", Tags: tags,
			Access: seeDraft, Responses: []api.Response{{Status: 200, Body: []CampaignView{}}}, Handler: h.list},
		{Method: http.MethodPost, Path: "/api/v1/campaigns", OperationID: "createCampaign", Summary: "Create a campaign", Tags: tags,
			Access: api.Moderators, Request: campaignBody{}, Responses: []api.Response{{Status: 201, Body: CampaignView{}}}, Handler: h.create},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/{id}", OperationID: "getCampaign", Summary: "A campaign with its guidelines", Tags: tags,
			Access: seeDraft, Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: CampaignView{}}}, Handler: h.get},
		{Method: http.MethodPatch, Path: "/api/v1/campaigns/{id}", OperationID: "updateCampaign", Summary: "Change a campaign (settings, guidelines, status)", Tags: tags,
			Access: api.Moderators, Request: campaignPatch{}, Responses: []api.Response{{Status: 200, Body: CampaignView{}}}, Handler: h.update},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/{id}/stats", OperationID: "getCampaignStats", Summary: "Progress counters and daily activity", Tags: tags,
			Access: seeDraft, Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: CampaignStats{}}}, Handler: h.getStats},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/{id}/leaderboard", OperationID: "getLeaderboard", Summary: "Contributors by accepted questions (pseudonyms; opting out hides one)", Tags: tags,
			Access: seeDraft, Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: []LeaderboardEntry{}}}, Handler: h.leaderboard},
	}
}

func principal(c echo.Context) *identity.Principal {
	return identity.FromContext(c.Request().Context())
}

func (h *Handlers) view(c echo.Context, camp *Campaign, withGuidelines bool) (CampaignView, error) {
	v := CampaignView{Campaign: *camp, Themes: camp.ThemeList(), RejectReasons: camp.RejectReasonList()}
	if withGuidelines {
		md, html, err := h.svc.Guidelines(c.Request().Context(), camp)
		if err != nil {
			return v, err
		}
		v.GuidelinesMD, v.GuidelinesHTML = md, html
	}
	return v, nil
}

func (h *Handlers) list(c echo.Context) error {
	cs, err := h.svc.List(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	out := make([]CampaignView, 0, len(cs))
	for i := range cs {
		v, _ := h.view(c, &cs[i], false)
		out = append(out, v)
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handlers) create(c echo.Context) error {
	var in campaignBody
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	camp, err := h.svc.Create(c.Request().Context(), principal(c), in.input())
	if err != nil {
		return err
	}
	v, err := h.view(c, camp, true)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, v)
}

func (h *Handlers) get(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	camp, err := h.svc.Get(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	v, err := h.view(c, camp, true)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (h *Handlers) update(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var in campaignBody
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	camp, err := h.svc.Update(c.Request().Context(), principal(c), id, in.input())
	if err != nil {
		return err
	}
	v, err := h.view(c, camp, true)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (h *Handlers) getStats(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.svc.Get(c.Request().Context(), principal(c), id); err != nil {
		return err
	}
	st, err := h.stats.Campaign(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

func (h *Handlers) leaderboard(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.svc.Get(c.Request().Context(), principal(c), id); err != nil {
		return err
	}
	lb, err := h.stats.Leaderboard(c.Request().Context(), id, 50)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, lb)
}
