package live

import (
	"net/http"
	"sync"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// OriginChecker tells whether a websocket upgrade comes from this site.
type OriginChecker func(r *http.Request) bool

// Handlers serves the websocket endpoint.
type Handlers struct {
	hub      *Hub
	upgrader websocket.Upgrader
}

// NewHandlers binds the endpoint to the hub; checkOrigin refuses
// cross-site upgrades (a browser sends the session cookie with them).
func NewHandlers(h *Hub, checkOrigin OriginChecker) *Handlers {
	return &Handlers{hub: h, upgrader: websocket.Upgrader{
		// Idle connections hold no write buffer: it is taken from a pool
		// only while a message is written.
		ReadBufferSize: 512, WriteBufferSize: 4096, WriteBufferPool: &sync.Pool{}, CheckOrigin: checkOrigin,
		// Per-message compression costs memory per connection; events are small.
		EnableCompression: false,
	}}
}

// LiveDoc documents the protocol in the OpenAPI document.
type LiveDoc struct {
	Topic string `json:"topic" description:"job:{id}, campaign:{id}, review:{campaign id} or user:{id}"`
	Seq   int64  `json:"seq" description:"per-topic sequence number; resume with {\"type\":\"subscribe\",\"topic\":…,\"last_seq\":…}"`
	Type  string `json:"type"`
	Data  any    `json:"data"`
}

// Routes lists the live feed endpoint.
func (h *Handlers) Routes() []api.Route {
	return []api.Route{{
		Method: http.MethodGet, Path: "/api/v1/live", OperationID: "liveFeed", Tags: []string{"live"},
		Summary: "Live feed (websocket)",
		Description: "Upgrade to a websocket authenticated by the session cookie (Origin checked). Client messages (at most 4096 bytes): " +
			"{\"type\":\"subscribe\",\"topic\":\"job:12\",\"last_seq\":3}, {\"type\":\"unsubscribe\",\"topic\":…}, {\"type\":\"ping\"}. " +
			"Server messages: events {topic, seq, type, data}, and {type: subscribed|resync|error|pong, topic, seq, code}. " +
			"Close codes: 1001 server stopping, 1003 malformed message, 1008 subscription flood, 1009 message too large, 4000 too slow.",
		Access:    api.SignedIn,
		Responses: []api.Response{{Status: http.StatusSwitchingProtocols, Body: LiveDoc{}, Description: "Switching to the websocket protocol"}},
		Handler:   h.serve,
	}}
}

func (h *Handlers) serve(c echo.Context) error {
	p := identity.FromContext(c.Request().Context())
	if !websocket.IsWebSocketUpgrade(c.Request()) {
		return echo.NewHTTPError(http.StatusBadRequest, "a websocket upgrade is expected")
	}
	if !h.upgrader.CheckOrigin(c.Request()) {
		return echo.NewHTTPError(http.StatusForbidden, "cross-site websocket refused")
	}
	cl := &client{hub: h.hub, principal: p}
	if err := h.hub.register(cl); err != nil {
		return err
	}
	conn, err := h.upgrader.Upgrade(c.Response(), c.Request(), nil)
	if err != nil {
		h.hub.unregister(cl)
		return nil // the upgrader already answered
	}
	live := newClient(h.hub, conn, p)
	h.hub.swap(cl, live)
	live.serve(c.Request().Context())
	return nil
}
