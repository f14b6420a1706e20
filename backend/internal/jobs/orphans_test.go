package jobs

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

func TestDeadNode(t *testing.T) {
	host, _ := os.Hostname()
	self := fmt.Sprintf("%s-%d", host, os.Getpid())
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		node string
		dead bool
	}{
		{"", false},
		{self, true}, // an earlier process of the same name: this one is only starting
		{fmt.Sprintf("%s-%d", host, gone.Process.Pid), true},
		{fmt.Sprintf("%s-%d", host, os.Getppid()), false},       // alive
		{fmt.Sprintf("other-host-%d", gone.Process.Pid), false}, // another host: River's rescuer decides
		{host + "-notapid", false},
	} {
		if got := deadNode(c.node, self, host); got != c.dead {
			t.Errorf("deadNode(%q) = %v, want %v", c.node, got, c.dead)
		}
	}
}
