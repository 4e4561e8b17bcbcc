package hooks

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/architectos/aos/gitops"
)

// Runs lists the runs of the post-receive runner of the repository at
// dir, newest first (git aos hook runs). A run recorded as running whose
// process is gone, or whose branch no runner holds, is RunInterrupted.
func Runs(dir string) ([]RunnerRun, error) {
	repo, err := gitops.Open(dir)
	if err != nil {
		return nil, err
	}
	gitDir := repo.GitDir
	repo.Close()
	runsDir := filepath.Join(gitDir, RunnerDir, "runs")
	ents, err := os.ReadDir(runsDir)
	if errors.Is(err, os.ErrNotExist) {
		return []RunnerRun{}, nil
	} else if err != nil {
		return nil, err
	}
	out := []RunnerRun{}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(runsDir, e.Name()))
		if err != nil {
			return nil, err
		}
		var run RunnerRun
		if err := json.Unmarshal(b, &run); err != nil {
			// A run's state is written atomically: this is no run's.
			continue
		}
		if run.State == RunRunning && (!alive(run.PID) || !locked(filepath.Join(gitDir, RunnerDir), run.Branch)) {
			run.State = RunInterrupted
		}
		out = append(out, run)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

// alive reports whether process pid exists.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// locked reports whether a runner holds the lock of branch ref.
func locked(dir, ref string) bool {
	f, err := os.Open(filepath.Join(dir, "locks", refKey(ref)+".flock"))
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return true
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}
