// Package buildinfo reports the version of the running binary, set at link
// time by the Makefile (-ldflags -X) and otherwise read from Go's build info.
package buildinfo

import "runtime/debug"

// These are overridden with -ldflags "-X …" by `make build`.
var (
	version = ""
	commit  = ""
)

// Info is what `piaf version` and GET /api/v1/version print.
type Info struct {
	Version   string `json:"version" required:"true"`
	Commit    string `json:"commit"`
	GoVersion string `json:"go_version" required:"true"`
}

// Get returns the binary's version information.
func Get() Info {
	info := Info{Version: version, Commit: commit}
	if bi, ok := debug.ReadBuildInfo(); ok {
		info.GoVersion = bi.GoVersion
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && info.Commit == "" {
				info.Commit = s.Value
			}
		}
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	return info
}
