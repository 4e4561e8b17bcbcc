package rules

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// TextConfig configures [Text].
type TextConfig struct {
	// MaxLine is the length in bytes past which a line is reported;
	// zero means 1000.
	MaxLine int `json:"max_line"`
	// EOL, when "lf" or "crlf", is the line ending every line must use;
	// empty (the default) reports only files that mix the two.
	EOL string `json:"eol"`
	// BOM allows a UTF-8 byte order mark at the start of files.
	BOM bool `json:"bom"`
	// Extensions, when set, replaces [TextExtensions].
	Extensions []string `json:"extensions"`
}

// TextExtensions are the extensions of files that must hold text.
var TextExtensions = []string{
	"c", "cc", "cfg", "conf", "cpp", "cs", "css", "csv", "cue", "go", "h", "hpp", "htm", "html", "ini",
	"java", "js", "json", "jsx", "kt", "md", "mjs", "php", "pl", "properties", "py", "rb", "rs", "rst",
	"scss", "sh", "sql", "svg", "swift", "toml", "ts", "tsx", "txt", "xml", "yaml", "yml",
}

// Text checks that a file meant to hold text does: no NUL bytes, valid
// UTF-8, no byte order mark, one kind of line ending, no oversize line.
func Text(path string, data []byte, cfg TextConfig) []Finding {
	exts := cfg.Extensions
	if exts == nil {
		exts = TextExtensions
	}
	if !contains(exts, ext(path)) {
		return nil
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		line, col := offsetPos(data, i+1)
		return []Finding{{Path: path, Line: line, Column: col, Rule: "binary", Severity: Error,
			Message: "NUL byte in a file that should hold text"}}
	}
	var out []Finding
	if !cfg.BOM && bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		out = append(out, Finding{Path: path, Line: 1, Column: 1, Rule: "bom", Severity: Warning,
			Message: "UTF-8 byte order mark at the start of the file"})
	}
	maxLine := cfg.MaxLine
	if maxLine <= 0 {
		maxLine = 1000
	}
	var (
		crlf, lf           int
		firstCRLF, firstLF int
		badUTF8            = -1
		line               = 1
	)
	for start := 0; start < len(data); line++ {
		end := bytes.IndexByte(data[start:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += start
			if end > start && data[end-1] == '\r' {
				crlf++
				if firstCRLF == 0 {
					firstCRLF = line
				}
			} else {
				lf++
				if firstLF == 0 {
					firstLF = line
				}
			}
		}
		if n := end - start; n > maxLine {
			out = append(out, Finding{Path: path, Line: line, Column: maxLine + 1, Rule: "long-line", Severity: Warning,
				Message: "line of " + strconv.Itoa(n) + " bytes is longer than " + strconv.Itoa(maxLine)})
		}
		if badUTF8 < 0 && !utf8.Valid(data[start:end]) {
			badUTF8 = line
			col := 1
			for b := data[start:end]; len(b) > 0; {
				r, size := utf8.DecodeRune(b)
				if r == utf8.RuneError && size <= 1 {
					break
				}
				b = b[size:]
				col += size
			}
			out = append(out, Finding{Path: path, Line: line, Column: col, Rule: "invalid-utf8", Severity: Warning,
				Message: "text is not valid UTF-8"})
		}
		start = end + 1
	}
	switch {
	case cfg.EOL == "lf" && crlf > 0:
		out = append(out, Finding{Path: path, Line: firstCRLF, Column: 0, Rule: "crlf", Severity: Error,
			Message: strconv.Itoa(crlf) + " lines end in CRLF; this project uses LF"})
	case cfg.EOL == "crlf" && lf > 0:
		out = append(out, Finding{Path: path, Line: firstLF, Column: 0, Rule: "lf", Severity: Error,
			Message: strconv.Itoa(lf) + " lines end in LF; this project uses CRLF"})
	case cfg.EOL == "" && crlf > 0 && lf > 0:
		first := max(firstCRLF, firstLF)
		out = append(out, Finding{Path: path, Line: first, Column: 0, Rule: "mixed-eol", Severity: Warning,
			Message: "mixed line endings: " + strconv.Itoa(crlf) + " CRLF and " + strconv.Itoa(lf) + " LF"})
	}
	Sort(out)
	return out
}
