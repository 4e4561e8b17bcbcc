package phplex

// Strings: single-quoted, double-quoted and backquoted, heredocs and
// nowdocs, and the variables interpolated in them.

// single scans a single-quoted string whose body starts at q.
func (l *lexer) single(q int) Kind {
	s := l.src
	for q < len(s) {
		if s[q] == '\'' {
			l.pos = q + 1
			return T_CONSTANT_ENCAPSED_STRING
		}
		if s[q] == '\\' && q+1 < len(s) {
			q++
		}
		q++
	}
	l.pos = len(s)
	return T_ENCAPSED_AND_WHITESPACE
}

// scanEncapsed scans string text from q up to the closing byte end (0 for
// none) or an interpolation: "$" before a label or "{", or "{$". It
// returns where it stopped.
func (l *lexer) scanEncapsed(q int, end byte) int {
	s := l.src
	for q < len(s) {
		c := s[q]
		q++
		switch {
		case c == end && end != 0:
			return q - 1
		case c == '$':
			if q < len(s) && (isLabelStart(s[q]) || s[q] == '{') {
				return q - 1
			}
		case c == '{':
			if q < len(s) && s[q] == '$' {
				return q - 1
			}
		case c == '\\':
			if q < len(s) {
				q++
			}
		}
	}
	return len(s)
}

// double scans a double-quoted string whose body starts at q: one token
// when nothing is interpolated, else the opening quote.
func (l *lexer) double(q int) Kind {
	e := l.scanEncapsed(q, '"')
	if e < len(l.src) && l.src[e] == '"' {
		l.pos = e + 1
		return T_CONSTANT_ENCAPSED_STRING
	}
	l.pos = q
	l.st = stDouble
	return '"'
}

// heredocStart scans the rest of "<<<" LABEL NEWLINE from q.
func (l *lexer) heredocStart(q int) (Kind, bool) {
	s := l.src
	for l.at(q) == ' ' || l.at(q) == '\t' {
		q++
	}
	quote := l.at(q)
	if quote == '\'' || quote == '"' {
		q++
	} else {
		quote = 0
	}
	n := l.label(q)
	if n == 0 {
		return 0, false
	}
	label := string(s[q : q+n])
	q += n
	if quote != 0 {
		if l.at(q) != quote {
			return 0, false
		}
		q++
	}
	switch l.at(q) {
	case '\n':
		q++
	case '\r':
		q++
		if l.at(q) == '\n' {
			q++
		}
	default:
		return 0, false
	}
	l.pos = q
	h := heredoc{label: label}
	if quote == '\'' {
		l.st = stNowdoc
	} else {
		l.st = stHeredoc
	}
	// The closing label right on the next line ends an empty heredoc.
	ind := q
	for ind < len(s) && (s[ind] == ' ' || s[ind] == '\t') {
		ind++
	}
	if ind < len(s) && len(label) < len(s)-ind && string(s[ind:ind+len(label)]) == label && !isLabelChar(s[ind+len(label)]) {
		h.indent = ind - q
		l.st = stEndHeredoc
	}
	l.heredocs = append(l.heredocs, h)
	return T_START_HEREDOC, true
}

// closingLabel reports whether the line starting at q (after its
// indentation) ends the current heredoc, and returns where the
// indentation ends.
func (l *lexer) closingLabel(q int) (int, bool) {
	s := l.src
	ind := q
	for ind < len(s) && (s[ind] == ' ' || s[ind] == '\t') {
		ind++
	}
	if ind == len(s) {
		return ind, false
	}
	label := l.heredocs[len(l.heredocs)-1].label
	if isLabelStart(s[ind]) && len(label) < len(s)-ind && string(s[ind:ind+len(label)]) == label && !isLabelChar(s[ind+len(label)]) {
		return ind, true
	}
	return ind, false
}

// interpolated scans one token inside a double-quoted string, a
// backquoted command or a heredoc.
func (l *lexer) interpolated() Kind {
	s := l.src
	p := l.pos
	c := s[p]
	switch {
	case c == '"' && l.st == stDouble, c == '`' && l.st == stBackquote:
		l.pos = p + 1
		l.st = stScripting
		return Kind(c)
	case c == '$' && l.at(p+1) == '{':
		l.pos = p + 2
		l.push(stVarname)
		return T_DOLLAR_OPEN_CURLY_BRACES
	case c == '$' && isLabelStart(l.at(p+1)):
		end := p + 1 + l.label(p+1)
		l.pos = end
		switch {
		case l.at(end) == '[':
			l.push(stVarOffset)
		case l.at(end) == '-' && l.at(end+1) == '>' && isLabelStart(l.at(end+2)),
			l.at(end) == '?' && l.at(end+1) == '-' && l.at(end+2) == '>' && isLabelStart(l.at(end+3)):
			l.push(stProperty)
		}
		return T_VARIABLE
	case c == '{' && l.at(p+1) == '$':
		l.pos = p + 1
		l.push(stScripting)
		return T_CURLY_OPEN
	}
	if l.st != stHeredoc {
		q := p + 1
		if c == '\\' && q < len(s) {
			q++
		}
		end := byte('"')
		if l.st == stBackquote {
			end = '`'
		}
		l.pos = l.scanEncapsed(q, end)
		return T_ENCAPSED_AND_WHITESPACE
	}
	q := p
	for q < len(s) {
		c := s[q]
		q++
		switch c {
		case '\r', '\n':
			if c == '\r' && l.at(q) == '\n' {
				q++
			}
			ind, end := l.closingLabel(q)
			if ind == len(s) {
				l.pos = len(s)
				return T_ENCAPSED_AND_WHITESPACE
			}
			if end {
				l.heredocs[len(l.heredocs)-1].indent = ind - q
				l.st = stEndHeredoc
				l.pos = q
				return T_ENCAPSED_AND_WHITESPACE
			}
			q = ind
		case '$':
			if q < len(s) && (isLabelStart(s[q]) || s[q] == '{') {
				l.pos = q - 1
				return T_ENCAPSED_AND_WHITESPACE
			}
		case '{':
			if q < len(s) && s[q] == '$' {
				l.pos = q - 1
				return T_ENCAPSED_AND_WHITESPACE
			}
		case '\\':
			if q < len(s) && s[q] != '\n' && s[q] != '\r' {
				q++
			}
		}
	}
	l.pos = len(s)
	return T_ENCAPSED_AND_WHITESPACE
}

func (l *lexer) nowdoc() Kind {
	s := l.src
	q := l.pos
	for q < len(s) {
		c := s[q]
		q++
		if c != '\r' && c != '\n' {
			continue
		}
		if c == '\r' && l.at(q) == '\n' {
			q++
		}
		ind, end := l.closingLabel(q)
		if ind == len(s) {
			break
		}
		if end {
			l.heredocs[len(l.heredocs)-1].indent = ind - q
			l.st = stEndHeredoc
			l.pos = q
			return T_ENCAPSED_AND_WHITESPACE
		}
		q = ind
	}
	l.pos = len(s)
	return T_ENCAPSED_AND_WHITESPACE
}

// varOffset scans one token of "$a[...]" inside a string.
func (l *lexer) varOffset() Kind {
	s := l.src
	p := l.pos
	c := s[p]
	switch {
	case c >= '0' && c <= '9':
		l.pos = l.digits(p)
		return T_NUM_STRING
	case c == ']':
		l.pos = p + 1
		l.pop()
		return ']'
	case c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\\' || c == '\'' || c == '#':
		// A parse error for PHP: an empty token, and the string goes on.
		l.pop()
		return T_ENCAPSED_AND_WHITESPACE
	case c == '$' && isLabelStart(l.at(p+1)):
		l.pos = p + 1 + l.label(p+1)
		return T_VARIABLE
	case isLabelStart(c):
		l.pos = p + l.label(p)
		return T_STRING
	}
	switch c {
	case ';', ':', ',', '.', '|', '^', '&', '+', '-', '/', '*', '=', '%', '!', '~', '$', '<', '>', '?', '@',
		'[', '(', ')', '{', '}', '"', '`':
		l.pos = p + 1
		return Kind(c)
	}
	l.pos = p + 1
	return T_BAD_CHARACTER
}
