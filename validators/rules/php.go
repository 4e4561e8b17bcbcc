package rules

import (
	"bytes"
	"regexp"
	"strings"
	"sync"

	"github.com/architectos/aos/validators/kinds"
)

// IsPHP reports whether p names a PHP file.
func IsPHP(p string) bool { return kinds.IsPHP(p) }

// PHPRules are the pattern rules of the php-malware built-in; [PHPMalware]
// adds the checks that are not patterns.
// They are compiled on first use.
func PHPRules() *RuleSet { return phpSet() }

var phpSet = sync.OnceValue(func() *RuleSet { return NewRuleSet(phpRules()) })

const decoders = `base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|rawurldecode|hex2bin|convert_uudecode|pack`

func phpRules() []*Rule {
	mal := func(r *Rule) *Rule { r.Severity = Error; return r }
	return []*Rule{
		mal(&Rule{
			ID:          "eval-decoded",
			Description: "eval or assert of decoded data",
			Keywords:    []string{"eval", "assert"},
			Pattern:     regexp.MustCompile(`(?i)\b(?:eval|assert)\s*\(\s*(?:@\s*)?(?:` + decoders + `)\s*\(`),
			Good:        []string{`$x = base64_decode($data);`, `assert( is_array( $value ) );`},
			Bad:         []string{`<?php eval(base64_decode("ZWNobyAiaGkiOw=="));`, `@assert(str_rot13('riny($_CBFG[1])'));`, `eval( gzinflate( base64_decode( $x ) ) );`},
		}),
		mal(&Rule{
			ID:          "eval-request",
			Description: "code execution of request data",
			Keywords:    []string{"$_"},
			Pattern:     regexp.MustCompile(`(?i)\b(?:eval|assert|create_function|system|exec|passthru|shell_exec|popen|proc_open|include|include_once|require|require_once)\s*\(?\s*(?:@\s*)?(?:stripslashes\s*\(\s*|trim\s*\(\s*|urldecode\s*\(\s*)?\$_(?:GET|POST|REQUEST|COOKIE|SERVER|FILES)\b`),
			Good:        []string{`$id = (int) $_GET['id'];`, `if ( isset( $_POST['submit'] ) ) {`},
			Bad:         []string{`eval($_POST['cmd']);`, `system( $_GET["c"] );`, `include $_REQUEST['page'];`},
		}),
		mal(&Rule{
			ID:          "request-call",
			Description: "function name taken from request data",
			Keywords:    []string{"$_"},
			Pattern:     regexp.MustCompile(`(?i)\$_(?:GET|POST|REQUEST|COOKIE)\s*\[[^\]]{1,40}\]\s*\(`),
			Good:        []string{`$f = sanitize_key( $_GET['f'] );`},
			Bad:         []string{`$_POST['f']($_POST['a']);`, `@$_COOKIE[ 'x' ] ( $_COOKIE['y'] );`},
		}),
		mal(&Rule{
			ID:          "decode-chain",
			Description: "chain of decoders (obfuscated payload)",
			Keywords:    []string{"base64_decode", "gzinflate", "gzuncompress", "str_rot13", "strrev", "gzdecode"},
			Pattern:     regexp.MustCompile(`(?i)\b(?:base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|convert_uudecode)\s*\(\s*(?:base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|convert_uudecode)\s*\(`),
			Good:        []string{`$raw = base64_decode( $encoded );`, `$s = strrev( $name );`},
			Bad:         []string{`$c = gzinflate(base64_decode($p));`, `str_rot13( strrev( $x ) )`},
		}),
		mal(&Rule{
			ID:          "preg-replace-eval",
			Description: "preg_replace with the /e modifier evaluates the replacement as PHP",
			Keywords:    []string{"preg_replace"},
			Pattern:     regexp.MustCompile(`(?i)\bpreg_replace\s*\(\s*("(?:[^"\\]|\\.){1,400}"|'(?:[^'\\]|\\.){1,400}')`),
			Group:       1,
			Accept:      pregEval,
			Good:        []string{`preg_replace( '/\s+/', ' ', $text );`, `preg_replace("/[^a-z]/i", "", $s);`, `preg_replace( '#e#', 'x', $s );`},
			Bad:         []string{`preg_replace("/.*/e", $_POST['x'], "");`, `preg_replace( '#(.+)#ies', 'strtoupper("\1")', $s );`},
		}),
	}
}

// pregEval reports whether a quoted PHP regular expression carries the e
// modifier.
func pregEval(lit []byte) bool {
	if len(lit) < 4 {
		return false
	}
	re := lit[1 : len(lit)-1]
	re = bytes.TrimLeft(re, " \t")
	if len(re) == 0 {
		return false
	}
	open := re[0]
	closer := open
	switch open {
	case '(':
		closer = ')'
	case '{':
		closer = '}'
	case '[':
		closer = ']'
	case '<':
		closer = '>'
	}
	if (open >= 'a' && open <= 'z') || (open >= 'A' && open <= 'Z') || (open >= '0' && open <= '9') || open == '\\' {
		return false
	}
	end := bytes.LastIndexByte(re, closer)
	if end <= 0 {
		return false
	}
	return bytes.IndexByte(re[end+1:], 'e') >= 0 && strings.Trim(string(re[end+1:]), "imsxuADSUXJne") == ""
}

// PHPConfig configures [PHPMalware].
type PHPConfig struct {
	// MaxLine is the length in bytes past which a line of PHP with little
	// whitespace is reported as obfuscated; zero means 2000.
	MaxLine int `json:"max_line"`
	// UploadDirs are the directory names where PHP files are reported;
	// nil means ["uploads"].
	UploadDirs []string `json:"upload_dirs"`
}

// PHPMalware checks a file for the php-malware built-in: PHP files under an
// uploads directory, the pattern rules of [PHPRules], and very long lines
// that look obfuscated.
func PHPMalware(path string, data []byte, cfg PHPConfig) []Finding {
	if !IsPHP(path) {
		return nil
	}
	return phpMalware(path, data, cfg, phpSet().Scan(path, data))
}

func phpMalware(path string, data []byte, cfg PHPConfig, patterns []Finding) []Finding {
	var out []Finding
	dirs := cfg.UploadDirs
	if dirs == nil {
		dirs = []string{"uploads"}
	}
	parts := strings.Split(path, "/")
	for _, d := range parts[:len(parts)-1] {
		if contains(dirs, d) {
			out = append(out, Finding{Path: path, Line: 0, Column: 0, Rule: "php-in-uploads", Severity: Error,
				Message: "PHP file in an uploads directory (" + d + "/)"})
			break
		}
	}
	out = append(out, patterns...)
	out = append(out, obfuscatedLines(path, data, cfg.MaxLine)...)
	Sort(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// obfuscatedLines reports lines longer than max bytes of which less than one
// in fifty is whitespace: packed payloads, not minified code or data
// tables, which keep their spaces.
func obfuscatedLines(path string, data []byte, max int) []Finding {
	if max <= 0 {
		max = 2000
	}
	var out []Finding
	line := 1
	for start := 0; start < len(data); line++ {
		end := bytes.IndexByte(data[start:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += start
		}
		if n := end - start; n > max {
			spaces := 0
			for _, c := range data[start:end] {
				if c == ' ' || c == '\t' {
					spaces++
				}
			}
			if spaces*50 < n && Entropy(data[start:end]) > 4.5 {
				out = append(out, Finding{Path: path, Line: line, Column: 1, Rule: "obfuscated-line", Severity: Error,
					Message: "very long line with little whitespace and high entropy (obfuscated code)"})
			}
		}
		start = end + 1
	}
	return out
}
