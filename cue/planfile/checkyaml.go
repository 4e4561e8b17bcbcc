package planfile

import (
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/architectos/aos"
	"go.yaml.in/yaml/v3"
)

// CheckYAML parses data as a stream of YAML documents, as the syntax
// validator checks a repository's YAML files, and returns the first
// error's line (1 when the parser names none) and message, or 0 and ""
// when every document parses. Anchors, tags and several documents are
// valid YAML: only plans refuse them ([Parse]).
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

// YAMLSyntaxError returns the position and message of a YAML document's
// syntax error as plans report theirs, or ok false when the document
// parses: for YAML manifests, whose reader may give no line.
func YAMLSyntaxError(name string, data []byte) (pos aos.Position, msg string, ok bool) {
	var n yaml.Node
	err := yaml.Unmarshal(data, &n)
	if err == nil {
		return aos.Position{}, "", false
	}
	se := yamlErr(name, data, err).(*syntaxError)
	return se.pos, se.msg, true
}
