package phpscan

// Running statements: scopes, the statements of a body, and loops run
// twice so that one iteration's assignments reach the next.

// scope holds the variables of the file's top level or of one function
// call.
type scope struct {
	vars     map[string]value
	depth    map[string]int // control nesting at a variable's last assignment
	globals  map[string]bool
	fn       *funcDecl
	parent   *scope // an arrow function's enclosing scope
	top      bool
	register bool // extract(), parse_str() or $$k = ... put request data in variables
	nest     int  // control nesting now
	ret      value
	hasRet   bool
	this     string
}

func newScope(fn *funcDecl) *scope {
	return &scope{vars: map[string]value{}, depth: map[string]int{}, fn: fn}
}

type sinkKind uint8

const (
	sinkCode sinkKind = iota
	sinkCommand
	sinkInclude
	sinkCallee
	sinkWritePath
	sinkWriteData
)

// sinkUse is a sink a function's parameters reach.
type sinkUse struct {
	mask taint
	kind sinkKind
	name string // the sink: eval, system...
	off  int
}

type summary struct {
	sinks []sinkUse
	ret   value
	seen  map[[2]int]bool
}

func (a *analyzer) loopTwice() bool { return a.loops < 3 }

func (a *analyzer) run(sc *scope, body []*stmt) {
	for _, s := range body {
		if a.stop() {
			return
		}
		a.stmt(sc, s)
	}
}

func (a *analyzer) nested(sc *scope, body []*stmt) {
	sc.nest++
	a.run(sc, body)
	sc.nest--
}

func (a *analyzer) stmt(sc *scope, s *stmt) {
	switch s.kind {
	case sExpr, sEcho:
		for _, e := range s.exprs {
			a.eval(sc, e)
		}
	case sReturn:
		var v value
		if len(s.exprs) > 0 {
			v = a.eval(sc, s.exprs[0])
		}
		if sc.hasRet {
			sc.ret = union(sc.ret, v)
			if v.arr != nil && sc.ret.arr == nil {
				sc.ret.arr = v.arr
			}
		} else {
			sc.ret, sc.hasRet = v, true
		}
	case sGlobal:
		if sc.globals == nil {
			sc.globals = map[string]bool{}
		}
		for _, n := range s.names {
			sc.globals[n] = true
		}
	case sStatic:
		for _, e := range s.exprs {
			a.eval(sc, e)
		}
	case sIf:
		for _, e := range s.exprs {
			a.eval(sc, e)
		}
		for _, b := range s.blocks {
			a.nested(sc, b)
		}
	case sLoop:
		for _, e := range s.exprs {
			a.eval(sc, e)
		}
		a.loop(sc, s.blocks[0])
	case sForeach:
		var subject value
		if len(s.exprs) > 0 {
			subject = a.eval(sc, s.exprs[0])
		}
		elem := taintOnly(subject)
		if subject.arr != nil {
			elem = subject.arr.all()
			elem.t |= subject.t
		}
		sc.nest++
		if s.key != nil {
			// The keys of request data are request data too.
			a.assign(sc, s.key, value{t: subject.t &^ (tDecoded | tPacked), src: subject.src})
		}
		if s.val != nil {
			a.assign(sc, s.val, elem)
		}
		sc.nest--
		a.loop(sc, s.blocks[0])
	case sSwitch:
		for _, e := range s.exprs {
			a.eval(sc, e)
		}
		for _, b := range s.blocks {
			a.nested(sc, b)
		}
	case sBlock:
		for _, b := range s.blocks {
			a.run(sc, b)
		}
	case sConst:
		for i, name := range s.names {
			a.consts[lower(name)] = a.eval(sc, s.exprs[i])
		}
	case sFunc, sClass:
		// Declared before the file runs (see analyzer.declare).
	}
}

// loop runs a loop body twice, so that what one iteration assigns reaches
// the next, while few loops are nested (each level doubles the work).
func (a *analyzer) loop(sc *scope, body []*stmt) {
	a.loops++
	a.nested(sc, body)
	if a.loopTwice() {
		a.nested(sc, body)
	}
	a.loops--
}
