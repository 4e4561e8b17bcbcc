package engine

import (
	"runtime"
	"sync"
)

// sumAhead is the size from which a written file's digest and blob id are
// computed by [sums] rather than in line.
const sumAhead = 4 << 10

// sums computes the digests of the contents a plan writes, which its
// record states, and their blob ids, which its result tree names, on the
// other processors while the plan runs on: each is a pass over the
// content, as costly as the write itself. [sums.wait] hands them over:
// the digest to the directive's outcome, the id to the staged file, which
// [State.Changes] then gives with the content.
//
// The content hashed is never changed after it is written: a write puts
// a new file, and an append copies the content it extends.
type sums struct {
	queue chan *sumJob // room for one job a directive: add never waits
	wg    sync.WaitGroup
	jobs  []*sumJob
}

type sumJob struct {
	outcome    int
	f          *file
	data       []byte
	digest, id string
}

// newSums returns the sums of a plan of n directives.
func newSums(n int) *sums {
	return &sums{queue: make(chan *sumJob, n)}
}

// add hashes data, the content of f written by the directive of outcome.
func (s *sums) add(outcome int, f *file, data []byte) {
	if len(s.jobs) == 0 {
		for range runtime.GOMAXPROCS(0) {
			s.wg.Go(func() {
				for j := range s.queue {
					j.digest, j.id = Digest(j.data), BlobID(j.data)
				}
			})
		}
	}
	j := &sumJob{outcome: outcome, f: f, data: data}
	s.jobs = append(s.jobs, j)
	s.queue <- j
}

// wait waits for every sum and hands it over to the outcomes of res.
func (s *sums) wait(res *Result) {
	close(s.queue)
	s.wg.Wait()
	for _, j := range s.jobs {
		res.Outcomes[j.outcome].Digest = j.digest
		j.f.id = j.id
	}
	s.jobs = nil
}
