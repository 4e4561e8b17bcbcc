package engine

import (
	"encoding/binary"
	"regexp/syntax"
	"slices"
	"unicode/utf8"
)

// lineDFA tells, one line at a time and a table lookup per byte, which
// lines may hold a match of a pattern that has neither a literal nor a
// class run to skip ahead to (docs/RATIONALE.md, "Searching is linear").
// It is a deterministic automaton built lazily from the pattern's
// compiled program, as RE2's is, and it over-approximates: every line the
// regexp matches reaches a match state, and a line that reaches one is
// then matched by the regexp itself, which alone decides the reply. So it
// only skips lines, and the reply is the same as matching every line.
//
// Over bytes, the program's instructions consume runes. An ASCII byte is
// its own rune and is matched exactly, case folding included. A byte at or
// above 0x80 is taken by any instruction that accepts some rune outside
// ASCII, U+FFFD included (the regexp's rune for a byte that is not UTF-8);
// such an instruction may then also take the continuation bytes after it.
// That allows a little more than the regexp does, never less. Empty-width
// assertions are decided exactly: ^ and \A hold at the line's start, $ and
// \z at its end, \b and \B from the ASCII word bytes on either side, as
// the regexp decides them against the line on its own.
//
// Its cost is bounded: past [maxDFAStates] states or [maxDFAWork]
// instructions visited building them, it gives up and every line is
// matched by the regexp, as without it.
type lineDFA struct {
	prog   *syntax.Prog
	states []dfaState
	index  map[string]int32
	// trans is indexed by state<<8 | byte: 0 not built yet, -1 the line
	// may match (a match ends before the byte, or at the line's end when
	// the byte is '\n'), otherwise the next state.
	trans  []int32
	work   int
	failed bool
	// scratch for building states
	seen  []uint32 // sparse set over thread ids
	dense []uint32
	stack []uint32
	moved []uint32
	key   []byte
}

// dfaState is the threads at one position of a line, before their
// closure: pcs of the program, and pcs plus len(prog.Inst) for an
// instruction inside a rune of several bytes it accepts.
type dfaState struct {
	threads []uint32
	start   bool // the position is the line's start
	word    bool // the byte before is an ASCII word byte
	end     int8 // 0 not decided yet, 1 a match ends at the line's end, -1 none
}

// Bounds of a lineDFA, well above what ordinary patterns need: a few
// dozen states.
const (
	maxDFAStates = 4096
	maxDFAWork   = 1 << 23
)

// newLineDFA is the automaton of pattern, or nil when it does not compile
// the way the regexp compiled it.
func newLineDFA(pattern string) *lineDFA {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil
	}
	n := 2 * len(prog.Inst)
	d := &lineDFA{prog: prog, index: map[string]int32{}, seen: make([]uint32, n), dense: make([]uint32, 0, n)}
	d.states = append(d.states, dfaState{}) // id 0 means "not built"
	d.trans = make([]int32, 256)
	d.intern(nil, true, false) // id 1, a line's start
	return d
}

// lineStart is the state at the start of every line.
const lineStart = 1

// next returns an offset in the first line at or after from that may
// match, or -1 when none does; from is a line's start. Once the automaton
// gave up, that is the line at from.
func (d *lineDFA) next(data []byte, from int) int {
	if d.failed {
		return from
	}
	s := int32(lineStart)
	for i := from; i < len(data); i++ {
		t := d.trans[int(s)<<8|int(data[i])]
		if t == 0 {
			t = d.build(s, data[i])
			if d.failed {
				// Give the regexp the line i is in.
				for j := i; j > from; j-- {
					if data[j-1] == '\n' {
						return j
					}
				}
				return from
			}
		}
		if t < 0 {
			return i
		}
		s = t
	}
	if len(data) > from && data[len(data)-1] != '\n' && d.endMatch(s) {
		return len(data)
	}
	return -1
}

// build computes and records the transition of state s on byte b.
func (d *lineDFA) build(s int32, b byte) int32 {
	st := d.states[s]
	var t int32
	if d.closure(st, b == '\n', b) {
		t = -1
	} else if b == '\n' {
		t = lineStart
	} else {
		t = d.step(b)
	}
	if d.failed {
		return 0
	}
	d.trans[int(s)<<8|int(b)] = t
	return t
}

// endMatch reports whether a match ends at the end of a line whose last
// byte led to state s.
func (d *lineDFA) endMatch(s int32) bool {
	st := &d.states[s]
	if st.end == 0 {
		st.end = -1
		if d.closure(*st, true, 0) {
			st.end = 1
		}
	}
	return st.end > 0 || d.failed
}

// closure follows the threads of st and a new thread at the program's
// start through every instruction that consumes nothing, with the
// empty-width assertions decided at st's position, next to byte b (or at
// the line's end when end is set). It leaves in d.dense the threads that
// consume a byte, and reports whether one reached a match.
func (d *lineDFA) closure(st dfaState, end bool, b byte) bool {
	var ctx syntax.EmptyOp
	if st.start {
		ctx |= syntax.EmptyBeginLine | syntax.EmptyBeginText
	}
	after := false
	if end {
		ctx |= syntax.EmptyEndLine | syntax.EmptyEndText
	} else {
		after = isWordByte(b)
	}
	if st.word != after {
		ctx |= syntax.EmptyWordBoundary
	} else {
		ctx |= syntax.EmptyNoWordBoundary
	}
	d.dense = d.dense[:0]
	d.stack = append(d.stack[:0], uint32(d.prog.Start))
	for i := len(st.threads) - 1; i >= 0; i-- {
		d.stack = append(d.stack, st.threads[i])
	}
	n := uint32(len(d.prog.Inst))
	matched := false
	for len(d.stack) > 0 {
		id := d.stack[len(d.stack)-1]
		d.stack = d.stack[:len(d.stack)-1]
		if d.has(id) {
			continue
		}
		d.add(id)
		if d.work++; d.work > maxDFAWork {
			d.failed = true
			return true
		}
		if id >= n {
			continue // inside a rune: consumes
		}
		inst := &d.prog.Inst[id]
		switch inst.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			d.stack = append(d.stack, inst.Arg, inst.Out)
		case syntax.InstCapture, syntax.InstNop:
			d.stack = append(d.stack, inst.Out)
		case syntax.InstEmptyWidth:
			if syntax.EmptyOp(inst.Arg)&^ctx == 0 {
				d.stack = append(d.stack, inst.Out)
			}
		case syntax.InstMatch:
			matched = true
		}
	}
	return matched
}

// step moves the consuming threads closure left over byte b, not '\n',
// and returns the state they reach.
func (d *lineDFA) step(b byte) int32 {
	n := uint32(len(d.prog.Inst))
	d.moved = d.moved[:0]
	for _, id := range d.dense {
		if id >= n {
			// Inside a rune of several bytes: a continuation byte may
			// end it or go on with it.
			if 0x80 <= b && b < 0xC0 {
				d.moved = append(d.moved, d.prog.Inst[id-n].Out, id)
			}
			continue
		}
		inst := &d.prog.Inst[id]
		var ascii bool // whether inst takes b when b is ASCII
		switch inst.Op {
		case syntax.InstRune, syntax.InstRune1:
			ascii = b < utf8.RuneSelf && inst.MatchRune(rune(b))
		case syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			ascii = true // b is not '\n'
		default:
			continue
		}
		if b < utf8.RuneSelf {
			if ascii {
				d.moved = append(d.moved, inst.Out)
			}
		} else if acceptsNonASCII(inst) {
			d.moved = append(d.moved, inst.Out, id+n)
		}
	}
	slices.Sort(d.moved)
	d.moved = slices.Compact(d.moved)
	return d.intern(d.moved, false, isWordByte(b))
}

// intern returns the id of the state of threads, adding it if new.
func (d *lineDFA) intern(threads []uint32, start, word bool) int32 {
	d.key = d.key[:0]
	var flags byte
	if start {
		flags |= 1
	}
	if word {
		flags |= 2
	}
	d.key = append(d.key, flags)
	for _, t := range threads {
		d.key = binary.LittleEndian.AppendUint32(d.key, t)
	}
	if id, ok := d.index[string(d.key)]; ok {
		return id
	}
	if len(d.states) >= maxDFAStates {
		d.failed = true
		return 0
	}
	d.work += len(threads)
	id := int32(len(d.states))
	d.states = append(d.states, dfaState{threads: slices.Clone(threads), start: start, word: word})
	d.index[string(d.key)] = id
	d.trans = append(d.trans, make([]int32, 256)...)
	return id
}

// has and add are a sparse set over thread ids, emptied by resetting
// d.dense.
func (d *lineDFA) has(id uint32) bool {
	i := d.seen[id]
	return int(i) < len(d.dense) && d.dense[i] == id
}

func (d *lineDFA) add(id uint32) {
	d.seen[id] = uint32(len(d.dense))
	d.dense = append(d.dense, id)
}

// acceptsNonASCII reports whether a rune instruction may match some rune
// outside ASCII: any, for one that folds case (K folds to the Kelvin
// sign).
func acceptsNonASCII(inst *syntax.Inst) bool {
	switch inst.Op {
	case syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
		return true
	}
	if syntax.Flags(inst.Arg)&syntax.FoldCase != 0 {
		return true
	}
	for i := 1; i < len(inst.Rune); i += 2 {
		if inst.Rune[i] >= utf8.RuneSelf {
			return true
		}
	}
	// A single rune (InstRune1) is a range of one.
	return len(inst.Rune) == 1 && inst.Rune[0] >= utf8.RuneSelf
}

// isWordByte is syntax.IsWordChar for the rune a byte starts: an ASCII
// letter, digit or underscore; no rune outside ASCII is a word character.
func isWordByte(b byte) bool {
	return b < utf8.RuneSelf && syntax.IsWordChar(rune(b))
}
