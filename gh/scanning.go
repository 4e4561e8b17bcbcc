package gh

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"github.com/architectos/aos"

	"github.com/google/go-github/v60/github"
)

// MaxSARIFBytes is the most code scanning takes: 10 MB gzip-compressed.
const MaxSARIFBytes = 10 << 20

// SARIFUpload is a SARIF log to upload to code scanning.
type SARIFUpload struct {
	CommitSHA string
	// Ref is the ref analysed: refs/heads/BRANCH, refs/pull/N/merge or
	// refs/pull/N/head.
	Ref      string
	SARIF    []byte
	ToolName string
	// CheckoutURI is the file:// URI of the checkout, so that code
	// scanning maps absolute paths; optional.
	CheckoutURI string
}

// UploadSARIF uploads a SARIF log to code scanning, gzip-compressed then
// base64-encoded as the API asks, and returns the upload's id; GitHub
// answers 202 and processes it later.
func (c *Client) UploadSARIF(ctx context.Context, u SARIFUpload) (string, error) {
	op := "upload SARIF to code scanning"
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(u.SARIF); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	if buf.Len() > MaxSARIFBytes {
		return "", &aos.HintError{Err: fmt.Errorf("%s: %d bytes compressed, over code scanning's limit of %d", op, buf.Len(), MaxSARIFBytes),
			Hints: []string{"the job summary and the check run still list the results; narrow the validators' paths to report less"}}
	}
	a := &github.SarifAnalysis{CommitSHA: github.String(u.CommitSHA), Ref: github.String(u.Ref),
		Sarif: github.String(base64.StdEncoding.EncodeToString(buf.Bytes()))}
	if u.ToolName != "" {
		a.ToolName = github.String(u.ToolName)
	}
	if u.CheckoutURI != "" {
		a.CheckoutURI = github.String(u.CheckoutURI)
	}
	id, _, err := c.api.CodeScanning.UploadSarif(ctx, c.Repo.Owner, c.Repo.Name, a)
	if err != nil {
		return "", wrap(op, "security-events: write", err)
	}
	return id.GetID(), nil
}
