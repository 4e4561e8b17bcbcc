package planfile

import (
	"maps"
	"slices"

	"github.com/architectos/aos"
)

// paramKind is the type of a directive parameter's value.
type paramKind int

const (
	paramString paramKind = iota
	paramBool
	paramStrings // a list of strings
)

// param is one parameter of a directive type: its name, its value's
// type, whether it is required, and its meaning for the JSON Schema.
type param struct {
	name     string
	kind     paramKind
	required bool
	doc      string
}

// directiveSpec is a directive type of docs/spec.md 3.2: what it does and
// its parameters in the order plans write them. It is the one table the
// parser, the plan encoder and the JSON Schema read.
type directiveSpec struct {
	doc    string
	params []param
}

// Parameters shared by several directive types.
var (
	pathParam    = param{"path", paramString, true, "path of the file, relative to the repository root (src/app.go)"}
	contentParam = param{"content", paramString, false, "the content as text; exactly one of content and content_base64"}
	base64Param  = param{"content_base64", paramString, false, "the content base64-encoded, for bytes that are not text; exactly one of content and content_base64"}
	execParam    = param{"executable", paramBool, false, "make the file executable (mode 100755), where policies.allow_executable allows it"}
)

var directiveSpecs = map[aos.DirectiveType]directiveSpec{
	aos.FileRead: {"Read a file of the staged tree: its content, mode, size and blob id.",
		[]param{pathParam}},
	aos.LS: {"List the visible entries of a directory of the staged tree.",
		[]param{{"path", paramString, true, "directory to list, relative to the repository root; . is the root"}}},
	aos.Stat: {"Describe a file or directory of the staged tree: type, mode, size and blob id.",
		[]param{{"path", paramString, true, "path of the file or directory, relative to the repository root"}}},
	aos.FileWrite: {"Create or replace a file.",
		[]param{pathParam, contentParam, base64Param, execParam}},
	aos.FileAppend: {"Append to an existing regular file.",
		[]param{pathParam, contentParam, base64Param, execParam}},
	aos.FileDelete: {"Delete a file (policies.allow_delete).",
		[]param{pathParam}},
	aos.Diff: {"Show the unified diff of a file between a commit (default the base) and the staged tree.",
		[]param{pathParam, {"against", paramString, false, "the commit to compare with (default: the base)"}}},
	aos.Search: {"Find the lines of the staged tree that match a regular expression (RE2 syntax), each line matched on its own.",
		[]param{
			{"pattern", paramString, true, "regular expression in RE2 syntax, matched against each line without its newline"},
			{"path", paramString, false, "file or directory to search, relative to the repository root (default: the whole tree)"},
			{"glob", paramString, false, "search only files matching this glob: with a /, matched against the path from the root (src/**/*.go); without, against the file name (*.go)"},
		}},
	aos.ApplyPatch: {"Apply a unified git diff to the staged tree, exactly: no fuzz, no offset.",
		[]param{{"patch", paramString, true, "the patch as git diff prints it: diff --git headers, a/ and b/ prefixes"}}},
	aos.Quarantine: {"Move a file into the quarantine, aos-rescue/quarantine/, where no server runs it, keeping its content and origin for the record.",
		[]param{
			{"path", paramString, true, "the file to move, relative to the repository root"},
			{"reason", paramString, false, "why it is moved, kept in the plan file"},
		}},
	aos.RunTests: {"Run a test suite of the manifest in its sandbox, on the staged tree.",
		[]param{{"suite", paramString, false, "the suite under tests (default: default)"}}},
	aos.BuildTarget: {"Run a build target of the manifest in its sandbox; the files it makes that match its outputs are staged.",
		[]param{{"target", paramString, true, "the target under build.targets"}}},
	aos.SandboxExec: {"Run a tool of the manifest in its sandbox, on the staged tree.",
		[]param{
			{"tool", paramString, true, "the tool under tools"},
			{"args", paramStrings, false, "arguments, each one argv element, each matching the tool's args_pattern in full"},
		}},
	aos.GetManifest:        {"Show the manifest, with the ignored paths and all they would reveal left out.", nil},
	aos.GetEnvironmentInfo: {"Describe the environment: operating system, versions of git-aos, git and the sandbox, and the sandbox's settings.", nil},
	aos.GetHistory:         {"Show the audit log of the base commit: its latest runs, newest first.", nil},
}

// directiveFields lists the parameters of each directive type, a true
// value marking the required ones.
var directiveFields = func() map[aos.DirectiveType]map[string]bool {
	out := map[aos.DirectiveType]map[string]bool{}
	for t, s := range directiveSpecs {
		f := map[string]bool{}
		for _, p := range s.params {
			f[p.name] = p.required
		}
		out[t] = f
	}
	return out
}()

// DirectiveParams returns the parameter names of a directive type, sorted,
// and whether the type exists.
func DirectiveParams(t aos.DirectiveType) ([]string, bool) {
	f, ok := directiveFields[t]
	if !ok {
		return nil, false
	}
	return slices.Sorted(maps.Keys(f)), true
}

// DirectiveDoc returns what a directive type does, in one sentence.
func DirectiveDoc(t aos.DirectiveType) string { return directiveSpecs[t].doc }
