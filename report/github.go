package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/architectos/aos"
)

// writeGitHub renders r as GitHub workflow commands, one annotation a
// line: "::error file=F,line=L,col=C,title=RULE::MESSAGE", with warning
// and notice for the other severities (docs.github.com, "Workflow
// commands for GitHub Actions"). Line and column are left out when
// unknown, the file when there is none.
func writeGitHub(w io.Writer, r *aos.Report) error {
	for _, p := range problems(r) {
		cmd := p.level
		if cmd == "note" {
			cmd = "notice"
		}
		var props []string
		if p.file != "" {
			props = append(props, "file="+escapeProperty(p.file))
			if p.line > 0 {
				props = append(props, fmt.Sprintf("line=%d", p.line))
				if p.col > 0 {
					props = append(props, fmt.Sprintf("col=%d", p.col))
				}
			}
		}
		props = append(props, "title="+escapeProperty(p.rule))
		if _, err := fmt.Fprintf(w, "::%s %s::%s\n", cmd, strings.Join(props, ","), escapeData(p.message)); err != nil {
			return err
		}
	}
	return nil
}

// escapeData escapes a workflow command's message as the runner
// unescapes it.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
