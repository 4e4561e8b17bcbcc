package rules

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/architectos/aos/validators/kinds"
	"github.com/architectos/aos/validators/phplex"
)

// VersionFile is where WordPress names its version.
const VersionFile = "wp-includes/version.php"

// MaxChecksumsSize bounds a checksums file: WordPress's own holds about
// 3,000 entries in 200 KB.
const MaxChecksumsSize = 64 << 20

// maxChecksums bounds the entries of one version.
const maxChecksums = 200000

// Checksums are the MD5 sums of WordPress's core files, by version, as
// the WordPress.org checksums API answers (api.wordpress.org/core/
// checksums/1.0/) and "wp core verify-checksums" reads them: either
// {"checksums": {"<path>": "<md5>", ...}} for one version that the file
// does not name, or {"checksums": {"<version>": {"<path>": "<md5>"}, ...}}.
type Checksums struct {
	// Versions holds the sums by version; "" is the one version of a
	// file that names none.
	Versions map[string]map[string]string
}

// ParseChecksums reads a checksums file. It refuses anything else than
// the two shapes of [Checksums]: another key, a key given twice, a path
// that is not a clean relative path, a sum that is not 32 hexadecimal
// digits, and the API's answer for a version it does not know
// ("checksums": false).
func ParseChecksums(data []byte) (*Checksums, error) {
	if len(data) > MaxChecksumsSize {
		return nil, fmt.Errorf("checksums file is %d bytes, over %d", len(data), MaxChecksumsSize)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("checksums file, at byte %d: %s", d.InputOffset(), fmt.Sprintf(format, args...))
	}
	if err := delim(d, '{'); err != nil {
		return nil, bad("%v", err)
	}
	out := &Checksums{Versions: map[string]map[string]string{}}
	seen := false
	for d.More() {
		key, err := str(d)
		if err != nil {
			return nil, bad("%v", err)
		}
		if key != "checksums" || seen {
			return nil, bad("unexpected key %q (want one \"checksums\")", key)
		}
		seen = true
		t, err := d.Token()
		if err != nil {
			return nil, bad("%v", err)
		}
		if t == false {
			return nil, bad("\"checksums\" is false: the API answers that for a version or locale it does not know")
		}
		if t != json.Delim('{') {
			return nil, bad("\"checksums\" is not an object")
		}
		if !d.More() {
			return nil, bad("\"checksums\" is empty")
		}
		shape := ""
		for d.More() {
			k, err := str(d)
			if err != nil {
				return nil, bad("%v", err)
			}
			t, err := d.Token()
			if err != nil {
				return nil, bad("%v", err)
			}
			switch t := t.(type) {
			case string:
				if shape == "versions" {
					return nil, bad("%q: a sum among versions", k)
				}
				shape = "flat"
				sums := out.Versions[""]
				if sums == nil {
					sums = map[string]string{}
					out.Versions[""] = sums
				}
				if err := addSum(sums, k, t); err != nil {
					return nil, bad("%v", err)
				}
			case json.Delim:
				if t != '{' || shape == "flat" {
					return nil, bad("%q: not a version's sums", k)
				}
				shape = "versions"
				if !validVersion(k) {
					return nil, bad("%q is not a version", k)
				}
				if _, dup := out.Versions[k]; dup {
					return nil, bad("version %q twice", k)
				}
				sums := map[string]string{}
				out.Versions[k] = sums
				for d.More() {
					p, err := str(d)
					if err != nil {
						return nil, bad("%v", err)
					}
					sum, err := str(d)
					if err != nil {
						return nil, bad("%q: %v", p, err)
					}
					if err := addSum(sums, p, sum); err != nil {
						return nil, bad("%v", err)
					}
				}
				if err := delim(d, '}'); err != nil {
					return nil, bad("%v", err)
				}
				if len(sums) == 0 {
					return nil, bad("version %q has no sums", k)
				}
			default:
				return nil, bad("%q: not a sum or a version's sums", k)
			}
		}
		if err := delim(d, '}'); err != nil {
			return nil, bad("%v", err)
		}
	}
	if err := delim(d, '}'); err != nil {
		return nil, bad("%v", err)
	}
	if !seen {
		return nil, bad("no \"checksums\" key")
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, bad("more than one JSON value")
	}
	return out, nil
}

func delim(d *json.Decoder, want json.Delim) error {
	t, err := d.Token()
	if err != nil {
		return err
	}
	if t != want {
		return fmt.Errorf("%v where %q was expected", t, string(want))
	}
	return nil
}

func str(d *json.Decoder) (string, error) {
	t, err := d.Token()
	if err != nil {
		return "", err
	}
	s, ok := t.(string)
	if !ok {
		return "", fmt.Errorf("%v where a string was expected", t)
	}
	return s, nil
}

func addSum(sums map[string]string, p, sum string) error {
	if !fs.ValidPath(p) || p == "." || strings.ContainsAny(p, "\\\x00") {
		return fmt.Errorf("%q is not a relative path", p)
	}
	if _, dup := sums[p]; dup {
		return fmt.Errorf("%q twice", p)
	}
	if len(sums) >= maxChecksums {
		return fmt.Errorf("more than %d files", maxChecksums)
	}
	b, err := hex.DecodeString(sum)
	if err != nil || len(b) != md5.Size {
		return fmt.Errorf("%q: sum %q is not an MD5 sum", p, sum)
	}
	sums[p] = hex.EncodeToString(b)
	return nil
}

// validVersion reports whether v can be a WordPress version: 1 to 64
// letters, digits, dots, dashes and pluses.
func validVersion(v string) bool {
	if v == "" || len(v) > 64 {
		return false
	}
	for _, c := range []byte(v) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '+') {
			return false
		}
	}
	return true
}

// For returns the sums of version: the file's own for that version, or
// its only ones when it names none.
func (c *Checksums) For(version string) (map[string]string, error) {
	if sums, ok := c.Versions[version]; ok && version != "" {
		return sums, nil
	}
	if sums, ok := c.Versions[""]; ok && len(c.Versions) == 1 {
		return sums, nil
	}
	have := make([]string, 0, len(c.Versions))
	for v := range c.Versions {
		have = append(have, v)
	}
	slices.Sort(have)
	return nil, fmt.Errorf("the checksums file has no sums for WordPress %s (it has %s)", version, strings.Join(have, ", "))
}

// Encode returns c as a checksums file: indented JSON, keys sorted.
func (c *Checksums) Encode() ([]byte, error) {
	var v any = c.Versions
	if sums, ok := c.Versions[""]; ok && len(c.Versions) == 1 {
		v = sums
	}
	b, err := json.MarshalIndent(map[string]any{"checksums": v}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// WordPressVersion returns the version that the content of
// wp-includes/version.php assigns to $wp_version: the last assignment of
// a plain string literal at the top of the file, as PHP reads its tokens.
func WordPressVersion(src []byte) (string, error) {
	toks := phplex.Tokenize(src, phplex.Options{SkipLines: true})
	var sig []phplex.Token
	for _, t := range toks {
		switch t.Kind {
		case phplex.T_WHITESPACE, phplex.T_COMMENT, phplex.T_DOC_COMMENT:
			continue
		}
		sig = append(sig, t)
	}
	version, found, depth := "", false, 0
	for i, t := range sig {
		switch t.Kind {
		case '{', phplex.T_CURLY_OPEN, phplex.T_DOLLAR_OPEN_CURLY_BRACES:
			depth++
		case '}':
			depth--
		}
		if depth != 0 || t.Kind != phplex.T_VARIABLE || string(src[t.Start:t.End]) != "$wp_version" {
			continue
		}
		if i+1 >= len(sig) || sig[i+1].Kind != '=' {
			continue
		}
		if i+3 >= len(sig) || sig[i+2].Kind != phplex.T_CONSTANT_ENCAPSED_STRING || sig[i+3].Kind != ';' {
			return "", errors.New("$wp_version is not assigned a plain string")
		}
		lit := sig[i+2]
		s := string(src[lit.Start+1 : lit.End-1])
		if !validVersion(s) {
			return "", fmt.Errorf("$wp_version %q is not a version", s)
		}
		version, found = s, true
	}
	if !found {
		return "", errors.New("it assigns no version to $wp_version")
	}
	return version, nil
}

// InCore reports whether p is where only WordPress's own files may be: a
// file under wp-admin/ or wp-includes/, or a file at the top whose name
// starts with wp- (wp-config.php aside), as wp-cli's verify-checksums
// decides, with names compared without case, as a case-insensitive file
// system would.
func InCore(p string) bool {
	seg, rest, below := strings.Cut(p, "/")
	l := kinds.Lower(seg)
	if below {
		return rest != "" && (l == "wp-admin" || l == "wp-includes")
	}
	return strings.HasPrefix(l, "wp-") && l != "wp-config.php"
}

// Judged reports whether the wp-core check judges path p against sums:
// p is a core file (sums name it, outside wp-content/, whose plugins and
// themes are updated on their own) or in the core (see [InCore]).
func Judged(p string, sums map[string]string) bool {
	if _, ok := sums[p]; ok {
		return !strings.HasPrefix(p, "wp-content/")
	}
	return InCore(p)
}

// CoreFiles returns the paths of sums the wp-core check compares, sorted.
func CoreFiles(sums map[string]string) []string {
	out := make([]string, 0, len(sums))
	for p := range sums {
		if !strings.HasPrefix(p, "wp-content/") {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// CoreFile is what the tree holds at one path the wp-core check judges.
type CoreFile struct {
	// Kind is "file" (a regular file, Data its content), "" (nothing
	// there), or what else is there: "symlink", "submodule".
	Kind string
	Data []byte
}

// CheckCore judges one path of the tree against the sums of WordPress
// version: a core file that differs from its sum (or is not a regular
// file) is an error (rule modified), a file in the core that WordPress
// does not have is an error (unexpected), a core file that is missing is
// a warning (missing).
func CheckCore(path string, f CoreFile, version string, sums map[string]string) []Finding {
	want, core := sums[path]
	if strings.HasPrefix(path, "wp-content/") {
		core = false
	}
	wp := "WordPress"
	if version != "" {
		wp += " " + version
	}
	finding := func(rule, severity, msg string) []Finding {
		return []Finding{{Path: path, Rule: rule, Severity: severity, Message: msg}}
	}
	switch {
	case core && f.Kind == "":
		return finding("missing", Warning, fmt.Sprintf("a file of %s is missing", wp))
	case core && f.Kind != "file":
		return finding("modified", Error, fmt.Sprintf("is a %s where %s has a file", f.Kind, wp))
	case core:
		sum := md5.Sum(f.Data)
		if got := hex.EncodeToString(sum[:]); got != want {
			return finding("modified", Error, fmt.Sprintf("differs from %s's checksum (md5 %s, want %s)", wp, got, want))
		}
		return nil
	case f.Kind == "" || !InCore(path):
		return nil
	case f.Kind != "file":
		return finding("unexpected", Error, fmt.Sprintf("is a %s in the core of %s, which holds only its own files", f.Kind, wp))
	}
	return finding("unexpected", Error, fmt.Sprintf("is not a file of %s: the core holds only its own files", wp))
}

// CoreConfig configures the wp-core built-in as the manifest writes it:
// Checksums is the path, in the repository, of the checksums file. The
// host adds Digest, the sha256 of that file as it read it from the base
// tree, by which [Parsers.Checksums] finds it.
type CoreConfig struct {
	Checksums string `json:"checksums"`
	Digest    string `json:"digest,omitempty"`
}

// ChecksumsOf returns the checksums of the pristine WordPress tree fsys,
// under the version its wp-includes/version.php names: the MD5 sum of
// every regular file (a symbolic link to one counts as that file, as
// Debian links bundled libraries into its tree), but wp-config.php, the
// top's dotfiles (.htaccess, .user.ini), what a site writes under
// wp-content (uploads/, cache/, upgrade/) and .git and .aos, none of
// which a release holds.
func ChecksumsOf(fsys fs.FS) (*Checksums, error) {
	vsrc, err := fs.ReadFile(fsys, VersionFile)
	if err != nil {
		return nil, fmt.Errorf("not a WordPress tree: %w", err)
	}
	version, err := WordPressVersion(vsrc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", VersionFile, err)
	}
	sums := map[string]string{}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		top := !strings.Contains(p, "/")
		switch {
		case d.IsDir() && (d.Name() == ".git" || p == ".aos" || p == "wp-content/uploads" || p == "wp-content/cache" || p == "wp-content/upgrade"):
			return fs.SkipDir
		case top && (p == "wp-config.php" || strings.HasPrefix(p, ".")):
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			fi, err := fs.Stat(fsys, p)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			if fi.IsDir() {
				return fmt.Errorf("%s is a link to a directory", p)
			}
			if !fi.Mode().IsRegular() {
				return nil
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := md5.Sum(data)
		return addSum(sums, p, hex.EncodeToString(sum[:]))
	})
	if err != nil {
		return nil, err
	}
	return &Checksums{Versions: map[string]map[string]string{version: sums}}, nil
}
