package hooks

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/hooks/receive"
	"github.com/architectos/aos/policy"
	"github.com/architectos/aos/workflow"
)

// The rules a push is judged by: who pushes, the trusted manifest of the
// default branch with the server policy, and which refs are protected or
// agents' (docs/hooks.md).

// identify reads the pusher's login from the server's environment and
// logs push options, which grant nothing.
func (c *checker) identify() {
	names := IdentityEnv
	if c.opts.UserEnv != "" {
		names = []string{c.opts.UserEnv}
	}
	src := ""
	for _, n := range names {
		if v := strings.TrimSpace(c.opts.Getenv(n)); v != "" {
			c.res.User, src = v, n
			break
		}
	}
	if n, err := strconv.Atoi(c.opts.Getenv("GIT_PUSH_OPTION_COUNT")); err == nil && n > 0 {
		var o []string
		for i := 0; i < n && i < 100; i++ {
			o = append(o, strconv.Quote(c.opts.Getenv(fmt.Sprintf("GIT_PUSH_OPTION_%d", i))))
		}
		c.res.Log = append(c.res.Log, "push options (shown only, they grant nothing): "+strings.Join(o, " "))
	}
	if c.res.User == "" {
		c.res.Log = append(c.res.Log, fmt.Sprintf("pusher unknown (none of %s is set): judged as an agent", strings.Join(names, ", ")))
		c.res.Agent = true
		return
	}
	c.res.Log = append(c.res.Log, fmt.Sprintf("pusher %s (from %s)", printable(c.res.User), src))
}

// firstPush judges a push to a repository whose default branch does not
// exist yet, as when the hook is installed before the first push: there
// is no manifest to read rules from, nor to say who is an agent. An
// identified pusher may create the default branch, alone in the push,
// with a tip that holds a manifest that loads (with the server policy);
// everything else is rejected (protect.first_push), and the log says
// which case it is. It returns false when the default branch exists.
func (c *checker) firstPush(updates []receive.Update) (bool, error) {
	def, tip, err := c.head()
	if err != nil || def == "" || tip != "" {
		return false, err
	}
	c.policy = c.serverPolicy()
	short := strings.TrimPrefix(def, "refs/heads/")
	c.res.Log = append(c.res.Log, fmt.Sprintf("the default branch %s (HEAD) does not exist yet: there are no rules to judge by until it holds a manifest", short))
	for _, u := range updates {
		switch {
		case u.Ref != def || !u.Creation():
			c.reject(u, "", "", aos.RuleProtectFirstPush, "the default branch %s does not exist yet, and its manifest holds the rules: push it alone first", short)
		case c.res.User == "":
			c.reject(u, "", "", aos.RuleProtectFirstPush, "only an identified pusher may create the default branch %s, and the server set none of %s (docs/hooks.md, Identity)", short, c.identityVars())
		default:
			commit, err := c.repo.PeelToCommit(u.New)
			if err != nil {
				return true, err
			}
			if commit == "" {
				c.reject(u, "", "", aos.RuleProtectNotCommit, "%.12s is not a commit or a tag of one", u.New)
				continue
			}
			if _, err := c.manifestAt(commit); err != nil {
				c.reject(u, commit, "", aos.RuleProtectFirstPush, "the first commit of the default branch %s must hold a valid manifest, which every later push is judged by: %v", short, err)
				continue
			}
			c.res.Log = append(c.res.Log, fmt.Sprintf("%s created by %s, with no rules to judge it by: from now on the manifest at its tip judges every push", short, printable(c.res.User)))
		}
	}
	return true, nil
}

// identityVars are the variables the pusher's login is read from.
func (c *checker) identityVars() string {
	if c.opts.UserEnv != "" {
		return c.opts.UserEnv
	}
	return strings.Join(IdentityEnv, ", ")
}

// agentName names the pusher, an agent, as the subject of a message: its
// login, or why it has none.
func (c *checker) agentName() string {
	if c.res.User != "" {
		return "agent " + printable(c.res.User)
	}
	return fmt.Sprintf("an unknown pusher (the server set none of %s; docs/hooks.md, Identity), judged as an agent,", c.identityVars())
}

// serverPolicy is the server policy file: --policy, else aos-policy.cue
// in the git directory when it is a regular file, else "".
func (c *checker) serverPolicy() string {
	if c.opts.Policy != "" {
		return c.opts.Policy
	}
	p := filepath.Join(c.repo.GitDir, PolicyFileName)
	if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
		return p
	}
	return ""
}

// loadRules reads the trusted manifest of the default branch and the
// protect section.
// head returns the branch HEAD names and its tip ("" when it has none),
// read once for the hook's run: the first-push check and the rules then
// agree on them.
func (c *checker) head() (def, tip string, err error) {
	if c.headRead {
		return c.headRef, c.headTip, nil
	}
	if def, err = c.repo.CurrentBranch(); err != nil || def == "" {
		return def, "", err
	}
	if tip, err = c.repo.RefTarget(def); err != nil {
		return "", "", err
	}
	c.headRead, c.headRef, c.headTip = true, def, tip
	return def, tip, nil
}

func (c *checker) loadRules() error {
	c.policy = c.serverPolicy()
	def, tip, err := c.head()
	if err != nil {
		return err
	}
	if def == "" {
		return fmt.Errorf("%w: the repository's HEAD names no branch", ErrNoTrustedManifest)
	}
	c.defBranch = def
	if t, ok := c.defTipBefore[def]; ok {
		// After the push (post-receive): the rules are those the push
		// was judged by.
		tip = t
	}
	if tip == "" {
		return aos.WithHint(fmt.Errorf("%w: the default branch %s (the repository's HEAD), which the rules are read from, does not exist yet", ErrNoTrustedManifest, strings.TrimPrefix(def, "refs/heads/")),
			"push its first commit before installing the hook, or point HEAD at the branch that holds the manifest (git symbolic-ref HEAD refs/heads/main)")
	}
	c.defTip = tip
	if c.def, err = c.manifestAt(tip); err != nil {
		return err
	}
	p := c.def.Protect
	c.protected = p.Branches
	if len(c.protected) == 0 {
		c.protected = []string{strings.TrimPrefix(def, "refs/heads/")}
	}
	c.agentRefs = p.AgentBranches
	if err := checkPatterns(c.protected, c.agentRefs, p.Agents); err != nil {
		return err
	}
	if c.res.User != "" && policy.MatchNameFolded(p.Agents, c.res.User) {
		c.res.Agent = true
	}
	if c.res.User != "" {
		role := "human"
		if c.res.Agent {
			role = "agent"
		}
		c.res.Log[len(c.res.Log)-1] += ": " + role
	}
	heads, err := c.repo.Refs("refs/heads/")
	if err != nil {
		return err
	}
	for ref, id := range heads {
		if c.isProtected(ref) {
			c.tips = append(c.tips, id)
		}
	}
	sort.Strings(c.tips)
	return nil
}

// manifestAt loads the manifest of a commit with the server policy.
func (c *checker) manifestAt(commit string) (*workflow.LoadedManifest, error) {
	if lm, ok := c.manifests[commit]; ok {
		return lm, nil
	}
	t, err := c.repo.CommitTree(commit)
	if err != nil {
		return nil, err
	}
	lm, err := workflow.ManifestFromTree(t, workflow.ManifestOptions{Policy: c.policy})
	if err != nil {
		return nil, fmt.Errorf("trusted manifest at %.12s: %w", commit, err)
	}
	if c.policy != "" {
		// Agents may run plans without the server's policy; their
		// results verify under the plain manifest and must pass the
		// policy as well (workflow.VerifyOptions.Plain).
		plain, err := workflow.ManifestFromTree(t, workflow.ManifestOptions{})
		if err != nil {
			return nil, fmt.Errorf("trusted manifest at %.12s: %w", commit, err)
		}
		c.plain[lm] = plain
	}
	c.manifests[commit] = lm
	return lm, nil
}

// checkPatterns refuses a malformed pattern of the protect section.
func checkPatterns(lists ...[]string) error {
	for _, list := range lists {
		for _, g := range list {
			if err := policy.CheckPattern(g); err != nil {
				return fmt.Errorf("protect: %w", err)
			}
		}
	}
	return nil
}

func (c *checker) isProtected(ref string) bool {
	b, ok := strings.CutPrefix(ref, "refs/heads/")
	return ok && policy.MatchNameFolded(c.protected, b)
}

func (c *checker) isAgentBranch(ref string) bool {
	b, ok := strings.CutPrefix(ref, "refs/heads/")
	return ok && policy.MatchNameFolded(c.agentRefs, b)
}
