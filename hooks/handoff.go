package hooks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/architectos/aos/hooks/receive"
	"github.com/architectos/aos/workflow"
)

// The pre-receive hook hands the post-receive hook what it decided about
// an accepted push (docs/hooks.md, "Post-receive"): the result commits to
// note with the runner login or the re-run it accepted them on, and the
// agent branches the push moved. The post-receive hook of the same push
// takes it and does only that, without reading the rules or the commits
// again; without one (a push the pre-receive hook of an older git-aos
// judged, a first push, refs that git did not all move), it works them
// out itself. The handoff is a file of the git directory, named by a
// digest of the pusher and the ref updates, so that the post-receive
// hook finds exactly the decision about the updates git made.
const HandoffDir = "aos/handoff"

// handoffVersion is the format of a handoff; another is not taken.
const handoffVersion = 1

// maxHandoffAge is how long a handoff stays valid: a push's post-receive
// hook runs right after its pre-receive hook; an older handoff is one
// whose refs git did not move, and is swept.
const maxHandoffAge = 10 * time.Minute

// handoff is the pre-receive hook's decision for the post-receive hook.
type handoff struct {
	Version int `json:"version"`
	// Vouches are the result commits to note, in the order judged.
	Vouches []handoffVouch `json:"vouches,omitempty"`
	// AgentRefs are the agent branches the push moved.
	AgentRefs []string `json:"agent_refs,omitempty"`
}

type handoffVouch struct {
	Commit string         `json:"commit"`
	Vouch  workflow.Vouch `json:"vouch"`
}

// handoffName is the file name of the handoff for user's updates.
func handoffName(user string, updates []receive.Update) string {
	h := sha256.New()
	h.Write([]byte("git-aos handoff 1\x00" + user + "\x00"))
	for _, u := range updates {
		h.Write([]byte(u.Old + " " + u.New + " " + u.Ref + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil)) + ".json"
}

// idleName is the name of the idle mark of the push git's process pid
// receives (docs/hooks.md, "Post-receive"): git starts both hooks of a
// push, so each sees it as its parent; "" when the hook has no parent to
// tell it by.
func idleName(pid int) string {
	if pid <= 1 {
		return ""
	}
	return "idle-" + strconv.Itoa(pid)
}

// clearIdle removes the idle mark of the push git's process pid
// receives, before anything is judged: a mark an earlier process of the
// same id left (its post-receive hook never ran) never stands for this
// push.
// A mark that is there and cannot be removed is an error: it would end
// this push's post-receive hook, whatever it has to note.
func clearIdle(gitDir string, pid int) error {
	n := idleName(pid)
	if n == "" {
		return nil
	}
	if err := os.Remove(filepath.Join(gitDir, HandoffDir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the idle mark of an earlier push: %w", err)
	}
	return nil
}

// writeHandoff writes the handoff of an accepted push, and sweeps the
// stale ones. A push with nothing to note gets an idle mark too, naming
// its handoff: the post-receive script of a hook without a runner ends
// there, without starting git-aos, and takes both.
func writeHandoff(gitDir, user string, updates []receive.Update, h *handoff, pid int) error {
	dir := filepath.Join(gitDir, HandoffDir)
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	name := handoffName(user, updates)
	if err := writeFileAtomic(filepath.Join(dir, name), b); err != nil {
		return err
	}
	if idle := idleName(pid); idle != "" && len(h.Vouches) == 0 {
		if err := writeFileAtomic(filepath.Join(dir, idle), []byte(name+"\n")); err != nil {
			return err
		}
	}
	if ents, err := os.ReadDir(dir); err == nil {
		for _, e := range ents {
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > maxHandoffAge {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	return nil
}

// takeHandoff returns the handoff for user's updates and removes it, or
// nil when there is none to take.
func takeHandoff(gitDir, user string, updates []receive.Update) *handoff {
	p := filepath.Join(gitDir, HandoffDir, handoffName(user, updates))
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || time.Since(fi.ModTime()) > maxHandoffAge || fi.Size() > 1<<20 {
		return nil
	}
	var h handoff
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil || h.Version != handoffVersion {
		return nil
	}
	// Taken once: a removal that fails leaves it to the sweep.
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return &h
}

// handoff returns the decision about an accepted push for the
// post-receive hook.
func (c *checker) handoff() *handoff {
	h := &handoff{Version: handoffVersion, AgentRefs: c.agentUpdates}
	seen := map[string]bool{}
	for _, v := range c.res.Commits {
		if v.Vouch == nil || v.Vouch.By == workflow.VouchSignature || seen[v.ID] {
			continue
		}
		seen[v.ID] = true
		h.Vouches = append(h.Vouches, handoffVouch{Commit: v.ID, Vouch: *v.Vouch})
	}
	return h
}

// postGitDir is the git directory the post-receive hook runs for: git's
// GIT_DIR, relative to the directory the hook runs in.
func postGitDir(opts PostReceiveOptions) string {
	d := strings.TrimSpace(opts.Getenv("GIT_DIR"))
	if d == "" {
		return opts.Dir
	}
	if !filepath.IsAbs(d) {
		d = filepath.Join(opts.Dir, d)
	}
	return d
}
