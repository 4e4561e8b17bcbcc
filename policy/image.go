package policy

import (
	"fmt"
	"regexp"
	"strings"
)

// imageRefRe is an image reference as the container engines' reference
// grammar (github.com/distribution/reference) defines it: an optional
// registry host with an optional port, lowercase path components, an
// optional tag and an optional digest; or an image id, sha256: and 64 hex
// digits.
var imageRefRe = regexp.MustCompile(`^(?:` +
	// [domain/]
	`(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?` +
	// path-component ['/' path-component]*
	`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*` +
	// [:tag] [@digest]
	`(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?` +
	`|sha256:[a-f0-9]{64})$`)

// imageTransports are the transports of containers/image
// (alltransports), which podman reads before a name: "dir:x",
// "oci-archive:x" or "containers-storage:[...]x" name files and stores on
// the host, not images.
var imageTransports = []string{"containers-storage", "dir", "docker", "docker-archive",
	"docker-daemon", "oci", "oci-archive", "ostree", "sif", "tarball"}

// CheckImage judges environment.image: an image name, with an optional
// registry, tag and digest (example/env:1, registry:5000/team/env@sha256:...),
// or an image id, and nothing else. A transport prefix (docker-archive:,
// oci-archive:, dir:, containers-storage:...) would make the engine read
// host paths, and is refused even where the rest would read as a name and
// tag ("dir:env"); so is anything that is not a reference.
func CheckImage(ref string) error {
	if len(ref) > 255+1+128+72 {
		return fmt.Errorf("image %q is too long to be an image reference", ref)
	}
	if i := strings.IndexByte(ref, ':'); i > 0 && !strings.Contains(ref[:i], "/") {
		for _, t := range imageTransports {
			if strings.EqualFold(ref[:i], t) {
				return fmt.Errorf("image %q names the %s: transport, which reads the host, not an image; name the image (with its registry, as in docker.io/library/%s, when its name is a transport's)", ref, t, ref[:i])
			}
		}
	}
	if !imageRefRe.MatchString(ref) {
		return fmt.Errorf("image %q is not an image reference (name[:tag][@sha256:digest], as in example/env:1)", ref)
	}
	return nil
}
