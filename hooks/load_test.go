package hooks_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// validatorManifest is testManifest with built-in validators, so that
// verifying a result commit runs the built-in module.
var validatorManifest = strings.Replace(testManifest, "protect:\n",
	"validators:\n  secrets:\n    builtin: secrets\n  text:\n    builtin: text\nprotect:\n", 1)

// TestColdCacheBurst pushes the plans and results of 16 agents at once
// to a server whose compilation cache is empty, as after a failed warm-up
// or an upgrade of wazero: every hook needs the built-in module, one of
// them compiles it and the others wait for its entry, and each push is
// judged within the budget, which does not count that preparation.
func TestColdCacheBurst(t *testing.T) {
	t.Parallel()
	const agents = 16
	s := newServer(t, validatorManifest, map[string]string{"src/a.txt": "a\n"})
	c := s.clone(t)
	for i := 0; i < agents; i++ {
		p := filepath.Join(t.TempDir(), "plan.yaml")
		writeFile(t, p, plan(fmt.Sprintf("burst-%02d", i), fmt.Sprintf("src/burst/%02d.txt", i), fmt.Sprintf("agent %d\n", i)))
		must(t, c.dir, binary(t), "run", p)
	}
	cache := filepath.Join(s.bare, "aos", "wasm-cache")
	if err := os.RemoveAll(cache); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	outs := make([]string, agents)
	errs := make([]error, agents)
	for i := 0; i < agents; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			outs[i], errs[i] = run(t, c.dir, []string{"REMOTE_USER=agent-bot"}, "git", "push", "file://"+s.bare, fmt.Sprintf("aos/burst-%02d", i))
		}()
	}
	close(start)
	wg.Wait()
	for i := 0; i < agents; i++ {
		if errs[i] != nil || !strings.Contains(outs[i], "push accepted") {
			t.Errorf("push %d rejected: %v\n%s", i, errs[i], outs[i])
		}
		if s.ref(t, fmt.Sprintf("refs/heads/aos/burst-%02d", i)) == "" {
			t.Errorf("branch aos/burst-%02d is missing on the server", i)
		}
	}
	// One entry for the one module, and nothing half-made beside it.
	ents, err := os.ReadDir(filepath.Join(cache, "git-aos-1"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []string
	for _, e := range ents {
		switch n := e.Name(); {
		case strings.HasSuffix(n, ".lock"):
		case strings.HasPrefix(n, "stage-"), strings.HasPrefix(n, "tmp-"):
			t.Errorf("left in the cache: %s", n)
		default:
			entries = append(entries, n)
		}
	}
	if len(entries) != 1 {
		t.Errorf("cache entries %v, want the built-in module's alone", entries)
	}
}
