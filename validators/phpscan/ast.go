package phpscan

import "github.com/architectos/aos/validators/phplex"

// The syntax tree the parser builds: significant tokens, expression
// nodes, statements, and the functions and classes a file declares.

type tok struct {
	kind phplex.Kind
	off  int
	text string
}

type nodeKind uint8

const (
	nBad     nodeKind = iota
	nLit              // str: the value
	nNum              // str: the literal
	nVar              // str: the name without $
	nVarVar           // kids[0]: the name expression
	nName             // str: a constant or function name, lowercase, no leading backslash
	nMagic            // str: __FILE__, __DIR__ ...
	nInterp           // kids: the parts of "...", a heredoc
	nShell            // kids: the parts of `...`
	nIndex            // kids[0][kids[1]]; kids[1] nil for []
	nProp             // kids[0]->kids[1]
	nSProp            // kids[0]::$kids[1]
	nCConst           // kids[0]::str
	nCall             // kids[0](kids[1:])
	nMCall            // kids[0]->kids[1](kids[2:])
	nSCall            // kids[0]::kids[1](kids[2:])
	nNew              // new kids[0](kids[1:]); fn set for an anonymous class
	nBin              // kids[0] str kids[1]
	nUnary            // str kids[0]
	nCast             // str kids[0]
	nAssign           // kids[0] str kids[1]; str is "=", ".=", ...
	nTernary          // kids[0] ? kids[1] : kids[2]; kids[1] nil for ?:
	nArray            // kids: nPair
	nPair             // kids[0] => kids[1]; kids[0] nil without a key; str "..." for a spread
	nClosure          // fn
	nInclude          // str: include, require...; kids[0]
	nEval             // kids[0]
	nIsset            // kids: arguments (isset, empty): a boolean
	nExit             // kids[0] or none
	nMatch            // kids[0] the subject, then the arms' results
	nList             // kids: expressions evaluated for their effects only
)

type node struct {
	kind nodeKind
	off  int // byte offset of the token it starts at
	str  string
	kids []*node
	fn   *funcDecl
}

type stmtKind uint8

const (
	sExpr stmtKind = iota // exprs
	sEcho
	sReturn
	sGlobal // names
	sStatic // exprs: assignments or variables
	sIf     // exprs: conditions; blocks: the branches
	sLoop   // exprs: heads; blocks[0]: the body
	sForeach
	sSwitch
	sBlock
	sConst // names, exprs
	sFunc  // fn: a named function declared here
	sClass // cls
)

type stmt struct {
	kind   stmtKind
	off    int
	exprs  []*node
	names  []string
	blocks [][]*stmt
	// foreach: subject exprs[0], key, value
	key, val *node
	fn       *funcDecl
	cls      *classDecl
}

type param struct {
	name     string
	variadic bool
	def      *node
}

type funcDecl struct {
	name   string // lowercase; "" for a closure
	class  string // lowercase class name for a method
	off    int
	params []param
	uses   []string // a closure's use ($a, $b)
	arrow  bool     // fn() => expr: sees the enclosing scope
	body   []*stmt

	sum       *summary
	analyzing bool
	pass      int

	// hot is set for a function whose tokens hold something the analysis
	// acts on (a sink, a source, a callback, a variable call, a call of a
	// hot function); the others are summarised without being run.
	hot   bool
	calls []string
	// from and to are the tokens of the body, parsed when the analysis
	// first needs them (parsed is then set).
	from, to int
	parsed   bool
	p        *parser
}

type classDecl struct {
	name    string // lowercase
	off     int
	methods []*funcDecl
	props   []*node // assignments of property defaults: nAssign(nProp($this, name), value)
	consts  []*node
}
