package rules

import (
	"bytes"
	"strings"

	"github.com/architectos/aos/validators/kinds"
	"github.com/architectos/aos/validators/phpscan"
)

// IsPHP reports whether p names a PHP file.
func IsPHP(p string) bool { return kinds.IsPHP(p) }

// PHPConfig configures the php-malware built-in.
type PHPConfig struct {
	// UploadDirs are the directory names where no PHP may be; nil means
	// ["uploads"].
	UploadDirs []string `json:"upload_dirs"`
}

// PHPMalware checks a file for the php-malware built-in:
//   - PHP files, by the token analysis of package phpscan (its rules:
//     eval-request, exec-request, request-call, hidden-call, eval-decoded,
//     packed-payload, preg-replace-eval, file-write-request,
//     remote-include), and PHP files under an uploads directory
//     (php-in-uploads);
//   - .htaccess, .user.ini and php.ini files: PHP settings that load code
//     (htaccess-prepend), handlers that run other files as PHP
//     (htaccess-handler), redirects of search engines' visitors
//     (htaccess-redirect);
//   - images holding PHP code (php-in-image), and any file holding PHP
//     code under an uploads directory (php-in-uploads).
func PHPMalware(path string, data []byte, cfg PHPConfig) []Finding {
	var out []Finding
	dirs := cfg.UploadDirs
	if dirs == nil {
		dirs = []string{"uploads"}
	}
	upload := ""
	parts := strings.Split(path, "/")
	for _, d := range parts[:len(parts)-1] {
		if contains(dirs, d) {
			upload = d
			break
		}
	}
	base := lowerString(parts[len(parts)-1])
	switch {
	case IsPHP(path):
		if upload != "" {
			out = append(out, Finding{Path: path, Rule: "php-in-uploads", Severity: Error,
				Message: "PHP file in an uploads directory (" + upload + "/)"})
		}
		out = append(out, scanPHP(path, data, 0)...)
	case base == ".htaccess" || base == ".user.ini" || base == "php.ini":
		out = append(out, htaccess(path, data, base, upload != "")...)
	case kinds.IsImage(path) || upload != "":
		if off, ok := phpCode(data); ok {
			rule, what := "php-in-image", "PHP code in an image file"
			if !kinds.IsImage(path) {
				rule, what = "php-in-uploads", "PHP code in a file under an uploads directory ("+upload+"/)"
			}
			line, col := newLineIndex(data).at(off)
			out = append(out, Finding{Path: path, Line: line, Column: col, Rule: rule, Severity: Error,
				Message: what + ": a web server configured to run it, or an include, runs it"})
			out = append(out, scanPHP(path, data[off:], off)...)
		}
	}
	Sort(out)
	return out
}

// scanPHP runs the token analysis; off is where data starts in the file.
func scanPHP(path string, data []byte, off int) []Finding {
	var out []Finding
	for _, f := range phpscan.Scan(data, phpscan.Options{ShortTags: true}) {
		out = append(out, Finding{Path: path, Line: f.Line, Column: f.Column, Rule: f.Rule, Severity: Error, Message: f.Message})
	}
	if off > 0 {
		// Positions inside an image are relative to the PHP code found.
		for i := range out {
			out[i].Line, out[i].Column = 0, 0
		}
	}
	return out
}

// phpCode returns where PHP code starts in a file that should hold none:
// an opening tag "<?php" (followed by a space or the end) or "<?=".
func phpCode(data []byte) (int, bool) {
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("<?"))
		if j < 0 {
			return 0, false
		}
		j += i
		rest := data[j+2:]
		if len(rest) > 0 && rest[0] == '=' {
			return j, true
		}
		if len(rest) >= 3 && bytes.EqualFold(rest[:3], []byte("php")) && (len(rest) == 3 || rest[3] == ' ' || rest[3] == '\n' || rest[3] == '\r' || rest[3] == '\t') {
			return j, true
		}
		i = j + 2
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// htaccess checks Apache per-directory configuration and PHP ini files.
func htaccess(path string, data []byte, base string, inUploads bool) []Finding {
	var out []Finding
	report := func(line int, rule, msg string) {
		out = append(out, Finding{Path: path, Line: line, Column: 1, Rule: rule, Severity: Error, Message: msg})
	}
	ini := base != ".htaccess"
	var (
		section   string // the pattern of the enclosing <Files> or <FilesMatch>
		seCond    bool   // a RewriteCond on search engines is pending
		seCondLn  int
		lines     = strings.Split(string(data), "\n")
		continued string
	)
	for i, raw := range lines {
		line := strings.TrimSpace(strings.TrimRight(raw, "\r"))
		if strings.HasSuffix(line, "\\") {
			continued += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		line = continued + line
		continued = ""
		n := i + 1
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if ini {
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			k = strings.ToLower(strings.TrimSpace(k))
			v = strings.Trim(strings.TrimSpace(v), `"'`)
			if (k == "auto_prepend_file" || k == "auto_append_file") && v != "" && !strings.EqualFold(v, "none") {
				report(n, "htaccess-prepend", k+" loads "+clipText(v)+" into every PHP script")
			}
			continue
		}
		fields := strings.Fields(line)
		dir := strings.ToLower(fields[0])
		args := fields[1:]
		switch {
		case strings.HasPrefix(dir, "<files"):
			section = strings.Trim(strings.Join(args, " "), `"'>~ `)
			continue
		case strings.HasPrefix(dir, "</files"):
			section = ""
			continue
		}
		switch dir {
		case "php_value", "php_admin_value", "php_flag", "php_admin_flag":
			if len(args) < 2 {
				continue
			}
			k, v := strings.ToLower(args[0]), strings.Trim(strings.Join(args[1:], " "), `"'`)
			switch {
			case (k == "auto_prepend_file" || k == "auto_append_file") && !strings.EqualFold(v, "none"):
				report(n, "htaccess-prepend", dir+" "+k+" loads "+clipText(v)+" into every PHP script")
			case k == "allow_url_include" && isOn(v):
				report(n, "htaccess-prepend", dir+" allow_url_include lets include run code from URLs")
			case k == "engine" && isOn(v) && inUploads:
				report(n, "htaccess-handler", dir+" engine on runs PHP in an uploads directory")
			}
		case "addhandler", "addtype", "sethandler", "forcetype":
			if len(args) == 0 {
				continue
			}
			handler := strings.ToLower(args[0])
			php := strings.Contains(handler, "php") && !strings.Contains(handler, "source")
			cgi := handler == "cgi-script"
			if !php && !cgi {
				continue
			}
			var exts []string
			if dir == "addhandler" || dir == "addtype" {
				exts = args[1:]
			} else if section != "" {
				exts = sectionExts(section)
			} else {
				report(n, "htaccess-handler", dir+" "+args[0]+" runs every file of the directory as a program")
				continue
			}
			for _, e := range exts {
				e = strings.ToLower(strings.TrimPrefix(e, "."))
				if php && kinds.IsPHPExt(e) || cgi && (e == "cgi" || e == "pl" || e == "py" || e == "sh") || e == "" {
					continue
				}
				report(n, "htaccess-handler", dir+" "+args[0]+" runs ."+e+" files as programs")
				break
			}
		case "rewritecond":
			if len(args) >= 2 {
				v := strings.ToLower(args[0] + " " + args[1])
				if (strings.Contains(v, "http_referer") || strings.Contains(v, "http_user_agent")) && searchEngine(v) {
					seCond, seCondLn = true, n
				}
			}
		case "rewriterule":
			if seCond && len(args) >= 2 {
				t := strings.ToLower(args[1])
				if strings.HasPrefix(t, "http://") || strings.HasPrefix(t, "https://") || strings.Contains(t, ".php") && !strings.Contains(t, "index.php") {
					report(n, "htaccess-redirect", "visitors from search engines (line "+itoa(seCondLn)+") are sent to "+clipText(args[1]))
				}
			}
			seCond = false
		case "errordocument":
			if len(args) >= 2 && (strings.HasPrefix(args[1], "http://") || strings.HasPrefix(args[1], "https://")) && searchEngine(strings.ToLower(args[1])) {
				report(n, "htaccess-redirect", "error pages redirect to "+clipText(args[1]))
			}
		}
	}
	return out
}

func isOn(v string) bool {
	switch strings.ToLower(v) {
	case "1", "on", "true", "yes":
		return true
	}
	return false
}

func clipText(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return s
}

func itoa(i int) string {
	b := []byte{}
	if i == 0 {
		return "0"
	}
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// searchEngine reports whether a condition names a search engine's
// crawler or results page.
func searchEngine(s string) bool {
	for _, w := range []string{"google", "bing", "yahoo", "yandex", "baidu", "msn", "aol", "ask.com", "duckduckgo", "slurp", "crawler", "spider", "bot"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// sectionExts returns the file extensions a <Files> or <FilesMatch>
// pattern names, such as jpg and png in "\.(jpe?g|png)$".
func sectionExts(pat string) []string {
	p := strings.ToLower(pat)
	p = strings.NewReplacer(`\.`, ".", "$", "", "^", "", "(", "|", ")", "|", "?", "", "*", "", "[", "", "]", "", "\"", "", "'", "").Replace(p)
	var out []string
	for _, part := range strings.FieldsFunc(p, func(r rune) bool { return r == '|' || r == '.' || r == ' ' }) {
		if part != "" && part != "+" {
			out = append(out, part)
		}
	}
	if len(out) == 0 {
		out = []string{"?"}
	}
	return out
}
