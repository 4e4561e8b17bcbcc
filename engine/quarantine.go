package engine

import (
	"fmt"

	"github.com/architectos/aos"
)

// quarantine moves the regular file at d.Path into the quarantine, byte
// for byte and never executable, judged as a delete of the file and a
// write of its place there (docs/spec.md 4.9).
func (r *runner) quarantine(d *aos.Directive, o *aos.Outcome) {
	p := d.Path
	if !r.readable(d, p) {
		return
	}
	if mode := r.st.files[p].mode; mode != aos.ModeFile && mode != aos.ModeExecutable {
		r.violate(d, p, aos.RulePathNotFile, fmt.Sprintf("QUARANTINE moves regular files, and this is a %s", typeOf(mode)))
		return
	}
	ok := r.deny(d, p, r.pol.Delete())
	ok = r.deny(d, p, r.opts.Rules.CanWrite(p)) && ok
	dest := aos.QuarantinePath(p)
	if !r.checkPath(d, dest) {
		return
	}
	// What the rules hide is judged before anything about what is
	// there, so that an ignored quarantine answers as a missing one.
	if den := r.opts.Rules.CanWrite(dest); den != nil {
		r.violate(d, dest, den.Rule, den.Msg)
		return
	}
	if _, exists := r.st.files[dest]; exists || r.st.IsDir(dest) && r.dirVisible(dest) {
		r.violate(d, dest, aos.RuleQuarantineExists, "the quarantine holds something there already; nothing in it is overwritten")
		return
	}
	deletes, can := r.canWrite(d, dest)
	if !can || !ok {
		return
	}
	data, err := r.st.Read(p)
	if err != nil {
		r.failRead(d, p, err)
		return
	}
	if !r.deny(d, dest, r.pol.Size(int64(len(data)))) {
		return
	}
	paths := append([]string{p, dest}, deletes...)
	r.approve(d, paths)
	for _, q := range deletes {
		r.st.remove(q)
	}
	r.st.remove(p)
	r.st.put(dest, aos.ModeFile, data)
	r.gen++
	o.Size, o.Digest, o.Mode = int64(len(data)), Digest(data), fmt.Sprintf("%o", aos.ModeFile)
	o.Paths = paths
}
