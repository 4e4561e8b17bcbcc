package hooks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/workflow"
)

// The records of the runner's runs: <git dir>/aos/runner/runs/<run>.json
// and .log, the runner's own log, and the verdicts noted on plan commits.

// newRun starts the record of a run of plan commit pc.
func (r *runner) newRun(ref, pc string) *RunnerRun {
	now := time.Now().UTC()
	id := fmt.Sprintf("%s-%d-%d", now.Format("20060102T150405.000000000Z"), os.Getpid(), runSeq.Add(1))
	run := &RunnerRun{ID: id, Branch: ref, PlanCommit: pc, State: RunRunning, Started: now.Format(time.RFC3339Nano), PID: os.Getpid(),
		Log: filepath.Join(r.dir, "runs", id+".log")}
	if info, err := r.repo.CommitInfo(pc); err == nil {
		run.PlanID = workflow.PlanIDOf(info.Message)
	}
	r.writeRun(run)
	r.logRun(run, "run %s: plan %s of %s at plan commit %s", id, run.PlanID, ref, pc)
	return run
}

// finish records how a run ended.
func (r *runner) finish(run *RunnerRun, state, result string, reasons []string) {
	run.State, run.Result, run.Reasons = state, result, reasons
	run.Finished = time.Now().UTC().Format(time.RFC3339Nano)
	for _, l := range reasons {
		r.logRun(run, "%s", l)
	}
	switch state {
	case RunPass:
		r.logRun(run, "pass: the branch is at result commit %s, signed by the runner's key", result)
	default:
		r.logRun(run, "%s", state)
	}
	r.writeRun(run)
	r.runs = append(r.runs, *run)
}

// record finishes the run of a step once the branch is where it stays,
// and notes a verdict on plan commits that did not pass.
func (r *runner) record(st *step) error {
	var state string
	var reasons []string
	switch {
	case st.notRun != "":
		state, reasons = RunNotRun, []string{st.notRun}
	case st.err != nil:
		state, reasons = RunError, []string{st.err.Error()}
	case !st.res.OK():
		state, reasons = RunRejected, violationLines(st.res.Report)
	default:
		r.finish(st.run, RunPass, st.res.ResultCommit, nil)
		return nil
	}
	r.finish(st.run, state, "", reasons)
	ids := []string{st.run.PlanCommit}
	if st.applied != "" && st.applied != st.run.PlanCommit {
		ids = append(ids, st.applied)
	}
	for _, id := range ids {
		if err := r.note(id, st.run, state, reasons); err != nil {
			return err
		}
	}
	return nil
}

// note writes the runner's verdict on a plan commit under refs/notes/aos.
func (r *runner) note(id string, run *RunnerRun, state string, reasons []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "aos runner: plan %s %s\n\n", run.PlanID, state)
	for _, l := range reasons {
		b.WriteString(strings.ReplaceAll(l, "\n", " ") + "\n")
	}
	fmt.Fprintf(&b, "\n%s: %s\n%s: %s\n", verdictTrailer, state, runTrailer, run.ID)
	text := b.String()
	return r.repo.SetNote(workflow.NotesRef, id, r.committer(), "aos runner: "+state+" "+run.PlanID,
		func(string) string { return text })
}

// writeRun writes a run's state, atomically.
func (r *runner) writeRun(run *RunnerRun) {
	b, err := json.MarshalIndent(run, "", "  ")
	if err == nil {
		err = writeFileAtomic(filepath.Join(r.dir, "runs", run.ID+".json"), append(b, '\n'))
	}
	if err != nil {
		r.logf("run %s: %v", run.ID, err)
	}
}

// logRun appends a line to a run's log.
func (r *runner) logRun(run *RunnerRun, format string, args ...any) {
	appendLine(run.Log, fmt.Sprintf(format, args...))
}

// logf appends a line to the runner's own log, for what concerns no run.
func (r *runner) logf(format string, args ...any) {
	appendLine(filepath.Join(r.dir, "runner.log"), time.Now().UTC().Format(time.RFC3339)+" "+strconv.Itoa(os.Getpid())+" "+fmt.Sprintf(format, args...))
}

func appendLine(p, line string) {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	f.WriteString(strings.TrimRight(line, "\n") + "\n")
}

// violationLines are the reasons of a report, one per violation.
func violationLines(rep *aos.Report) []string {
	var out []string
	for _, v := range rep.Violations {
		out = append(out, v.String())
	}
	return out
}

// hasVerdict reports whether a note of refs/notes/aos, which only the
// server writes, holds the runner's verdict on a plan commit.
func hasVerdict(note string) bool {
	for _, line := range strings.Split(note, "\n") {
		if v, ok := strings.CutPrefix(line, verdictTrailer+": "); ok && strings.TrimSpace(v) != "" {
			return true
		}
	}
	return false
}
