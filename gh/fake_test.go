package gh

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/architectos/aos/gh/ghtest"
)

// fake is the API double with the waits the client asked for.
type fake struct {
	*ghtest.Server
	t      *testing.T
	mu     sync.Mutex
	sleeps []time.Duration
}

func newFake(t *testing.T) *fake { return &fake{Server: ghtest.NewServer(t), t: t} }

// client is a fresh client of the double, reached as GitHub Enterprise
// Server is: the server's root URL, to which go-github adds /api/v3/.
func (f *fake) client(opts ...func(*Options)) *Client {
	o := Options{Token: ghtest.Token, URL: f.URL, HTTPClient: f.Client(),
		Getenv: func(string) string { return "" },
		Sleep: func(_ context.Context, d time.Duration) error {
			f.mu.Lock()
			f.sleeps = append(f.sleeps, d)
			f.mu.Unlock()
			return nil
		}}
	for _, fn := range opts {
		fn(&o)
	}
	c, err := NewClient(Repo{Owner: "octo-org", Name: "hello-world"}, o)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}
