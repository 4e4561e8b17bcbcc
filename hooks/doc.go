// Package hooks adapts git's server hooks to git-aos: the pre-receive
// gatekeeper of docs/hooks.md, which judges every ref update of a push by
// the rules of the protected branch's manifest before git accepts it.
//
// # Input
//
// [receive.Parse] reads the lines receive-pack writes to the hook's
// standard input, strictly: anything else is an error, and an error
// rejects the push.
//
// # Judgement
//
// [PreReceive] judges parsed updates and returns every reason to reject
// them. It never writes to the repository. [RunPreReceive] is the whole
// hook: it reads the updates, opens the repository with the push's
// quarantined objects and judges them within a time budget.
//
// # Installation
//
// [Install] writes a repository's pre-receive hook, a script that runs
// git-aos in this mode.
package hooks
