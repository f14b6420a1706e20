package jobs

import "github.com/prometheus/client_golang/prometheus"

type jobMetrics struct {
	depth    *prometheus.GaugeVec
	duration *prometheus.HistogramVec
	finished *prometheus.CounterVec
}

func newJobMetrics(reg prometheus.Registerer) *jobMetrics {
	m := &jobMetrics{
		depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "piaf", Subsystem: "jobs", Name: "depth",
			Help: "Jobs queued or running (all nodes)."}, []string{"state"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "piaf", Subsystem: "jobs", Name: "run_seconds",
			Help: "Duration of job attempts on this node.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 16)}, []string{"kind"}),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "piaf", Subsystem: "jobs", Name: "finished_total",
			Help: "Jobs finished on this node, by outcome."}, []string{"kind", "state"}),
	}
	if reg != nil {
		reg.MustRegister(m.depth, m.duration, m.finished)
	}
	return m
}
