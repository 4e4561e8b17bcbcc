package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/gitops/trailer"
)

// LogEntry is one run of the audit log, read from a result commit and its
// run record (docs/spec.md 9).
type LogEntry struct {
	Commit     string         `json:"commit"`
	PlanCommit string         `json:"plan_commit"`
	PlanID     string         `json:"plan_id"`
	Goal       string         `json:"goal"`
	Author     string         `json:"author"`
	Date       string         `json:"date"`
	Base       string         `json:"base"`
	PlanBase   string         `json:"plan_base,omitempty"`
	Result     string         `json:"result"`
	Manifest   RecordManifest `json:"manifest"`
	RunOutcome
	// Error says why the run record could not be read; the entry then
	// holds only what the commit message says.
	Error string `json:"error,omitempty"`
}

// LogOptions configure [Log].
type LogOptions struct {
	Dir   string
	Range string // anything git rev-list takes; "" is HEAD
	Limit int    // 0 is no limit
}

// Log reads the audit log from history alone.
func Log(ctx context.Context, opts LogOptions) ([]LogEntry, error) {
	repo, err := openRepository(opts.Dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	rng := opts.Range
	if rng == "" {
		rng = "HEAD"
	}
	if strings.HasPrefix(rng, "-") {
		return nil, fmt.Errorf("range %q: a range may not start with '-'", rng)
	}
	return readLog(ctx, repo, strings.Fields(rng), opts.Limit)
}

// History returns the audit log of commit's history, newest first, at
// most limit runs.
func History(ctx context.Context, repo *gitops.Repo, commit string, limit int) ([]LogEntry, error) {
	return readLog(ctx, repo, []string{commit}, limit)
}

// readLog lists result commits among the commits rev-list gives for args.
func readLog(ctx context.Context, repo *gitops.Repo, args []string, limit int) ([]LogEntry, error) {
	// Result commits carry the Aos-Run trailer; let git filter by message
	// so that a long history costs one pass.
	ids, err := repo.RevList(append([]string{"--regexp-ignore-case", "--grep=^aos-run[[:blank:]]*:"}, args...)...)
	if err != nil {
		return nil, err
	}
	entries := []LogEntry{}
	for _, id := range ids {
		if limit > 0 && len(entries) >= limit {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e, ok, err := readEntry(repo, id)
		if err != nil {
			return nil, err
		}
		if ok {
			entries = append(entries, e)
		}
	}
	return entries, nil
}

// readEntry reads the run of result commit id; ok is false when id is not
// a result commit.
func readEntry(repo *gitops.Repo, id string) (LogEntry, bool, error) {
	info, err := repo.CommitInfo(id)
	if err != nil {
		return LogEntry{}, false, err
	}
	claim, tr, cerr := trailer.ReadClaim(info.Message)
	if cerr == nil && claim != trailer.ResultClaim {
		return LogEntry{}, false, nil
	}
	runPath := tr[TrailerRun]
	e := LogEntry{Commit: id, PlanID: tr[TrailerPlanID], Result: tr[TrailerResult],
		Author: fmt.Sprintf("%s <%s>", info.Author.Name, info.Author.Email),
		Date:   info.Author.When.Format(time.RFC3339)}
	if len(info.Parents) > 0 {
		e.PlanCommit = info.Parents[0]
	}
	if cerr != nil {
		// It claims to be a run, and its message has no one reading.
		e.Error = cerr.Error()
		return e, true, nil
	}
	data, _, ok, err := repo.ReadPath(id, runPath)
	switch {
	case err != nil:
		e.Error = err.Error()
	case !ok:
		e.Error = fmt.Sprintf("no run record at %s", runPath)
	default:
		rec, err := DecodeRecord(data)
		if err != nil {
			e.Error = err.Error()
			break
		}
		e.Goal, e.Base, e.PlanBase, e.Manifest = rec.Plan.Goal, rec.Base, rec.Plan.Base, rec.Manifest
		e.RunOutcome = rec.RunOutcome
		if rec.Result != e.Result {
			e.Error = fmt.Sprintf("the run record says %q, the commit message %q", rec.Result, e.Result)
		}
	}
	return e, true, nil
}
