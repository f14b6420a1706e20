// Package metrics owns the process's Prometheus registry (no global
// registry: tests build as many servers as they like) and the HTTP metrics.
package metrics

import (
	"database/sql"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the registry plus the collectors the web layer feeds.
type Metrics struct {
	Registry *prometheus.Registry
	// HTTPDuration observes request latency by method, route template and
	// status code (the route template, never the raw path, keeps the label
	// set bounded).
	HTTPDuration *prometheus.HistogramVec
	// HTTPInFlight counts requests being served.
	HTTPInFlight prometheus.Gauge
}

// New creates a registry with Go runtime, process and HTTP collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "piaf", Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Duration of HTTP requests by method, route and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "status"}),
		HTTPInFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "piaf", Subsystem: "http", Name: "requests_in_flight",
			Help: "HTTP requests currently being served.",
		}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.HTTPDuration, m.HTTPInFlight,
	)
	return m
}

// WatchDB exports the connection pool's statistics (open, in use, waits).
func (m *Metrics) WatchDB(db *sql.DB) {
	m.Registry.MustRegister(collectors.NewDBStatsCollector(db, "piaf"))
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
