package hooks

import (
	"errors"
	"fmt"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/engine"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/hooks/receive"
	"github.com/architectos/aos/policy"
	"github.com/architectos/aos/workflow"
)

// RunnerHint says how to set up a runner, for a result commit whose job
// records nothing vouches for (docs/hooks.md, "Runners").
const RunnerHint = `set up a runner (docs/hooks.md, "Runners"): sign results with a key of the server's allowed signers (git aos apply --sign; git aos hook install --allowed-signers FILE), push them from a protect.runners login, let the server run the plans (git aos hook install --runner-key KEY), or install the hook with --rerun-jobs`

// errHostJobs refuses the jobs the server would run on the host.
var errHostJobs = errors.New("the server runs no job of environment.type host for a pusher: the pushed content would run unsandboxed beside the repositories and the runner's key; set environment.type to bwrap or container, or install the hooks with --allow-host-jobs")

// ServerRuntime is rt for the jobs the server runs on behalf of pushers
// (the post-receive runner, the hook's --rerun-jobs): a manifest whose
// environment.type is host has its jobs refused (sandbox.unavailable)
// unless allowHost.
func ServerRuntime(rt *workflow.Runtime, allowHost bool) *workflow.Runtime {
	if rt == nil || rt.Jobs == nil || allowHost {
		return rt
	}
	c := *rt
	jobs := rt.Jobs
	c.Jobs = func(m *aos.Manifest) (engine.JobRunner, error) {
		if m.Environment.Type == "host" {
			return nil, errHostJobs
		}
		return jobs(m)
	}
	return &c
}

// jobsRuntime is the runtime result commits are verified with: in a
// push, the server's (ServerRuntime); in a pull request, the caller's.
func (c *checker) jobsRuntime() *workflow.Runtime {
	if c.inRange {
		return c.opts.Runtime
	}
	return ServerRuntime(c.opts.Runtime, c.opts.AllowHostJobs)
}

// jobTrust is what vouches for the job records of a result commit, found
// before it is verified: whether one is needed, who vouches, why nothing
// does, and whether the jobs are to run again instead.
type jobTrust struct {
	needed bool
	vouch  *workflow.Vouch
	why    []string
	rerun  bool
}

// checkSignatures has git check the signatures of the result commits
// among commits, when they land on a protected or agent branch: one git
// process for the whole update.
func (c *checker) checkSignatures(kind refKind, commits []string, infos map[string]*gitops.CommitInfo) error {
	c.sigs = nil
	if kind != protectedRef && kind != agentRef {
		return nil
	}
	var ids []string
	for _, id := range commits {
		if workflow.IsResultCommitMessage(infos[id].Message) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	sigs, err := c.repo.Signatures(ids, c.signers)
	if err != nil {
		return err
	}
	c.sigs = sigs
	return nil
}

// trustJobs decides, before result commit id is verified, what vouches
// for its job records on a ref of kind, judged by lm (docs/spec.md 11.1):
// an allowed signature, else a runner login, else running them again
// when the hook does.
func (c *checker) trustJobs(kind refKind, lm *workflow.LoadedManifest, id string) (jobTrust, error) {
	if (kind != protectedRef && kind != agentRef) || c.replayJobs {
		return jobTrust{}, nil
	}
	jobs, err := workflow.RecordedJobs(c.repo, id)
	if err != nil {
		return jobTrust{}, err
	}
	return c.trustOf(kind, lm, id, jobs), nil
}

// trustOf is trustJobs for the job records jobs of result commit id, as
// its run record holds them.
func (c *checker) trustOf(kind refKind, lm *workflow.LoadedManifest, id string, jobs []aos.JobRecord) jobTrust {
	if (kind != protectedRef && kind != agentRef) || c.replayJobs {
		return jobTrust{}
	}
	if len(jobs) == 0 {
		// Verification rejects a record it cannot read; a record without
		// jobs needs no runner.
		return jobTrust{}
	}
	t := jobTrust{needed: true}
	if c.ranJobs[id] {
		t.vouch = &workflow.Vouch{By: workflow.VouchServerRerun}
		return t
	}
	sig, ok := c.sigs[id]
	if !ok {
		sig = gitops.Signature{Status: 'N'}
	}
	if sig.Good() {
		t.vouch = &workflow.Vouch{By: workflow.VouchSignature, Signer: sig.Principal, Key: sig.Key}
		return t
	}
	why := workflow.SignatureProblem(sig, c.signers)
	if c.signers.Allowed == "" && sig.Format == "" {
		why += ", and the server has no allowed signers"
	}
	t.why = append(t.why, why)
	if !c.inRange {
		switch user := c.res.User; {
		case user == "":
			t.why = append(t.why, "the pusher has no login, so it is no runner")
		case policy.MatchName(lm.Protect.Runners, user):
			t.vouch = &workflow.Vouch{By: workflow.VouchRunnerLogin, Login: user}
			return t
		case len(lm.Protect.Runners) == 0:
			t.why = append(t.why, fmt.Sprintf("the pusher %s is no runner (protect.runners lists none)", printable(user)))
		default:
			t.why = append(t.why, fmt.Sprintf("the pusher %s is not in protect.runners", printable(user)))
		}
	}
	if c.rerun {
		t.rerun = true
		return t
	}
	t.why = append(t.why, "the hook does not run jobs again (--rerun-jobs)")
	return t
}

// rejectUnvouched refuses a result commit whose job records nothing
// vouches for, with the hint that says how to set up a runner.
func (c *checker) rejectUnvouched(u receive.Update, id string, jobs []aos.JobRecord, why []string) {
	var names []string
	for i, j := range jobs {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(jobs)-5))
			break
		}
		names = append(names, fmt.Sprintf("%s %s", j.Kind, printable(j.Name)))
	}
	c.res.Rejections = append(c.res.Rejections, Rejection{Ref: u.Ref, Commit: id, Rule: aos.RuleProtectRunner, Hint: RunnerHint,
		Msg: fmt.Sprintf("its run record holds %d job record(s) (%s), which are claims of whoever ran apply, and no runner vouches for them: %s",
			len(jobs), strings.Join(names, ", "), strings.Join(why, "; "))})
}
