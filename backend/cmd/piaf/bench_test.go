package main

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkStartToReady measures `piaf serve` from exec to /readyz answering
// 200 on a fresh embedded database (migrations and demo seed included), and
// the resident memory of the idle server two seconds later.
//
//	go test ./backend/cmd/piaf -run '^$' -bench StartToReady -benchtime 5x
func BenchmarkStartToReady(b *testing.B) {
	b.Run("fresh", func(b *testing.B) { benchStart(b, false) })
	b.Run("restart", func(b *testing.B) { benchStart(b, true) })
}

// benchStart starts the server b.N times, on a new data directory each time
// or (restart) on one prepared by a first run.
func benchStart(b *testing.B, restart bool) {
	dir := b.TempDir()
	if restart {
		p := startServe(b, []string{"PIAF_DATA_DIR=" + dir}, "--demo")
		p.stop(b)
	}
	var total time.Duration
	var rssMax int64
	for i := 0; i < b.N; i++ {
		if !restart {
			dir = b.TempDir()
		}
		p := startServe(b, []string{"PIAF_DATA_DIR=" + dir}, "--demo")
		total += p.ready
		time.Sleep(2 * time.Second)
		if rss := rssKB(p.cmd.Process.Pid); rss > rssMax {
			rssMax = rss
		}
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-ready")
	b.ReportMetric(float64(rssMax)/1024, "MB-idle-RSS")
}

// rssKB reads VmRSS of a process from /proc.
func rssKB(pid int) int64 {
	lines, err := readLines("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				n, _ := strconv.ParseInt(f[1], 10, 64)
				return n
			}
		}
	}
	return 0
}
