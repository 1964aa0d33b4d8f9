package main

import (
	"os/exec"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
)

// TestWOFScripts runs testdata/wof/*.txtar on the image of
// fixtures/mkwof.sh (files compressed by wimlib, made WOF files through
// ntfs-3g), whose path is $WOFIMG. Commands as in TestScripts.
func TestWOFScripts(t *testing.T) {
	if _, err := exec.LookPath("wimlib-imagex"); err != nil {
		oracle.Unavailable(t, "wimlib-imagex not installed: apt-get install wimtools")
	}
	img := oracle.Image(t, "fixtures/mkwof.sh")
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/wof",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("WOFIMG", img)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status": cmdStatus,
		},
	})
}
