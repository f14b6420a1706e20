package jobs

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// reclaimOrphans runs again, at once, the jobs that a process of this host
// was running when it died (kill -9, out of memory, power cut). River
// alone would leave them "running" until their kind's timeout has passed
// (two hours for a release build or a training), with the release
// "building" and its version taken all that time. A job is reclaimed only
// when its node provably no longer runs: it has this process's own name
// (a previous process that had it, a container's PID 1), or it names this
// host and a process id that is gone. Jobs of other hosts, or of live
// processes here, are left to River's rescuer as before.
func (s *Service) reclaimOrphans(ctx context.Context) {
	var running []Job
	if err := s.db.WithContext(ctx).Where("state = ? AND river_job_id IS NOT NULL", StateRunning).Find(&running).Error; err != nil {
		s.log.Warn("jobs of stopped processes not looked for", "err", err)
		return
	}
	host, _ := os.Hostname()
	for i := range running {
		j := &running[i]
		if !deadNode(j.Node, s.node, host) {
			continue
		}
		// The attempt goes back to the queue; scheduled_at is already in
		// the past, so the next fetch takes it (attempt + 1).
		res := s.db.WithContext(ctx).Exec(`UPDATE river_job SET state = 'available' WHERE id = ? AND state = 'running'`, *j.RiverJobID)
		if res.Error != nil {
			s.log.Warn("job of a stopped process not reclaimed", "job", j.ID, "err", res.Error)
			continue
		}
		if res.RowsAffected != 1 {
			continue
		}
		msg := "its server stopped while running it (" + j.Node + "): run again"
		if ok, err := s.store.transition(ctx, j.ID, []State{StateRunning}, map[string]any{"state": StateQueued, "error": msg}); err == nil && ok {
			s.log.Info("job of a stopped process run again", "job", j.ID, "kind", j.Kind, "node", j.Node)
			if latest, err := s.store.get(ctx, j.ID); err == nil {
				s.publish(ctx, latest)
			}
		}
	}
}

// deadNode reports whether node (host-pid, as Service names nodes) is
// certainly not running: it is self (this process is only starting, so a
// job under its name belongs to an earlier one) or a gone process of host.
func deadNode(node, self, host string) bool {
	if node == "" {
		return false
	}
	if node == self {
		return true
	}
	i := strings.LastIndexByte(node, '-')
	if i < 0 || node[:i] != host {
		return false
	}
	pid, err := strconv.Atoi(node[i+1:])
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return false
	}
	return !processAlive(pid)
}

func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return !errors.Is(err, os.ErrProcessDone) && !errors.Is(err, syscall.ESRCH)
}
