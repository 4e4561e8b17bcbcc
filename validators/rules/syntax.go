package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/parser"
	"go/scanner"
	"go/token"
	"io"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/architectos/aos/validators/kinds"
)

// SyntaxLanguage returns the language the syntax built-in parses p as
// ("json", "yaml", "toml" or "go"), or "" if it does not check p.
func SyntaxLanguage(p string) string { return kinds.SyntaxLanguage(p) }

// Parsers are what the built-ins borrow from the packages that own it.
// YAML parses every document of data and returns the first error's line
// and message, or 0 and "" (planfile.CheckYAML), for the syntax built-in.
type Parsers struct {
	YAML func(data []byte) (line int, msg string)
	// Checksums returns the checksums file of the wp-core built-in that
	// the host read and parsed, by its digest ([CoreConfig.Digest]).
	Checksums func(digest string) (*Checksums, error)
}

// Syntax parses data as the language of path and reports the first error,
// with its position, as a finding of rule "json", "yaml", "toml" or "go".
func (ps Parsers) Syntax(path string, data []byte) []Finding {
	lang := SyntaxLanguage(path)
	var line, col int
	var msg string
	switch lang {
	case "json":
		line, col, msg = checkJSON(data)
	case "yaml":
		if line, msg = ps.YAML(data); msg != "" {
			msg = "invalid YAML: " + msg
		}
	case "toml":
		line, col, msg = checkTOML(data)
	case "go":
		line, col, msg = checkGo(path, data)
	default:
		return nil
	}
	if msg == "" {
		return nil
	}
	return []Finding{{Path: path, Line: line, Column: col, Rule: lang, Severity: Error, Message: msg}}
}

func checkJSON(data []byte) (line, col int, msg string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			// A JSON file holds one value; an empty file is an error.
			if dec.InputOffset() == 0 {
				return 1, 1, "invalid JSON: empty file"
			}
			return 0, 0, ""
		}
		if err != nil {
			off := int(dec.InputOffset())
			var se *json.SyntaxError
			if errors.As(err, &se) {
				off = int(se.Offset)
			}
			if err == io.ErrUnexpectedEOF {
				off = len(data)
			}
			line, col = offsetPos(data, off)
			return line, col, "invalid JSON: " + err.Error()
		}
		if off := int(dec.InputOffset()); len(bytes.TrimSpace(data[off:])) > 0 {
			rest := bytes.TrimLeft(data[off:], " \t\r\n")
			line, col = offsetPos(data, len(data)-len(rest)+1)
			return line, col, "invalid JSON: more than one value in the file"
		}
	}
}

func offsetPos(data []byte, off int) (line, col int) {
	if off > len(data) {
		off = len(data)
	}
	if off < 1 {
		return 1, 1
	}
	// Offsets of json errors point just past the offending byte.
	off--
	line = 1 + bytes.Count(data[:off], []byte{'\n'})
	col = off - (bytes.LastIndexByte(data[:off], '\n') + 1) + 1
	return line, col
}

func checkTOML(data []byte) (line, col int, msg string) {
	var v map[string]any
	err := toml.Unmarshal(data, &v)
	if err == nil {
		return 0, 0, ""
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col = de.Position()
		return line, col, "invalid TOML: " + strings.TrimPrefix(de.Error(), "toml: ")
	}
	return 1, 0, "invalid TOML: " + strings.TrimPrefix(err.Error(), "toml: ")
}

func checkGo(path string, data []byte) (line, col int, msg string) {
	fset := token.NewFileSet()
	_, err := parser.ParseFile(fset, path, data, parser.SkipObjectResolution)
	if err == nil {
		return 0, 0, ""
	}
	var list scanner.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		return list[0].Pos.Line, list[0].Pos.Column, "invalid Go: " + list[0].Msg
	}
	return 1, 0, "invalid Go: " + err.Error()
}
