// Package workflow holds the use cases of git-aos: what every front end
// does with a repository. The command line (cmd/git-aos), the pre-receive
// hook (package hooks) and the front ends to come call the same functions,
// so that a plan is judged by the same code whichever way it arrives.
//
// Each use case takes a context and an options struct and returns its
// result as data: it prints nothing, and package report renders results.
// A plan or commit that is not allowed is a result whose report is not OK;
// an error means the use case could not decide, and a front end must then
// refuse as well. Errors that have a known fix carry it as an
// [aos.HintError].
//
// # Use cases
//
//   - Plans: [CheckPlan], [Propose], [Apply], [Run].
//   - Audit: [Verify], [Log].
//   - Checks: [CheckManifest], [ManifestSchema], [Validate].
//   - Servers: [WarmCache]; the hook judges pushed commits with
//     [CheckPlanCommit] and [VerifyCommit].
//
// # Runtime
//
// [NewRuntime] wires the ports a plan needs beyond git objects: the
// sandbox its jobs run in (package sandbox) and its validators (packages
// validators and wasm). Front ends build one and pass it in the options;
// they import none of those packages.
//
// # Stages
//
// A use case loads the manifest and the plan (package cue), stages the
// plan against its base commit with the engine, runs validators and jobs,
// and writes results as git objects and refs (package gitops): the plan
// commit, the result commit and its run record ([record.Record]).
package workflow
