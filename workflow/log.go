package workflow

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/gitops/trailer"
	"github.com/architectos/aos/workflow/record"
)

// LogEntry is one run of the audit log, read from a result commit and its
// run record (docs/spec.md 9).
type LogEntry struct {
	Commit     string          `json:"commit"`
	PlanCommit string          `json:"plan_commit"`
	PlanID     string          `json:"plan_id"`
	Goal       string          `json:"goal"`
	Author     string          `json:"author"`
	Date       string          `json:"date"`
	Base       string          `json:"base"`
	PlanBase   string          `json:"plan_base,omitempty"`
	Result     string          `json:"result"`
	Manifest   record.Manifest `json:"manifest"`
	// State is "merged" when the run is in HEAD's history, "pending"
	// when only an agent branch holds it ([Log] only).
	State string `json:"state,omitempty"`
	// Branches are the agent branches (aos/*) that hold a pending run.
	Branches []string `json:"branches,omitempty"`
	record.Outcome
	// Vouch says who vouches for the run's job records (docs/spec.md 9);
	// only [Log] fills it in: it depends on signers and server notes,
	// not on history alone.
	Vouch *Vouch `json:"vouch,omitempty"`
	// Error says why the run record could not be read; the entry then
	// holds only what the commit message says.
	Error string `json:"error,omitempty"`
}

// LogOptions configure [Log].
type LogOptions struct {
	Dir string
	// Range is anything git rev-list takes; "" is HEAD and every agent
	// branch (refs/heads/aos/*).
	Range string
	// All reads the runs of every ref, as git log --all does.
	All   bool
	Limit int // 0 is no limit
	// AllowedSigners and RevokedSigners are the files signatures are
	// checked against; "" is the installed ones, else git's
	// configuration ([SignerFiles]).
	AllowedSigners string
	RevokedSigners string
}

// AgentBranches is the namespace of the branches propose and run create.
const AgentBranches = "refs/heads/aos/"

// Log reads the audit log from history alone (docs/spec.md 9): by
// default the runs of HEAD and of every agent branch, so that a run just
// made is listed before it is merged. Each entry says whether HEAD's
// history holds it (merged) or only agent branches do (pending).
func Log(ctx context.Context, opts LogOptions) ([]LogEntry, error) {
	repo, err := openRepository(opts.Dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	if opts.All && opts.Range != "" {
		return nil, aos.Usage(fmt.Errorf("--all and a range %q: give one or the other", opts.Range))
	}
	head, err := repo.Resolve("HEAD")
	if err != nil && !errors.Is(err, gitops.ErrUnknownRevision) {
		return nil, err
	}
	agents, err := repo.Refs(AgentBranches)
	if err != nil {
		return nil, err
	}
	var args []string
	switch {
	case opts.All:
		args = []string{"--all"}
	case opts.Range != "":
		if strings.HasPrefix(opts.Range, "-") {
			return nil, aos.Usage(fmt.Errorf("range %q: a range may not start with '-'", opts.Range))
		}
		args = strings.Fields(opts.Range)
	default:
		if head != "" {
			args = append(args, head)
		}
		for _, ref := range sortedKeys(agents) {
			args = append(args, agents[ref])
		}
		if len(args) == 0 {
			// No commit yet, and no agent branch: an empty log.
			return []LogEntry{}, nil
		}
	}
	files, err := SignerFiles(repo, opts.AllowedSigners, opts.RevokedSigners)
	if err != nil {
		return nil, err
	}
	entries, err := readLog(ctx, repo, args, opts.Limit)
	if err != nil {
		return nil, err
	}
	if err := vouches(repo, entries, files); err != nil {
		return nil, err
	}
	return entries, markMerged(repo, head, agents, entries)
}

// markMerged sets the state of every entry: merged when HEAD's history
// holds it, else pending, with the agent branches that hold it. It costs
// one rev-list of HEAD's result commits and one of each agent branch's
// commits not in HEAD.
func markMerged(repo *gitops.Repo, head string, agents map[string]string, entries []LogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	merged := map[string]bool{}
	if head != "" {
		ids, err := repo.RevList(append(runGrep, head)...)
		if err != nil {
			return err
		}
		for _, id := range ids {
			merged[id] = true
		}
	}
	on := map[string][]string{}
	for _, ref := range sortedKeys(agents) {
		args := append(append([]string{}, runGrep...), agents[ref])
		if head != "" {
			args = append(args, "^"+head)
		}
		ids, err := repo.RevList(args...)
		if err != nil {
			return err
		}
		for _, id := range ids {
			on[id] = append(on[id], strings.TrimPrefix(ref, "refs/heads/"))
		}
	}
	for i := range entries {
		e := &entries[i]
		if merged[e.Commit] {
			e.State = "merged"
		} else {
			e.State, e.Branches = "pending", on[e.Commit]
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// History returns the audit log of commit's history, newest first, at
// most limit runs.
func History(ctx context.Context, repo *gitops.Repo, commit string, limit int) ([]LogEntry, error) {
	return readLog(ctx, repo, []string{commit}, limit)
}

// runGrep are the rev-list arguments that keep the commits whose message
// has an Aos-Run trailer line, as git reads trailers: in any case, with
// blanks before the colon.
var runGrep = []string{"--regexp-ignore-case", "--grep=^aos-run[[:blank:]]*:"}

// readLog lists result commits among the commits rev-list gives for args.
func readLog(ctx context.Context, repo *gitops.Repo, args []string, limit int) ([]LogEntry, error) {
	// Result commits carry the Aos-Run trailer; let git filter by message
	// so that a long history costs one pass.
	ids, err := repo.RevList(append(append([]string{"--date-order"}, runGrep...), args...)...)
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
		rec, err := record.Decode(data)
		if err != nil {
			e.Error = err.Error()
			break
		}
		e.Goal, e.Base, e.PlanBase, e.Manifest = rec.Plan.Goal, rec.Base, rec.Plan.Base, rec.Manifest
		e.Outcome = rec.Outcome
		if rec.Result != e.Result {
			e.Error = fmt.Sprintf("the run record says %q, the commit message %q", rec.Result, e.Result)
		}
	}
	return e, true, nil
}
