package hooks

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/hooks/receive"
	"github.com/architectos/aos/workflow"
)

// PostReceiveOptions configure [RunPostReceive].
type PostReceiveOptions struct {
	// Dir is the git directory the hook runs in.
	Dir string
	// Stdin is what receive-pack writes to the hook: the updated refs.
	Stdin  io.Reader
	Getenv func(string) string
	// Policy, UserEnv, AllowedSigners, RevokedSigners and RerunJobs are
	// those of the pre-receive hook ([Options]).
	Policy, UserEnv                string
	AllowedSigners, RevokedSigners string
	RerunJobs                      bool
	// AllowHostJobs lets the runner run jobs of environment.type host.
	AllowHostJobs bool
	// RunnerKey, when set, is the key the post-receive runner signs
	// results with: a push that moves an agent branch to a plan commit
	// queues a run, and the runner is started detached from the push.
	RunnerKey string
	// Start starts the runner with the arguments of git-aos; nil starts
	// this executable in its own session, its standard streams closed.
	Start func(args []string) error
}

// PostReceiveResult is what the post-receive hook did.
type PostReceiveResult struct {
	// Log holds the lines shown to the pusher.
	Log []string
	// Vouched are the result commits noted as vouched for by a runner
	// login or a re-run, and Queued the branches queued for the runner.
	Vouched []string
	Queued  []string
}

// RunPostReceive is the post-receive hook (docs/spec.md 11.2, 11.3): it
// notes who vouched for the job records of result commits that the push
// brought to protected and agent branches without a signature (a runner
// login, a re-run), and with a runner key queues the plan commits pushed
// to agent branches and starts the runner. Git has moved the refs
// already: an error here changes nothing of the push.
func RunPostReceive(ctx context.Context, opts PostReceiveOptions) (*PostReceiveResult, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	updates, err := receive.Parse(opts.Stdin)
	if err != nil {
		return nil, err
	}
	c := &checker{opts: Options{Getenv: opts.Getenv, UserEnv: opts.UserEnv}, res: &Result{}, policy: opts.Policy,
		manifests: map[string]*workflow.LoadedManifest{}, plain: map[*workflow.LoadedManifest]*workflow.LoadedManifest{},
		rerun: opts.RerunJobs, defTipBefore: map[string]string{}}
	c.identify()
	// An idle mark the script did not take (a runner's script does not
	// look for one) goes with the push; one left behind is removed by
	// the next pre-receive hook of the same parent, or swept.
	_ = clearIdle(postGitDir(opts), os.Getppid())
	if h := takeHandoff(postGitDir(opts), c.res.User, updates); h != nil {
		return postFromHandoff(ctx, opts, h, updates)
	}
	repo, err := gitops.Open(opts.Dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	c.opts.Repo, c.repo = repo, repo
	for _, u := range updates {
		if !u.Creation() {
			c.defTipBefore[u.Ref] = u.Old
		}
	}
	// The rules are read when something needs them: most pushes bring no
	// job records to note, and no runner is set up.
	loaded := false
	c.rules = func() error {
		if loaded {
			return nil
		}
		loaded = true
		if err := c.loadRules(); err != nil {
			return err
		}
		c.signers, err = workflow.SignerFiles(repo, opts.AllowedSigners, opts.RevokedSigners)
		return err
	}
	out := &PostReceiveResult{}
	for _, u := range updates {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if u.Deletion() {
			continue
		}
		if err := c.noteVouches(u, out); err != nil {
			return out, fmt.Errorf("%s: %w", u.Ref, err)
		}
		if opts.RunnerKey == "" {
			continue
		}
		if err := c.rules(); err != nil {
			return out, err
		}
		if !c.isAgentBranch(u.Ref) {
			continue
		}
		if err := queueRun(repo, u, out); err != nil {
			return out, err
		}
	}
	return out, startRunner(repo, opts, out)
}

// postFromHandoff does what the pre-receive hook decided about the push
// (handoff.go): notes the result commits' vouches, and with a runner key
// queues the plan commits pushed to agent branches.
func postFromHandoff(ctx context.Context, opts PostReceiveOptions, h *handoff, updates []receive.Update) (*PostReceiveResult, error) {
	out := &PostReceiveResult{}
	agent := map[string]bool{}
	for _, r := range h.AgentRefs {
		agent[r] = true
	}
	runs := opts.RunnerKey != "" && len(agent) > 0
	if len(h.Vouches) == 0 && !runs {
		return out, nil
	}
	repo, err := gitops.Open(opts.Dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	who := gitops.Ident{Name: "git-aos", Email: "git-aos@localhost", When: time.Now()}
	for _, v := range h.Vouches {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if err := noteVouch(repo, who, v.Commit, v.Vouch); err != nil {
			return out, err
		}
		out.Vouched = append(out.Vouched, v.Commit)
	}
	if !runs {
		return out, nil
	}
	for _, u := range updates {
		if u.Deletion() || !agent[u.Ref] {
			continue
		}
		if err := queueRun(repo, u, out); err != nil {
			return out, err
		}
	}
	return out, startRunner(repo, opts, out)
}

// queueRun queues a run of the runner when update u moved an agent
// branch to a plan commit.
func queueRun(repo *gitops.Repo, u receive.Update, out *PostReceiveResult) error {
	info, err := repo.CommitInfo(u.New)
	if err != nil || !workflow.IsPlanCommitMessage(info.Message) {
		return nil
	}
	if err := Queue(repo.GitDir, u.Ref); err != nil {
		return err
	}
	out.Queued = append(out.Queued, u.Ref)
	b := strings.TrimPrefix(u.Ref, "refs/heads/")
	out.Log = append(out.Log, fmt.Sprintf("the server runs plan %s of %s; fetch the branch for its result (git fetch origin %s), and for the reasons of a rejection git fetch origin %s:%s",
		workflow.PlanIDOf(info.Message), b, b, workflow.NotesRef, workflow.NotesRef))
	return nil
}

// startRunner starts the runner when runs were queued.
func startRunner(repo *gitops.Repo, opts PostReceiveOptions, out *PostReceiveResult) error {
	if len(out.Queued) == 0 {
		return nil
	}
	args := []string{"hook", "runner", "--repo", repo.GitDir, "--runner-key", opts.RunnerKey}
	if opts.Policy != "" {
		args = append(args, "--policy", opts.Policy)
	}
	if opts.AllowHostJobs {
		args = append(args, "--allow-host-jobs")
	}
	start := opts.Start
	if start == nil {
		start = startDetached
	}
	if err := start(args); err != nil {
		return fmt.Errorf("start the runner: %w; the runs stay queued for the next push or git aos hook runner --repo %s", err, repo.GitDir)
	}
	return nil
}

// noteVouches notes, for each result commit with job records that update
// u brought to a protected or agent branch and that no allowed signature
// vouches for, the runner login or the re-run the pre-receive hook
// accepted it on.
//
// Only result commits with job records need a note: the rules are read
// (c.rules) once the update brings one.
func (c *checker) noteVouches(u receive.Update, out *PostReceiveResult) error {
	if !strings.HasPrefix(u.Ref, "refs/heads/") {
		return nil // protected and agent refs are branches
	}
	args := []string{"--reverse", u.New}
	if u.Creation() {
		args = append(args, "--not", "--exclude="+u.Ref, "--all")
	} else {
		args = append(args, "^"+u.Old)
	}
	commits, err := c.repo.RevList(args...)
	if err != nil {
		return err
	}
	infos := map[string]*gitops.CommitInfo{}
	withJobs := false
	for _, id := range commits {
		if infos[id], err = c.repo.CommitInfo(id); err != nil {
			return err
		}
		if withJobs || !workflow.IsResultCommitMessage(infos[id].Message) {
			continue
		}
		jobs, err := workflow.RecordedJobs(c.repo, id)
		if err != nil {
			return err
		}
		withJobs = len(jobs) > 0
	}
	if !withJobs {
		return nil
	}
	if err := c.rules(); err != nil {
		return err
	}
	kind := c.kindOf(u.Ref)
	if kind == otherRef {
		return nil
	}
	if err := c.checkSignatures(kind, commits, infos); err != nil {
		return err
	}
	lm := c.def
	if kind == protectedRef && !u.Creation() {
		if lm, err = c.manifestAt(u.Old); err != nil {
			return err
		}
	}
	who := gitops.Ident{Name: "git-aos", Email: "git-aos@localhost", When: time.Now()}
	for _, id := range commits {
		if !workflow.IsResultCommitMessage(infos[id].Message) {
			continue
		}
		t, err := c.trustJobs(kind, lm, id)
		if err != nil {
			return err
		}
		var v workflow.Vouch
		switch {
		case !t.needed || (t.vouch != nil && t.vouch.By == workflow.VouchSignature):
			continue
		case t.vouch != nil:
			v = *t.vouch
		case t.rerun:
			v = workflow.Vouch{By: workflow.VouchServerRerun}
		default:
			continue
		}
		if err := noteVouch(c.repo, who, id, v); err != nil {
			return err
		}
		out.Vouched = append(out.Vouched, id)
	}
	return nil
}

// noteVouch notes on result commit id who vouched for its job records.
func noteVouch(repo *gitops.Repo, who gitops.Ident, id string, v workflow.Vouch) error {
	line := workflow.VouchNoteLine(v)
	return repo.SetNote(workflow.NotesRef, id, who, "aos: "+line, func(old string) string {
		if strings.Contains("\n"+old, "\n"+line+"\n") {
			return old
		}
		if old == "" {
			old = "aos: who vouches for the job records of this run\n\n"
		}
		return old + line + "\n"
	})
}

// startDetached starts this executable with args in its own session, its
// standard streams on /dev/null and git's repository variables removed,
// and does not wait for it: the push returns while it runs.
func startDetached(args []string) error {
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = runnerEnv(os.Environ())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}

// runnerEnv is the environment of the runner: the hook's, without the
// variables that tie git to this push (its git directory, quarantine and
// push options) and GIT_EXEC_PATH, by which git-aos knows it runs under
// git and is to stop when git dies: the runner outlives the push.
func runnerEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "GIT_DIR", k == "GIT_WORK_TREE", k == "GIT_INDEX_FILE", k == "GIT_OBJECT_DIRECTORY",
			k == "GIT_ALTERNATE_OBJECT_DIRECTORIES", k == "GIT_QUARANTINE_PATH", k == "GIT_PROTOCOL", k == "GIT_EXEC_PATH",
			strings.HasPrefix(k, "GIT_PUSH_OPTION"), strings.HasPrefix(k, "GIT_PUSH_CERT"):
			continue
		}
		out = append(out, kv)
	}
	return out
}
