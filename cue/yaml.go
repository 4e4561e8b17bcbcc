package cue

import (
	"bytes"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// CheckYAML parses data as a stream of YAML documents, as the syntax
// validator checks a repository's YAML files, and returns the first
// error's line (1 when the parser names none) and message, or 0 and ""
// when every document parses. Anchors, tags and several documents are
// valid YAML: only plans refuse them ([ParsePlan]).
func CheckYAML(data []byte) (line int, msg string) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			return 0, ""
		}
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			line = 1
			if rest, ok := strings.CutPrefix(msg, "line "); ok {
				if n, after, ok := strings.Cut(rest, ": "); ok {
					if l, err := strconv.Atoi(n); err == nil {
						line, msg = l, after
					}
				}
			}
			return line, msg
		}
	}
}
