package planfile

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/architectos/aos/internal/benchplan"
)

// chunks is a Source that gives data in the parts of the sizes a seed
// draws, one part at a time on another goroutine, as a blob read from git
// arrives; a part may end anywhere, in a line, a character or a token.
type chunks struct {
	mu   sync.Mutex
	cond sync.Cond
	data []byte
	n    int
}

func newChunks(data []byte, seed uint64) *chunks {
	c := &chunks{data: data}
	c.cond.L = &c.mu
	rng := rand.New(rand.NewPCG(seed, 7))
	go func() {
		for {
			c.mu.Lock()
			if c.n == len(c.data) {
				c.mu.Unlock()
				return
			}
			step := 1 + rng.IntN(64)
			if rng.IntN(4) == 0 {
				step = 1 + rng.IntN(4096)
			}
			c.n = min(len(c.data), c.n+step)
			c.mu.Unlock()
			c.cond.Broadcast()
			if rng.IntN(8) == 0 {
				runtime.Gosched()
			}
		}
	}()
	return c
}

func (c *chunks) More(n int) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.n <= n && c.n < len(c.data) {
		c.cond.Wait()
	}
	return c.data[:c.n], c.n == len(c.data)
}

// sameParse checks that ParseSource of data, arriving in parts, returns
// what Parse returns of all of it.
func sameParse(t *testing.T, name string, data []byte, lim Limits, seed uint64) (read bool) {
	t.Helper()
	want, werr := Parse(context.Background(), name, data, lim)
	got, gdata, read, gerr := parseSource(context.Background(), name, newChunks(data, seed), lim)
	if string(gdata) != string(data) {
		t.Fatalf("%s: ParseSource read %d bytes of %d", name, len(gdata), len(data))
	}
	if fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Fatalf("%s (seed %d): ParseSource fails with\n%v\nParse with\n%v", name, seed, gerr, werr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s (seed %d): ParseSource reads\n%+v\nParse reads\n%+v", name, seed, got, want)
	}
	return read
}

// TestParseSourceIsParse parses the plan vectors, the benchmark's plan in
// both formats and documents the fast readers refuse part way (too large,
// not UTF-8, no final line break, more after the document) as they arrive
// in parts of random sizes: each gives what Parse gives of the whole.
func TestParseSourceIsParse(t *testing.T) {
	t.Parallel()
	lim := Limits{MaxBytes: 1 << 20, MaxDirectives: 1000}
	docs := map[string][]byte{}
	for name, b := range planSeeds(nil) {
		docs[name] = b
	}
	small := benchplan.Sized("yaml", 40, 2000)
	docs["bench.yaml"] = small
	docs["bench.json"] = benchplan.Sized("json", 40, 2000)
	docs["no-final-break.yaml"] = small[:len(small)-1]
	docs["bad-utf8.yaml"] = append(append([]byte{}, small[:len(small)/2]...), append([]byte{0xff}, small[len(small)/2:]...)...)
	docs["bad-utf8.json"] = []byte(strings.Replace(string(docs["bench.json"]), "Write", "Wr\xc3ite", 1))
	docs["more-after.json"] = append(append([]byte{}, docs["bench.json"]...), []byte("\n{}\n")...)
	docs["empty.yaml"] = nil
	for name, data := range docs {
		file := "plan.yaml"
		if strings.HasSuffix(name, ".json") {
			file = "plan.json"
		}
		for seed := range uint64(4) {
			read := sameParse(t, file, data, lim, seed)
			if strings.HasPrefix(name, "bench.") && !read {
				t.Errorf("%s (seed %d): the fast readers did not read it as it arrived", name, seed)
			}
			if (strings.HasPrefix(name, "bad-") || strings.HasPrefix(name, "no-") || strings.HasPrefix(name, "empty")) && read {
				t.Errorf("%s (seed %d): read as it arrived, where Parse refuses it", name, seed)
			}
		}
		// Too large for the limit, found as it arrives.
		if len(data) > 100 {
			sameParse(t, file, data, Limits{MaxBytes: len(data) / 2, MaxDirectives: 1000}, 9)
		}
	}
}

// FuzzParseSource holds ParseSource of any document, arriving in parts,
// to Parse of all of it.
func FuzzParseSource(f *testing.F) {
	for name, b := range planSeeds(f) {
		f.Add(b, strings.HasSuffix(name, ".json"), uint64(1))
	}
	f.Fuzz(func(t *testing.T, doc []byte, asJSON bool, seed uint64) {
		name := "plan.yaml"
		if asJSON {
			name = "plan.json"
		}
		sameParse(t, name, doc, Limits{MaxBytes: 1 << 20, MaxDirectives: 1000}, seed)
	})
}
