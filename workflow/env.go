package workflow

import (
	"maps"
	"os/exec"
	"runtime"
	"slices"
	"strings"

	"github.com/architectos/aos"
)

// EnvInfo is the reply to GET_ENVIRONMENT_INFO (docs/spec.md 6.5). It
// names versions and settings, never an environment variable's value.
type EnvInfo struct {
	OS             string   `json:"os"`
	Arch           string   `json:"arch"`
	AosVersion     string   `json:"aos_version"`
	GitVersion     string   `json:"git_version,omitempty"`
	Sandbox        string   `json:"sandbox"`
	Engine         string   `json:"engine,omitempty"`
	EngineVersion  string   `json:"engine_version,omitempty"`
	Image          string   `json:"image,omitempty"`
	Network        bool     `json:"network"`
	Variables      []string `json:"variables,omitempty"` // names only
	Tools          []string `json:"tools,omitempty"`
	TestSuites     []string `json:"test_suites,omitempty"`
	BuildTargets   []string `json:"build_targets,omitempty"`
	MaxParallelJob int      `json:"max_parallel_jobs"`
}

func environmentInfo(m *aos.Manifest, rt *Runtime) any {
	env := m.Environment
	info := EnvInfo{OS: runtime.GOOS, Arch: runtime.GOARCH, AosVersion: "(unknown)", Sandbox: env.Type,
		Image: env.Image, Network: env.Network, MaxParallelJob: m.Policies.MaxParallelJobs}
	if rt != nil && rt.Version != "" {
		info.AosVersion = rt.Version
	}
	info.GitVersion = firstLine("git", "--version")
	switch env.Type {
	case "bwrap":
		info.Engine = "bwrap"
	case "docker":
		info.Engine = "docker"
	case "container":
		info.Engine = env.Engine
		if info.Engine == "" {
			for _, e := range []string{"podman", "docker"} {
				if _, err := exec.LookPath(e); err == nil {
					info.Engine = e
					break
				}
			}
		}
	}
	if info.Engine != "" {
		info.EngineVersion = firstLine(info.Engine, "--version")
	}
	info.Variables = slices.Sorted(maps.Keys(env.Variables))
	info.Tools = slices.Sorted(maps.Keys(m.Tools))
	info.TestSuites = slices.Sorted(maps.Keys(m.Tests))
	info.BuildTargets = slices.Sorted(maps.Keys(m.Build.Targets))
	return info
}

// firstLine runs a version command and returns the first line it prints.
func firstLine(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}
