package aos

// Rule names one rule that a plan, a manifest, a commit or a push can
// break: the [rule] that ends every violation and rejection, and the rule
// field of the JSON and SARIF reports. Rules are stable; docs/spec.md
// section 12 lists every one.
//
// The constants below are the registry, each with its one-line meaning:
// a test checks that each is documented and that no code outside this
// file makes a Rule of its own, so a rule cannot be emitted without being
// registered here.
type Rule string

// Path safety (docs/spec.md 4.1) and the paths a directive reads.
const (
	RulePathEmpty         Rule = "path.empty"          // the path is empty
	RulePathTooLong       Rule = "path.too_long"       // the path is longer than 4096 bytes
	RulePathUTF8          Rule = "path.utf8"           // the path is not valid UTF-8
	RulePathControl       Rule = "path.control"        // the path holds a NUL, C0 or C1 control character, or DEL
	RulePathAbsolute      Rule = "path.absolute"       // the path starts with / or a drive letter
	RulePathBackslash     Rule = "path.backslash"      // the path holds a backslash
	RulePathTrailingSlash Rule = "path.trailing_slash" // the path ends with /
	RulePathNFC           Rule = "path.nfc"            // the path is not in Unicode NFC
	RulePathEmptySegment  Rule = "path.empty_segment"  // the path has an empty segment (a//b)
	RulePathDotSegment    Rule = "path.dot_segment"    // the path has a . or .. segment
	RulePathGit           Rule = "path.git"            // a segment of the path is .git on some operating system
	RulePathThroughFile   Rule = "path.through_file"   // the path lies beneath an existing file
	RulePathCollision     Rule = "path.collision"      // the path adds a name that is another entry's where case and trailing dots and spaces are ignored
	RulePathNotFound      Rule = "path.not_found"      // the path read, appended to, deleted or diffed does not exist, or is ignored
	RulePathNotFile       Rule = "path.not_file"       // the path read is a directory, or the file appended to is not a regular file
	RulePathNotDir        Rule = "path.not_dir"        // the path LS lists is a file
)

// Workspace access (docs/spec.md 4.2, 4.3).
const (
	RuleWorkspaceNotWritable Rule = "workspace.not_writable" // the path matches no writable glob, or is ignored
	RuleWorkspaceProtected   Rule = "workspace.protected"    // the path is always protected: .git, .aos/, the manifest, .gitmodules, .gitattributes
	RuleWorkspaceReadOnly    Rule = "workspace.read_only"    // the path matches a read_only glob
)

// The manifest's policies (docs/spec.md 4.4 to 4.6).
const (
	RulePoliciesDeniedDirectives    Rule = "policies.denied_directives"      // the directive's type is in denied_directives
	RulePoliciesAllowDelete         Rule = "policies.allow_delete"           // a file is deleted, and allow_delete is false
	RulePoliciesMaxFileSize         Rule = "policies.max_file_size_kb"       // a file written is larger than max_file_size_kb
	RulePoliciesAllowExecutable     Rule = "policies.allow_executable"       // a file is made executable, and allow_executable is false
	RulePoliciesAllowSymlinks       Rule = "policies.allow_symlinks"         // a symlink is written, and allow_symlinks is false
	RulePoliciesAllowSubmodules     Rule = "policies.allow_submodules"       // a gitlink is written, and allow_submodules is false
	RulePoliciesAllowModeChanges    Rule = "policies.allow_mode_changes"     // a file's mode changes, and allow_mode_changes is false
	RulePoliciesAllowBinaryPatches  Rule = "policies.allow_binary_patches"   // a patch is binary, and allow_binary_patches is false
	RulePoliciesRequireTestsOnWrite Rule = "policies.require_tests_on_write" // a required suite does not run after the plan's last write
)

// Patches (docs/spec.md 4.5).
const (
	RulePatchParse Rule = "patch.parse" // the patch is not a unified git diff
	RulePatchApply Rule = "patch.apply" // the patch does not apply exactly to the staged files
	RulePatchMode  Rule = "patch.mode"  // a file is given a mode that git does not know
)

// Quarantine (docs/spec.md 4.9).
const (
	RuleQuarantineExists Rule = "quarantine.exists" // the file QUARANTINE would make is there already
)

// The plan document and plan commits (docs/spec.md 3, 6.2, 6.3).
const (
	RulePlanSyntax    Rule = "plan.syntax"    // the plan is not one valid YAML or JSON document
	RulePlanSchema    Rule = "plan.schema"    // a field of the plan is unknown, missing or of the wrong type
	RulePlanSize      Rule = "plan.size"      // the plan is over max_plan_kb or max_directives
	RulePlanVersion   Rule = "plan.version"   // the plan's version is not 1
	RulePlanID        Rule = "plan.id"        // the plan's id is not of the form [a-z0-9][a-z0-9._-]{0,63}
	RulePlanDirective Rule = "plan.directive" // a directive's type is unknown
	RulePlanBase      Rule = "plan.base"      // the plan's base is not a full commit id
	RulePlanCommit    Rule = "plan.commit"    // the commit applied is not a plan commit
	RulePlanStale     Rule = "plan.stale"     // paths the plan touches changed since the base it names
	RulePlanIDUsed    Rule = "plan.id_used"   // the plan's id is taken: its branch aos/<id> exists, or the base's history holds its plan file
)

// Git objects read for a judgement (docs/spec.md 4.8).
const (
	RuleTreeNonCanonical   Rule = "tree.noncanonical"   // a tree is not as git writes it: a name twice, unsorted entries, a bad name or mode
	RuleCommitNonCanonical Rule = "commit.noncanonical" // a commit is not as git writes it: headers missing, repeated or out of order, or a NUL byte
	RuleCommitMessage      Rule = "commit.message"      // a commit message's Aos- trailers have more than one reading, or are unknown, repeated or incomplete
)

// What directives ask of the repository and the manifest (docs/spec.md
// 4.6, 6.5, 10).
const (
	RuleDiffAgainst        Rule = "diff.against"        // the commit DIFF compares against cannot be resolved or read here
	RuleHistoryRead        Rule = "history.read"        // GET_HISTORY cannot read the audit log
	RuleSearchPattern      Rule = "search.pattern"      // the pattern of SEARCH is not an RE2 regular expression of at most 4,096 bytes
	RuleSearchGlob         Rule = "search.glob"         // the glob of SEARCH is malformed, absolute, or has an empty, . or .. segment
	RuleManifestTemplate   Rule = "manifest.template"   // a job's command holds a template that does not expand
	RuleTestsUnknown       Rule = "tests.unknown"       // RUN_TESTS names no suite under tests
	RuleTestsFailed        Rule = "tests.failed"        // a test suite exited non-zero or timed out
	RuleBuildUnknown       Rule = "build.unknown"       // BUILD names no target under build.targets
	RuleBuildFailed        Rule = "build.failed"        // a build target exited non-zero or timed out
	RuleBuildOutputs       Rule = "build.outputs"       // a build's outputs cannot be staged: not regular files, or too large
	RuleToolsUnknown       Rule = "tools.unknown"       // SANDBOX_EXEC names no tool under tools
	RuleToolsArgsPattern   Rule = "tools.args_pattern"  // an argument does not match the tool's args_pattern
	RuleToolsFailed        Rule = "tools.failed"        // a tool exited non-zero or timed out
	RuleToolsExport        Rule = "tools.export"        // the files a tool left for export cannot be moved out: not regular files, or nowhere to put them
	RuleSandboxUnavailable Rule = "sandbox.unavailable" // a job cannot run: no sandbox, or its backend is missing
)

// Validators (docs/validators.md), whose own findings are
// [ValidatorFinding] rules.
const (
	RuleValidatorsLoad        Rule = "validators.load"        // a validator's module cannot be read or does not match its sha256
	RuleValidatorsRun         Rule = "validators.run"         // a validator could not run to its end within its limits
	RuleValidatorsUnavailable Rule = "validators.unavailable" // the manifest names validators, and this git-aos cannot run them
)

// Verifying result commits (docs/spec.md 8, 11).
const (
	RuleVerifyMismatch Rule = "verify.mismatch" // the result commit, its trailers or its tree are not what its plan commit makes
	RuleVerifyMessage  Rule = "verify.message"  // the result commit's message is not the one its plan and run record make
	RuleVerifyRejected Rule = "verify.rejected" // the plan of the result commit is rejected when run again
	RuleVerifyPolicy   Rule = "verify.policy"   // the plan of the result commit is rejected under the server policy
	RuleVerifyJob      Rule = "verify.job"      // a job's record is not the job the manifest runs, or the job run again disagrees with it: exit status or build outputs
)

// The pre-receive hook (docs/spec.md 11, docs/hooks.md).
const (
	RuleProtectRefNamespace   Rule = "protect.ref_namespace"    // the ref is outside the namespaces that may change
	RuleProtectNotCommit      Rule = "protect.not_commit"       // the ref points at something other than a commit
	RuleProtectDelete         Rule = "protect.delete"           // a protected branch is deleted
	RuleProtectCreate         Rule = "protect.create"           // an agent creates a protected branch
	RuleProtectFirstPush      Rule = "protect.first_push"       // the default branch does not exist yet, and the push is not an identified pusher creating it, alone, at a commit with a valid manifest
	RuleProtectNonFastForward Rule = "protect.non_fast_forward" // a protected branch moves to a commit that does not descend from it
	RuleProtectAgent          Rule = "protect.agent"            // an agent pushes a commit other than a plan or verified result to a protected branch
	RuleProtectAgentBranch    Rule = "protect.agent_branch"     // an agent branch receives a commit other than a plan or verified result
	RuleProtectHumans         Rule = "protect.humans"           // a human pushes to a protected branch, and protect.humans is deny
	RuleProtectEvilMerge      Rule = "protect.evil_merge"       // a merge holds content from none of its parents
	RuleProtectRunner         Rule = "protect.runner"           // a result commit holds job records that no trusted runner vouches for: no allowed signature, no runner login, no re-run
)

// ValidatorFinding returns the rule of a validator's finding of severity
// error: validators.NAME/RULE, where NAME is the validator's name in the
// manifest and RULE the rule its module reports (docs/validators.md).
func ValidatorFinding(validator, rule string) Rule {
	return Rule("validators." + validator + "/" + rule)
}

// JobKind is what a sandboxed job runs.
type JobKind string

// The job kinds, one for each directive that runs a job (docs/spec.md 10).
const (
	JobTests JobKind = "tests" // RUN_TESTS: a suite under tests
	JobBuild JobKind = "build" // BUILD: a target under build.targets
	JobExec  JobKind = "exec"  // SANDBOX_EXEC: a tool under tools
)

// Failed returns the rule of a job of kind k that exits non-zero or
// times out.
func (k JobKind) Failed() Rule {
	switch k {
	case JobTests:
		return RuleTestsFailed
	case JobBuild:
		return RuleBuildFailed
	}
	return RuleToolsFailed
}

// Undecided reports whether a violation of r means that what was judged
// could not be judged to its end on this machine (its sandbox backend is
// missing, validators cannot run here), rather than that it breaks a
// rule: a report of such violations alone exits 1, not 3 (docs/spec.md
// section 1).
func (r Rule) Undecided() bool {
	return r == RuleSandboxUnavailable || r == RuleValidatorsUnavailable
}
