package phplex

import "strconv"

// Numbers: integer and float literals, and the kind PHP gives a literal
// too large for an integer.

// digits scans an integer literal at p (decimal, hex, binary or octal,
// with underscores), as the offset of "$a[...]" takes it.
func (l *lexer) digits(p int) int {
	if l.src[p] == '0' {
		switch l.at(p + 1) {
		case 'x', 'X':
			if q := l.run(p+2, isHex); q > p+2 {
				return q
			}
		case 'b', 'B':
			if q := l.run(p+2, isBin); q > p+2 {
				return q
			}
		case 'o', 'O':
			if q := l.run(p+2, isOct); q > p+2 {
				return q
			}
		}
	}
	return l.run(p, isDigit)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isBin(c byte) bool   { return c == '0' || c == '1' }
func isOct(c byte) bool   { return c >= '0' && c <= '7' }

// run scans digit(_digit)* from p, returning p if there is no digit.
func (l *lexer) run(p int, digit func(byte) bool) int {
	if !digit(l.at(p)) || p >= len(l.src) {
		return p
	}
	q := p + 1
	for q < len(l.src) {
		if digit(l.src[q]) {
			q++
		} else if l.src[q] == '_' && q+1 < len(l.src) && digit(l.src[q+1]) {
			q += 2
		} else {
			break
		}
	}
	return q
}

// number scans a numeric literal at l.pos.
func (l *lexer) number() Kind {
	p := l.pos
	if l.src[p] == '0' {
		var digit func(byte) bool
		var bits int // bits of one digit
		switch l.at(p + 1) {
		case 'x', 'X':
			digit, bits = isHex, 4
		case 'b', 'B':
			digit, bits = isBin, 1
		case 'o', 'O':
			digit, bits = isOct, 3
		}
		if digit != nil {
			if q := l.run(p+2, digit); q > p+2 {
				l.pos = q
				return intKind(l.src[p+2:q], bits)
			}
		}
	}
	q := l.run(p, isDigit)
	isInt := q > p
	if l.at(q) == '.' {
		if r := l.run(q+1, isDigit); r > q+1 || q > p {
			q, isInt = r, false
		}
	}
	if c := l.at(q); (c == 'e' || c == 'E') && q > p {
		r := q + 1
		if l.at(r) == '+' || l.at(r) == '-' {
			r++
		}
		if e := l.run(r, isDigit); e > r {
			q, isInt = e, false
		}
	}
	l.pos = q
	if !isInt {
		return T_DNUMBER
	}
	return decimalKind(l.src[p:q])
}

func stripUnderscores(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c != '_' {
			out = append(out, c)
		}
	}
	return out
}

// intKind decides whether hex, binary or octal digits fit in PHP's int.
func intKind(digits []byte, bits int) Kind {
	d := stripUnderscores(digits)
	i := 0
	for i < len(d) && d[i] == '0' {
		i++
	}
	d = d[i:]
	switch bits {
	case 4:
		if len(d) < 16 || len(d) == 16 && d[0] <= '7' {
			return T_LNUMBER
		}
	case 1:
		if len(d) < 64 {
			return T_LNUMBER
		}
	case 3:
		if _, err := strconv.ParseInt(string(d), 8, 64); err == nil || len(d) == 0 {
			return T_LNUMBER
		}
	}
	return T_DNUMBER
}

// decimalKind decides whether a decimal (or 0-prefixed octal) integer
// literal fits in PHP's int.
func decimalKind(lit []byte) Kind {
	octal := lit[0] == '0'
	if octal {
		for _, c := range lit {
			if c == '8' || c == '9' {
				return T_LNUMBER // a parse error for PHP, a number for its lexer
			}
		}
	}
	d := stripUnderscores(lit)
	if len(d) < 19 {
		return T_LNUMBER
	}
	base := 10
	if octal {
		base = 8
	}
	if _, err := strconv.ParseInt(string(d), base, 64); err != nil {
		return T_DNUMBER
	}
	return T_LNUMBER
}
