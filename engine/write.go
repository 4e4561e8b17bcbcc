package engine

import (
	"fmt"

	"github.com/architectos/aos"
)

func (r *runner) write(d *aos.Directive, o *aos.Outcome) {
	p := d.Path
	deletes, ok := r.canWrite(d, p)
	if !ok {
		return
	}
	data := d.Content
	mode := aos.ModeFile
	if d.Type == aos.FileAppend {
		cur, exists := r.st.files[p]
		switch {
		case !exists || !r.visible(p):
			r.violate(d, p, aos.RulePathNotFound, "FILE_APPEND needs an existing file")
			return
		case cur.mode != aos.ModeFile && cur.mode != aos.ModeExecutable:
			r.violate(d, p, aos.RulePathNotFile, fmt.Sprintf("cannot append to a %s", typeOf(cur.mode)))
			return
		}
		old, err := r.st.Read(p)
		if err != nil {
			r.failRead(d, p, err)
			return
		}
		mode = cur.mode
		if d.Executable {
			mode = aos.ModeExecutable
		}
		r.appendFile(d, o, p, mode, cur.mode, old, deletes)
		return
	}
	if d.Executable {
		mode = aos.ModeExecutable
	}
	if !r.deny(d, p, r.pol.Size(int64(len(data)))) {
		return
	}
	if mode != aos.ModeFile {
		if cur, exists := r.st.files[p]; !exists || cur.mode != mode || d.Type == aos.FileWrite {
			if !r.deny(d, p, r.pol.Mode(mode)) {
				return
			}
		}
	}
	r.approve(d, append([]string{p}, deletes...))
	for _, q := range deletes {
		r.st.remove(q)
	}
	f := r.st.put(p, mode, data)
	r.gen++
	o.Size, o.Mode = int64(len(data)), fmt.Sprintf("%o", mode)
	if r.sums != nil && len(data) >= sumAhead {
		r.sums.add(o.Index, f, data)
	} else {
		o.Digest = Digest(data)
	}
	o.Paths = append(deletes, p)
}

func (r *runner) delete(d *aos.Directive, o *aos.Outcome) {
	p := d.Path
	if !r.readable(d, p) {
		return
	}
	allowed := r.deny(d, p, r.pol.Delete())
	if !r.deny(d, p, r.opts.Rules.CanWrite(p)) || !allowed {
		return
	}
	r.approve(d, []string{p})
	r.st.remove(p)
	r.gen++
}

// appendFile finishes FILE_APPEND of d to p, whose content is old and mode
// curMode, giving it mode.
func (r *runner) appendFile(d *aos.Directive, o *aos.Outcome, p string, mode, curMode uint32, old []byte, deletes []string) {
	if !r.deny(d, p, r.pol.Size(int64(len(old)+len(d.Content)))) {
		return
	}
	if mode != aos.ModeFile && mode != curMode {
		if !r.deny(d, p, r.pol.Mode(mode)) {
			return
		}
	}
	r.approve(d, append([]string{p}, deletes...))
	for _, q := range deletes {
		r.st.remove(q)
	}
	data, digest := r.st.appendTo(p, mode, old, d.Content)
	r.gen++
	o.Size, o.Digest, o.Mode = int64(len(data)), digest, fmt.Sprintf("%o", mode)
	o.Paths = append(deletes, p)
}
