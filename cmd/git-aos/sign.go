package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/architectos/aos/workflow"
	"github.com/spf13/pflag"
)

// signDefault is what --sign without a value stands for, as help shows
// it: the key of git's configuration.
const signDefault = "user.signingkey"

// signFlag is --sign[=KEY], git commit's -S[KEY]: given alone, the result
// is signed with git's configured key; with =KEY, with KEY.
type signFlag struct {
	set *bool
	key *string
}

func (s signFlag) String() string {
	if s.key == nil {
		return ""
	}
	return *s.key
}

func (s signFlag) Set(v string) error {
	*s.set = true
	if v != signDefault {
		*s.key = v
	}
	return nil
}

// Type is empty, so that help prints --sign[=user.signingkey].
func (signFlag) Type() string { return "" }

// addSignFlag adds --sign[=KEY], setting sign when given and key to KEY.
func addSignFlag(fl *pflag.FlagSet, sign *bool, key *string) {
	f := fl.VarPF(signFlag{set: sign, key: key}, "sign", "",
		"sign the result commit as git commit -S does (gpg.format, user.signingkey), or with --sign=KEY")
	f.NoOptDefVal = signDefault
}

// signing is the use case's signing option. A KEY that names a file
// relative to the working directory is made absolute: git runs its
// signing program elsewhere, from the top of the working tree.
func signing(dir string, sign bool, key string) *workflow.Signing {
	if !sign {
		return nil
	}
	if key != "" && !filepath.IsAbs(key) && !strings.HasPrefix(key, "~") && !strings.HasPrefix(key, "key::") {
		if p := filepath.Join(dir, key); fileExists(p) {
			key = p
		}
	}
	return &workflow.Signing{Key: key}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
