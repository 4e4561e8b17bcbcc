package workflow

import (
	"fmt"
	"strings"

	"github.com/architectos/aos"
	"github.com/architectos/aos/gitops"
	"github.com/architectos/aos/patch"
)

// treeDiff is one difference between two trees.
type treeDiff struct {
	Path   string
	Status aos.ChangeStatus
	Mode   uint32
	Hash   string
}

// diffTrees lists the files that differ from a to b, sorted by path,
// reading only the subtrees that differ (gitops.DiffTrees).
func diffTrees(repo *gitops.Repo, a, b *gitops.Tree) ([]treeDiff, error) {
	changes, err := repo.DiffTrees(a.Root(), b.Root())
	if err != nil {
		return nil, err
	}
	out := make([]treeDiff, 0, len(changes))
	for _, c := range changes {
		d := treeDiff{Path: c.Path, Status: aos.StatusModified, Mode: c.NewMode, Hash: c.NewHash}
		switch {
		case c.OldMode == 0:
			d.Status = aos.StatusAdded
		case c.NewMode == 0:
			d.Status, d.Mode, d.Hash = aos.StatusDeleted, c.OldMode, c.OldHash
		}
		out = append(out, d)
	}
	return out, nil
}

func describeDiff(d []treeDiff) string {
	if len(d) == 0 {
		return "nothing"
	}
	var parts []string
	for i, x := range d {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(d)-5))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", x.Path, x.Status))
	}
	return strings.Join(parts, ", ")
}

// touched returns the paths a plan's directives name and the directories
// it lists (docs/spec.md 6.3).
func touched(p *aos.Plan) (paths map[string]bool, dirs []string) {
	paths = map[string]bool{}
	for _, d := range p.Directives {
		switch d.Type {
		case aos.LS:
			dirs = append(dirs, d.Path)
		case aos.Quarantine:
			paths[d.Path] = true
			paths[aos.QuarantinePath(d.Path)] = true
		case aos.Search:
			// Every file beneath the path, or the file it names.
			if d.Path == "" {
				dirs = append(dirs, ".")
			} else {
				dirs = append(dirs, d.Path)
				paths[d.Path] = true
			}
		case aos.ApplyPatch:
			if fps, err := patch.Parse(d.Patch); err == nil {
				for _, fp := range fps {
					for _, q := range fp.Paths() {
						paths[q] = true
					}
				}
			}
		default:
			if d.Path != "" {
				paths[d.Path] = true
			}
		}
	}
	return paths, dirs
}

// stalePaths returns the paths the plan touches that differ between the
// plan's named base and the base it runs on.
func stalePaths(repo *gitops.Repo, plan *aos.Plan, base *gitops.Tree) ([]string, error) {
	if plan.Base == "" {
		return nil, nil
	}
	id, err := repo.Resolve(plan.Base)
	if err != nil {
		hint := "fetch it"
		if repo.IsShallow() {
			hint = "this is a shallow clone: fetch it with git fetch --unshallow"
		}
		return nil, aos.WithHint(fmt.Errorf("the plan's base %q is not in this repository: %w", plan.Base, err), hint)
	}
	if id == base.Commit {
		return nil, nil
	}
	named, err := repo.CommitTree(id)
	if err != nil {
		return nil, err
	}
	diff, err := diffTrees(repo, named, base)
	if err != nil {
		return nil, err
	}
	paths, dirs := touched(plan)
	var out []string
	for _, d := range diff {
		hit := paths[d.Path]
		for p := range paths {
			// A path that was a directory or ran through a file.
			if !hit && (strings.HasPrefix(d.Path, p+"/") || strings.HasPrefix(p, d.Path+"/")) {
				hit = true
			}
		}
		for _, dir := range dirs {
			if !hit && (dir == "." || strings.HasPrefix(d.Path, dir+"/")) {
				hit = true
			}
		}
		if hit {
			out = append(out, d.Path)
		}
	}
	return out, nil
}

// staleViolation reports a plan whose named base is behind the base it
// runs on in a path it touches (docs/spec.md 6.3).
func staleViolation(repo *gitops.Repo, plan *aos.Plan, base *gitops.Tree) ([]aos.Violation, error) {
	stale, err := stalePaths(repo, plan, base)
	if err != nil || len(stale) == 0 {
		return nil, err
	}
	return []aos.Violation{{Directive: -1, Rule: aos.RulePlanStale,
		Message: fmt.Sprintf("the plan was written against %s and these paths it touches changed since: %s", plan.Base, strings.Join(stale, ", "))}}, nil
}
