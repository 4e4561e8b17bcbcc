package main

import (
	"runtime/debug"

	"github.com/architectos/aos/report"
	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise it comes from the module's build information.
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "(devel)"
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " " + s.Value[:12]
			}
		}
	}
	return v
}

type versionOptions struct {
	*factory
}

func newCmdVersion(f *factory) *cobra.Command {
	opts := &versionOptions{factory: f}
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version of git-aos",
		Args:    noArgs,
		Example: `  git aos version`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return report.WriteVersion(opts.Out, buildVersion())
		},
	}
}
