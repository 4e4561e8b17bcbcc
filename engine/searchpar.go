package engine

import (
	"runtime"
	"sync/atomic"

	"github.com/sourcegraph/conc/stream"
)

// searchBatch is how many bytes of files one task of a parallel search
// scans: enough that a task's cost (about a microsecond) is small beside
// the scan's.
const searchBatch = 64 << 10

// searchFile is one file a parallel search scans.
type searchFile struct {
	path string
	data []byte
}

// parallelSearch scans the files of a SEARCH on every processor and
// merges their matches in the order the files were given, so that the
// reply is exactly that of scanning them one after the other: the same
// matches in the same order, the same count of files searched, and the
// same stop at the first match past [MaxSearchMatches]. Files are added
// in path order by one goroutine, which alone reads them; the tasks only
// scan bytes already read.
type parallelSearch struct {
	reply *SearchReply
	st    *stream.Stream
	// searchers holds one searcher per task running: a line automaton
	// grows as it is used, so no two tasks share one.
	searchers chan *searcher
	batch     []searchFile
	size      int
	// stopped is set by the merge once the reply is full, and read by
	// the tasks not to scan for nothing and by the adder to stop.
	stopped atomic.Bool
	done    bool
}

// newParallelSearch starts a parallel search of s's pattern filling reply.
func newParallelSearch(s *searcher, pattern string, reply *SearchReply) *parallelSearch {
	n := runtime.GOMAXPROCS(0)
	ps := &parallelSearch{reply: reply, st: stream.New().WithMaxGoroutines(n), searchers: make(chan *searcher, n)}
	ps.searchers <- s
	for range n - 1 {
		ps.searchers <- &searcher{re: s.re, needles: s.needles, run: s.run, dfa: newLineDFA(pattern)}
	}
	return ps
}

// add queues a file to scan. It reports false once the reply is full:
// no file after it need be read.
func (ps *parallelSearch) add(p string, data []byte) bool {
	if ps.stopped.Load() {
		return false
	}
	ps.batch = append(ps.batch, searchFile{p, data})
	if ps.size += len(data); ps.size >= searchBatch {
		ps.flush()
	}
	return true
}

// flush hands the queued files to a task.
func (ps *parallelSearch) flush() {
	if len(ps.batch) == 0 {
		return
	}
	batch := ps.batch
	ps.batch, ps.size = nil, 0
	ps.st.Go(func() stream.Callback {
		if ps.stopped.Load() {
			return func() {}
		}
		s := <-ps.searchers
		defer func() { ps.searchers <- s }()
		found := make([]SearchReply, len(batch))
		full := make([]bool, len(batch))
		for i, f := range batch {
			found[i].Matches = []SearchMatch{}
			full[i] = !s.scan(f.path, f.data, &found[i])
			if full[i] || ps.stopped.Load() {
				found, full = found[:i+1], full[:i+1]
				break
			}
		}
		return func() { ps.merge(batch, found, full) }
	})
}

// merge adds a task's matches to the reply, in order, as a scan of each
// file in turn would: a file is counted when scanned, and the reply stops
// at the first match it has no room for.
func (ps *parallelSearch) merge(batch []searchFile, found []SearchReply, full []bool) {
	for i := range batch {
		if ps.reply.Truncated {
			return
		}
		if i == len(found) {
			// The task stopped early, seeing the reply full: only a
			// batch after the one that filled it does.
			return
		}
		ps.reply.Files++
		room := MaxSearchMatches - len(ps.reply.Matches)
		m := found[i].Matches
		if full[i] || len(m) > room {
			ps.reply.Matches = append(ps.reply.Matches, m[:min(room, len(m))]...)
			ps.reply.Truncated = true
			ps.stopped.Store(true)
			return
		}
		ps.reply.Matches = append(ps.reply.Matches, m...)
	}
}

// wait scans what is still queued and waits for every merge: the reply
// is then complete. Calling it again does nothing.
func (ps *parallelSearch) wait() {
	if ps.done {
		return
	}
	ps.done = true
	ps.flush()
	ps.st.Wait()
}
