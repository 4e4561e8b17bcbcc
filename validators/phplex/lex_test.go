package phplex

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/architectos/aos/validators/internal/phpcorpus"
	"github.com/architectos/aos/validators/kinds"
)

// phpToken is one token as php-cli's token_get_all printed it.
type phpToken struct {
	name string
	n    int
	line int // 0 for one-byte tokens, which token_get_all gives no line
}

// tokenGetAll runs testdata/tokens.php over paths with short_open_tag set
// to short, calling each for every file's tokens.
func tokenGetAll(t *testing.T, paths []string, short bool, each func(path string, toks []phpToken)) {
	t.Helper()
	php, err := exec.LookPath("php")
	if err != nil {
		t.Fatalf("php-cli is not installed (sh scripts/test.sh installs it): %v", err)
	}
	tag := "0"
	if short {
		tag = "1"
	}
	cmd := exec.Command(php, "-d", "short_open_tag="+tag, "-d", "memory_limit=-1", "testdata/tokens.php")
	cmd.Stdin = strings.NewReader(strings.Join(paths, "\n") + "\n")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var (
		path string
		toks []phpToken
		seen int
	)
	flush := func() {
		if path != "" {
			each(path, toks)
			seen++
		}
	}
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "#"); ok {
			flush()
			path, toks = p, toks[:0]
			continue
		}
		// NAME LENGTH LINE; a one-byte token's NAME may be a space-free
		// byte only, so split from the right.
		i := strings.LastIndexByte(line, ' ')
		j := strings.LastIndexByte(line[:max(i, 0)], ' ')
		if i < 0 || j < 0 {
			t.Fatalf("bad line from tokens.php: %q", line)
		}
		n, err1 := strconv.Atoi(line[j+1 : i])
		ln, err2 := strconv.Atoi(line[i+1:])
		if err1 != nil || err2 != nil {
			t.Fatalf("bad line from tokens.php: %q", line)
		}
		toks = append(toks, phpToken{line[:j], n, ln})
	}
	flush()
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("php: %v", err)
	}
	if seen != len(paths) {
		t.Fatalf("php printed the tokens of %d files, want %d", seen, len(paths))
	}
}

// diff returns where the tokens of src differ from PHP's, or "".
func diff(src []byte, want []phpToken, short bool) string {
	got := Tokenize(src, Options{ShortTags: short})
	for i := 0; i < len(got) || i < len(want); i++ {
		if i >= len(got) {
			return fmt.Sprintf("token %d: PHP has %s (%d bytes, line %d), we have nothing more", i, want[i].name, want[i].n, want[i].line)
		}
		g := got[i]
		text := src[g.Start:g.End]
		name := g.Kind.String()
		line := int(g.Line)
		if g.Kind < 256 {
			name, line = string(text), 0
		}
		if i >= len(want) {
			return fmt.Sprintf("token %d: we have %s %q (line %d), PHP has nothing more", i, name, clip(text), g.Line)
		}
		w := want[i]
		if name != w.name || len(text) != w.n || line != w.line {
			return fmt.Sprintf("token %d at line %d: we have %s %q (%d bytes, line %d), PHP has %s (%d bytes, line %d)",
				i, g.Line, name, clip(text), len(text), line, w.name, w.n, w.line)
		}
	}
	return ""
}

func clip(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}

// TestTokenGetAll compares Tokenize with PHP's token_get_all, token for
// token (kind, length and line), over every PHP file of WordPress,
// MediaWiki and phpMyAdmin, with short tags on and off.
func TestTokenGetAll(t *testing.T) {
	if raceEnabled {
		cmd := exec.Command("go", "test", "-count=1", "-run", "^TestTokenGetAll$", ".")
		cmd.Env = append(os.Environ(), "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("the corpus comparison failed: %v\n%s", err, out)
		}
		return
	}
	var paths []string
	for _, tr := range phpcorpus.Trees(t) {
		files, err := phpcorpus.Files(tr.Root, kinds.IsPHP)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) < 500 {
			t.Fatalf("%s: only %d PHP files", tr.Name, len(files))
		}
		for _, f := range files {
			paths = append(paths, f.Path)
		}
	}
	for _, short := range []bool{true, false} {
		t.Run(fmt.Sprintf("short_open_tag=%v", short), func(t *testing.T) {
			compare(t, paths, short)
		})
	}
}

// TestEdgeCases compares Tokenize with token_get_all over the hand-written
// files of testdata/edge, which reach the corners of PHP's lexer that
// clean applications seldom do.
func TestEdgeCases(t *testing.T) {
	paths, err := filepath.Glob("testdata/edge/*.php")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no edge cases: %v", err)
	}
	for _, short := range []bool{true, false} {
		t.Run(fmt.Sprintf("short_open_tag=%v", short), func(t *testing.T) {
			compare(t, paths, short)
		})
	}
}

func compare(t *testing.T, paths []string, short bool) {
	bad, tokens, size := 0, 0, 0
	tokenGetAll(t, paths, short, func(path string, want []phpToken) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		tokens += len(want)
		size += len(src)
		if d := diff(src, want, short); d != "" {
			bad++
			if bad <= 20 {
				t.Errorf("%s: %s", path, d)
			}
		}
	})
	if bad > 0 {
		t.Errorf("%d of %d files differ", bad, len(paths))
	}
	t.Logf("%d files, %d MB, %d tokens", len(paths), size>>20, tokens)
}

// TestCover checks what every input's tokens must do: cover it exactly,
// in order, with lines that never go back.
func TestCover(t *testing.T) {
	for _, src := range []string{"", "x", "<?php", "<?php ", "<?", "<?php \"$a[", "<?php <<<A\n", "<?php <<<'A'\nA", "<?php $a->", "<?php \"${", "<?php /*", "<?php 'a", "<?php `$a->b", "<?php ?>\r", "<?php __halt_compiler();x"} {
		if err := cover([]byte(src), true); err != nil {
			t.Errorf("%q: %v", src, err)
		}
		if err := cover([]byte(src), false); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
}

func cover(src []byte, short bool) error {
	toks := Tokenize(src, Options{ShortTags: short})
	off, line := 0, 1
	for i, tk := range toks {
		if int(tk.Start) != off || tk.End < tk.Start || int(tk.End) > len(src) {
			return fmt.Errorf("token %d (%s) spans %d-%d, want from %d", i, tk.Kind, tk.Start, tk.End, off)
		}
		if tk.End == tk.Start && tk.Kind != T_ENCAPSED_AND_WHITESPACE {
			return fmt.Errorf("token %d (%s) is empty", i, tk.Kind)
		}
		if int(tk.Line) < line {
			return fmt.Errorf("token %d (%s) on line %d after line %d", i, tk.Kind, tk.Line, line)
		}
		off, line = int(tk.End), int(tk.Line)
	}
	if off != len(src) {
		return fmt.Errorf("tokens end at %d of %d bytes", off, len(src))
	}
	if want := 1 + bytes.Count(src, []byte("\n")) + bytes.Count(src, []byte("\r")); line > want {
		return fmt.Errorf("last line %d past %d", line, want)
	}
	return nil
}

// FuzzTokenize checks that any input is covered by its tokens, in linear
// time (the fuzzer's per-input deadline catches a quadratic case).
func FuzzTokenize(f *testing.F) {
	paths, _ := filepath.Glob("testdata/edge/*.php")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("<?php $a = \"x{$b['c']} ${d} $e->f\"; ?>html<?= `ls $g` ?>"))
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, short := range []bool{true, false} {
			if err := cover(src, short); err != nil {
				t.Fatal(err)
			}
		}
	})
}
