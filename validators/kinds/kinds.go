// Package kinds names the built-in validators and the files each one reads.
// It imports nothing, so that the checks' own packages and the programs
// that compare them (validators/internal) share it.
package kinds

// Builtins are the names of the built-in validators, as the module's
// argv[1] names them.
var Builtins = []string{"php-malware", "secrets", "syntax", "text", "wp-core"}

// Index returns the index of builtin in [Builtins], or -1.
func Index(builtin string) int {
	for i, b := range Builtins {
		if b == builtin {
			return i
		}
	}
	return -1
}

// PHPExtensions are the extensions the php-malware built-in reads as PHP.
var PHPExtensions = []string{"php", "php3", "php4", "php5", "php7", "php8", "phtml", "pht", "phps", "phar", "inc"}

// IsPHP reports whether p names a PHP file.
func IsPHP(p string) bool { return IsPHPExt(Ext(p)) }

// IsPHPExt reports whether e (lowercase, no dot) is a PHP extension.
func IsPHPExt(e string) bool {
	for _, x := range PHPExtensions {
		if e == x {
			return true
		}
	}
	return false
}

// ImageExtensions are the extensions of image files.
var ImageExtensions = []string{"jpg", "jpeg", "png", "gif", "ico", "bmp", "webp", "tif", "tiff", "svg", "avif", "heic"}

// IsImage reports whether p names an image file.
func IsImage(p string) bool {
	e := Ext(p)
	for _, x := range ImageExtensions {
		if e == x {
			return true
		}
	}
	return false
}

// SyntaxLanguage returns the language the syntax built-in parses p as
// ("json", "yaml", "toml" or "go"), or "" if it does not check p.
func SyntaxLanguage(p string) string {
	switch Ext(p) {
	case "json":
		return "json"
	case "yaml", "yml":
		return "yaml"
	case "toml":
		return "toml"
	case "go":
		return "go"
	}
	return ""
}

// Wants reports whether builtin reads path; aos_builtin.request leaves the
// others out of the paths the module reads. php-malware reads every file:
// PHP hides in images, .htaccess files and anything under uploads.
func Wants(builtin, path string) bool {
	switch builtin {
	case "syntax":
		return SyntaxLanguage(path) != ""
	}
	return true
}

// Ext returns the lowercase extension of p, without the dot.
func Ext(p string) string {
	for i := len(p) - 1; i >= 0 && p[i] != '/'; i-- {
		if p[i] == '.' {
			return Lower(p[i+1:])
		}
	}
	return ""
}

// Lower returns s with ASCII letters in lowercase.
func Lower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
