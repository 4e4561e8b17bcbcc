package report

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/hooks"
	"github.com/architectos/aos/workflow"
)

// WriteManifestCheck renders a manifest that passed manifest check.
func WriteManifestCheck(w io.Writer, c *workflow.ManifestCheck) error {
	_, err := fmt.Fprintf(w, "%s: valid manifest of project %s\n", c.File, c.Manifest.Project.Name)
	return err
}

// WriteWarm renders what cache warm compiled.
func WriteWarm(w io.Writer, res *workflow.WarmResult) error {
	if res.BuiltinOnly {
		_, err := fmt.Fprintf(w, "compiled the built-in module into %s\n", res.CacheDir)
		return err
	}
	_, err := fmt.Fprintf(w, "compiled the built-in module and %s into %s\n", plural(res.Modules, "validator module"), res.CacheDir)
	return err
}

// WriteInstalled renders what hook install did on w, and on warn the
// warning that the hook may not learn who pushes.
func WriteInstalled(w, warn io.Writer, res *hooks.Installed) error {
	if _, err := fmt.Fprintf(w, "installed %s\n", res.Hook); err != nil {
		return err
	}
	if res.FsckObjects {
		if _, err := fmt.Fprintln(w, "set receive.fsckObjects=true: git checks every pushed object before the hook runs"); err != nil {
			return err
		}
	}
	if res.PostReceive != "" {
		fmt.Fprintf(w, "installed %s\n", res.PostReceive)
	}
	if res.PostReceiveKept != "" {
		fmt.Fprintf(warn, "git-aos: warning: %s was not written by git-aos and is kept: runner logins and re-runs are not noted for git aos log (chain git aos hook post-receive from it)\n", res.PostReceiveKept)
	}
	if res.Signers != "" {
		n := len(res.SignerKeys)
		if res.Runner != nil {
			n++
		}
		fmt.Fprintf(w, "allowed signers %s: %d key(s)\n", res.Signers, n)
		for _, k := range res.SignerKeys {
			fmt.Fprintf(w, "  %s %s\n", k.Principals, k.Fingerprint)
		}
		if res.Runner != nil {
			fmt.Fprintf(w, "  %s %s (the post-receive runner's key)\n", res.Runner.Principals, res.Runner.Fingerprint)
		}
	}
	if res.Revoked != "" {
		fmt.Fprintf(w, "revoked signers %s\n", res.Revoked)
	}
	if res.Warm != nil {
		if err := WriteWarm(w, res.Warm); err != nil {
			return err
		}
	}
	if res.Unborn != "" {
		if _, err := fmt.Fprintf(w, "note: %s has no commit yet: its first push, by an identified pusher, alone, with a valid manifest, creates it; until then every other push is rejected\n", res.Unborn); err != nil {
			return err
		}
	}
	if !res.IdentityKnown() {
		fix := "--user-env NAME, the variable your server sets to the pusher's login (Gitea and Forgejo: GITEA_PUSHER_NAME; Gitolite: GL_USER; ssh: one the key's forced command sets; docs/hooks.md section 3)"
		if v := hooks.ServerUserEnv[res.Server]; v != "" {
			fix = fmt.Sprintf("--user-env %s: this looks like a %s repository, which names the pusher in %s", v, res.Server, v)
		}
		if _, err := fmt.Fprintf(warn, "git-aos: warning: the hook reads the pusher's login from %s, and every push is judged as an agent's when the server sets none of them\ngit-aos: hint: install again with %s\n", strings.Join(hooks.IdentityEnv, ", "), fix); err != nil {
			return err
		}
	}
	return nil
}

// WritePush renders the verdict on a push as the pre-receive hook prints
// it, one "git-aos: " line each, which git shows the pusher as
// "remote: git-aos: ...": what the hook noted, then "push accepted", or
// every reason to reject and a last line counting them.
func WritePush(w io.Writer, res *hooks.Result) error {
	var b strings.Builder
	for _, l := range res.Log {
		fmt.Fprintf(&b, "git-aos: %s\n", aos.Sanitize(l))
	}
	if res.OK() {
		b.WriteString("git-aos: push accepted\n")
	} else {
		hinted := map[string]bool{}
		for _, r := range res.Rejections {
			fmt.Fprintf(&b, "git-aos: rejected: %s\n", r)
		}
		for _, r := range res.Rejections {
			if r.Hint != "" && !hinted[r.Hint] {
				hinted[r.Hint] = true
				fmt.Fprintf(&b, "git-aos: hint: %s\n", r.Hint)
			}
		}
		fmt.Fprintf(&b, "git-aos: push rejected (%s); the rules are in the manifest of the protected branch (docs/hooks.md)\n", plural(len(res.Rejections), "reason"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteVersion renders the version of git-aos with the platform and the
// Go release it was built with.
func WriteVersion(w io.Writer, version string) error {
	_, err := fmt.Fprintf(w, "git-aos %s %s/%s %s\n", version, runtime.GOOS, runtime.GOARCH, runtime.Version())
	return err
}

// WriteSchema renders the manifest's schema, ending in a newline.
func WriteSchema(w io.Writer, schema []byte) error {
	if len(schema) > 0 && schema[len(schema)-1] != '\n' {
		schema = append(schema[:len(schema):len(schema)], '\n')
	}
	_, err := w.Write(schema)
	return err
}

// WriteDrift writes the note that the working tree's manifest is not the
// committed one: judged says whether the command judged by the committed
// one (plan check) or checked the working tree's (manifest check).
func WriteDrift(w io.Writer, d *workflow.ManifestDrift, judged bool) error {
	if d == nil {
		return nil
	}
	committed := fmt.Sprintf("%s committed at %.12s", d.Name, d.Commit)
	if d.Name == "" {
		committed = fmt.Sprintf("no manifest committed at %.12s", d.Commit)
	}
	wt := filepath.Base(d.File) + " in the working tree"
	if d.File == "" {
		wt = "no manifest in the working tree"
	}
	var line string
	switch {
	case judged && d.Name != "":
		line = fmt.Sprintf("note: judged by the manifest %s; %s differs, and counts once committed\n", committed, wt)
	case judged:
		line = fmt.Sprintf("note: judged by -m; %s\n", committed)
	default:
		line = fmt.Sprintf("note: checked %s, which differs from the %s: plan check, run and the hook judge by that one until this one is committed\n", wt, committed)
		if d.Name == "" {
			line = fmt.Sprintf("note: checked %s, and there is %s: plan check, run and the hook find none until this one is committed\n", wt, committed)
		}
	}
	_, err := io.WriteString(w, line)
	return err
}

// WriteValidateNote writes which manifest judged a commit when it was not
// its parent's.
func WriteValidateNote(w io.Writer, res *workflow.ValidateResult) error {
	if res.OwnManifest == "" {
		return nil
	}
	_, err := fmt.Fprintf(w, "note: the parent of %.12s has no manifest: judged by the %s that commit adds\n", res.Commit, res.OwnManifest)
	return err
}

// WriteRescueInit renders what rescuewp init made, on w, and on warn
// that the wp-core validator is off when no checksums were given.
func WriteRescueInit(w, warn io.Writer, res *workflow.RescueInitResult) error {
	if _, err := fmt.Fprintf(w, "%s: a repository of the WordPress %s site as found, commit %s, with the RescueWP manifest %s\n",
		res.Dir, res.Version, res.Commit, res.Manifest); err != nil {
		return err
	}
	if !res.WPCore {
		fmt.Fprintf(warn, "git-aos: warning: no --checksums: the wp-core validator is off; the core is not compared with WordPress %s's checksums\n", res.Version)
		fmt.Fprintf(warn, "git-aos: hint: git aos rescuewp checksums PRISTINE_DIR > sums.json, or fetch https://api.wordpress.org/core/checksums/1.0/?version=%s\n", res.Version)
	}
	_, err := fmt.Fprintf(w, "next: git aos validate --all (the assessment), then plans under the manifest\n")
	return err
}

// WritePostReceive renders what the post-receive hook did, one "git-aos: "
// line each, which git shows the pusher as "remote: git-aos: ...".
func WritePostReceive(w io.Writer, res *hooks.PostReceiveResult) error {
	var b strings.Builder
	for _, l := range res.Log {
		fmt.Fprintf(&b, "git-aos: %s\n", l)
	}
	if n := len(res.Vouched); n > 0 {
		fmt.Fprintf(&b, "git-aos: noted who vouched for the job records of %d result commit(s) under %s\n", n, workflow.NotesRef)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteRuns renders the post-receive runner's runs, newest first: as
// JSON, an array of them; as text, a line each with its log file.
func WriteRuns(w io.Writer, asJSON bool, runs []hooks.RunnerRun) error {
	if asJSON {
		if runs == nil {
			runs = []hooks.RunnerRun{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(runs)
	}
	var b strings.Builder
	if len(runs) == 0 {
		b.WriteString("no runs\n")
	}
	for _, r := range runs {
		fmt.Fprintf(&b, "%s %s %s plan %s %.12s", r.ID, r.State, strings.TrimPrefix(r.Branch, "refs/heads/"), r.PlanID, r.PlanCommit)
		switch {
		case r.Result != "":
			fmt.Fprintf(&b, ": result %.12s", r.Result)
		case len(r.Reasons) > 0:
			fmt.Fprintf(&b, ": %s", strings.ReplaceAll(r.Reasons[0], "\n", " "))
			if len(r.Reasons) > 1 {
				fmt.Fprintf(&b, " (and %d more)", len(r.Reasons)-1)
			}
		}
		fmt.Fprintf(&b, "\n  log %s\n", r.Log)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
