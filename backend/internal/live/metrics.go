package live

import "github.com/prometheus/client_golang/prometheus"

type hubMetrics struct {
	clients        prometheus.Gauge
	connects       prometheus.Counter
	published      prometheus.Counter
	sent           prometheus.Counter
	dropped        prometheus.Counter
	noticeOverflow prometheus.Counter
	lag            prometheus.Histogram
}

func newHubMetrics(reg prometheus.Registerer) *hubMetrics {
	m := &hubMetrics{
		clients: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "piaf", Subsystem: "live", Name: "clients",
			Help: "Websocket clients connected to this node."}),
		connects: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "piaf", Subsystem: "live", Name: "connections_total",
			Help: "Websocket connections accepted."}),
		published: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "piaf", Subsystem: "live", Name: "events_published_total",
			Help: "Events published by this node."}),
		sent: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "piaf", Subsystem: "live", Name: "messages_sent_total",
			Help: "Messages queued to clients."}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "piaf", Subsystem: "live", Name: "slow_clients_dropped_total",
			Help: "Clients disconnected because their send buffer was full."}),
		noticeOverflow: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "piaf", Subsystem: "live", Name: "notice_overflow_total",
			Help: "Event notices dropped because dispatch was behind (recovered by the sweep)."}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "piaf", Subsystem: "live", Name: "event_lag_seconds",
			Help: "Time from an event's commit to its queueing for a client.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
	}
	if reg != nil {
		reg.MustRegister(m.clients, m.connects, m.published, m.sent, m.dropped, m.noticeOverflow, m.lag)
	}
	return m
}
