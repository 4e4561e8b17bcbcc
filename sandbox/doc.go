// Package sandbox runs test, build and exec jobs of a plan in real sandboxes:
// a container (podman or docker), bubblewrap, or, when a manifest asks for it
// explicitly, the host itself.
//
// A job is described by a [Spec]: the manifest's environment, a host
// directory holding the job's workspace (see [Materialize]), the trusted
// command from the manifest, the untrusted arguments of the plan, a deadline
// and an output cap. [Run] runs one job and returns its [Result]; [RunAll]
// runs many with bounded parallelism. [JobRunner] runs the jobs of a plan
// for the engine: it materialises each job's workspace from the staged
// tree and reads a build's outputs back. docs/spec.md section 10 specifies
// the backends; docs/RATIONALE.md ("Sandboxes") gives their threat model
// and measurements.
//
// # Backends
//
// The backend is chosen by environment.type, and only by it: there is no
// default and no fallback. When the chosen backend's program is missing,
// [Run] and [Available] return a [*BackendMissingError] naming the package
// to install.
//
//   - "container" runs the job with the podman or docker CLI (podman when
//     both are installed, since it needs no daemon); environment.engine pins
//     one. "podman" and "docker" are the same backend with the engine pinned.
//     The container gets no network, no capabilities, only the manifest's
//     variables, and the cgroup limits of environment.limits; it is removed
//     afterwards.
//   - "bwrap" runs the job under bubblewrap with the host's /usr, /bin, /lib*
//     and /etc/alternatives read-only, the workspace writable, and fresh
//     /tmp, /proc and /dev, in new user, PID, IPC, UTS, cgroup and network
//     namespaces.
//   - "host" runs the job as a plain child process in its own process group,
//     with a clean environment. It isolates nothing else: no network, file
//     system or resource isolation.
//   - "nix" is not implemented; it returns an error wrapping
//     [ErrNotImplemented].
//
// # Commands and arguments
//
// The command is trusted text from the manifest, run by /bin/sh -c inside
// the sandbox. The arguments of a SANDBOX_EXEC directive are not trusted:
// they are passed as positional parameters, as in
//
//	/bin/sh -c 'COMMAND "$@"' sh ARG1 ARG2 ...
//
// so each argument is exactly one argv element and the shell only expands
// "$@"; quotes, $(...), backticks, globs and newlines in an argument are
// never interpreted.
//
// # Deadlines, limits and output
//
// Every job has a deadline ([Spec.Timeout]). When it passes, the whole job is
// killed: the process group of the host job, the bubblewrap process and
// the init of its PID namespace (killed through a pidfd, and waited for
// until the namespace is empty), or the container (forcibly removed by
// name). The same happens when a job ends by itself with children still
// running. No process of a job outlives [Run], except on the host backend
// a process that leaves the job's process group on purpose (setsid).
//
// CPU, memory and process limits (environment.limits) are enforced by the
// container engine's cgroups. The bwrap and host backends cannot enforce
// them and reject a Spec that sets any.
//
// Standard output and standard error are merged in order and captured up to
// [Spec.MaxOutput] bytes; past the cap the stream is still counted and
// hashed, but not kept. See [Result].
//
// # Container engines
//
// The engine CLI runs with the environment of the calling process, so
// CONTAINERS_CONF, DOCKER_HOST and the like are honoured; the container
// itself gets none of it. [Spec.Runtime], or else the environment variable
// AOS_CONTAINER_RUNTIME, selects the OCI runtime (--runtime). On hosts with
// cgroup v1 and a lowered file limit, podman needs --runtime runc and a
// containers.conf (named by CONTAINERS_CONF) holding
//
//	[containers]
//	default_ulimits = []
//
// Images are never pulled by a job (--pull never): build or pull them first.
package sandbox
