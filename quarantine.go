package aos

import "strings"

// QuarantineDir is where QUARANTINE moves files (docs/spec.md 4.9).
const QuarantineDir = "aos-rescue/quarantine"

// QuarantinePath returns where QUARANTINE moves the file at p: under
// [QuarantineDir], in the same directories, its name with every % written
// %25 and every . written %2E, so that the name has no extension a web
// server would act on.
func QuarantinePath(p string) string {
	dir, name := "", p
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		dir, name = p[:i+1], p[i+1:]
	}
	name = strings.ReplaceAll(name, "%", "%25")
	name = strings.ReplaceAll(name, ".", "%2E")
	return QuarantineDir + "/" + dir + name
}

// QuarantineOrigin returns the path whose file [QuarantinePath] moves to
// q, and whether q is such a place: under [QuarantineDir], with a name
// that QuarantinePath writes (no dot, and no % but in %25 and %2E).
func QuarantineOrigin(q string) (string, bool) {
	rest, ok := strings.CutPrefix(q, QuarantineDir+"/")
	if !ok || rest == "" {
		return "", false
	}
	dir, name := "", rest
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		dir, name = rest[:i+1], rest[i+1:]
	}
	if name == "" || strings.IndexByte(name, '.') >= 0 {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if name[i] != '%' {
			b.WriteByte(name[i])
			continue
		}
		switch {
		case strings.HasPrefix(name[i:], "%25"):
			b.WriteByte('%')
		case strings.HasPrefix(name[i:], "%2E"):
			b.WriteByte('.')
		default:
			return "", false
		}
		i += 2
	}
	return dir + b.String(), true
}
