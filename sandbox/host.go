package sandbox

import (
	"fmt"
	"path/filepath"
)

// hostPlan runs the job as a child of this process: /bin/sh in the
// workspace directory, with a clean environment. Process-group handling is
// common to every backend (see execute).
func hostPlan(s Spec, v checked) (procPlan, error) {
	if v.limited {
		return procPlan{}, fmt.Errorf("environment.limits cannot be enforced by the host backend; use container: %w", ErrBadSpec)
	}
	if v.gitDir != "" {
		return procPlan{}, fmt.Errorf("environment.git needs a read-only mount, which the host backend cannot make; use bwrap or container: %w", ErrBadSpec)
	}
	if v.export != "" {
		return procPlan{}, fmt.Errorf("a tool's export needs a mount, which the host backend cannot make; use bwrap or container: %w", ErrBadSpec)
	}
	argv := append([]string{"/bin/sh", "-c", v.script}, v.shArgs...)
	env := cleanEnv(v.dir, v.vars)
	if v.changed != "" {
		env = append(env, changedVar+"="+v.changed)
	}
	return procPlan{
		argv: argv,
		env:  env,
		dir:  filepath.Join(v.dir, filepath.FromSlash(v.rel)),
	}, nil
}
