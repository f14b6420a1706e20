package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func runCLI(t *testing.T, environ []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, environ: environ}
	code = dispatch(context.Background(), env, args)
	return code, out.String(), errb.String()
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, out, _ := runCLI(t, nil, "help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, c := range commands() {
		if !strings.Contains(out, c.name) {
			t.Errorf("help does not list %q", c.name)
		}
	}
}

func TestBadInvocationsExitNonZeroWithOneLine(t *testing.T) {
	cases := [][]string{
		{"frobnicate"},
		{"serve", "--bogus"},
		{"serve", "extra-argument"},
		{"migrate", "sideways"},
		{"version", "--what"},
	}
	for _, args := range cases {
		code, _, stderr := runCLI(t, nil, args...)
		if code == 0 {
			t.Errorf("%v: exit 0", args)
		}
		if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; stderr == "" || lines != 1 {
			t.Errorf("%v: want one line on stderr, got %q", args, stderr)
		}
	}
}

func TestBadConfigurationNamesTheVariable(t *testing.T) {
	code, _, stderr := runCLI(t, []string{"PIAF_DATABASE_URL=mysql://localhost/piaf"}, "serve")
	if code == 0 || !strings.Contains(stderr, "PIAF_DATABASE_URL") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCLI(t, nil, "serve", "--addr", "nowhere")
	if code != 2 || !strings.Contains(stderr, "--addr") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestUnreachablePostgresIsAClearError(t *testing.T) {
	code, _, stderr := runCLI(t, []string{"PIAF_DATABASE_URL=postgres://piaf:secret@127.0.0.1:1/piaf", "PIAF_DATA_DIR=" + t.TempDir()}, "migrate", "status")
	if code != 1 || !strings.Contains(stderr, "database unreachable") || strings.Contains(stderr, "secret") || strings.Contains(stderr, "panic") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestMigrateUpThenStatus(t *testing.T) {
	env := []string{"PIAF_DATA_DIR=" + t.TempDir()}
	if code, _, stderr := runCLI(t, env, "migrate", "up"); code != 0 {
		t.Fatalf("up: %d %s", code, stderr)
	}
	code, out, _ := runCLI(t, env, "migrate", "status")
	if code != 0 || !strings.Contains(out, "applied") || strings.Contains(out, "pending") {
		t.Fatalf("status: %d %q", code, out)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "piaf ") {
		t.Fatalf("%d %q", code, out)
	}
}

func TestUserCommandsBootstrapAnAdmin(t *testing.T) {
	env := []string{"PIAF_DATA_DIR=" + t.TempDir()}
	runWithStdin := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		e := &cliEnv{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, environ: env}
		return dispatch(context.Background(), e, args), out.String(), errb.String()
	}
	if code, _, stderr := runWithStdin("court\n", "user", "create", "--email", "chef@exemple.fr", "--role", "admin"); code != 1 || !strings.Contains(stderr, "password") {
		t.Fatalf("weak password: %d %q", code, stderr)
	}
	code, out, stderr := runWithStdin("cheval-batterie-agrafe-correcte-42\n", "user", "create", "--email", "chef@exemple.fr", "--role", "admin")
	if code != 0 || !strings.Contains(out, "role admin") {
		t.Fatalf("create: %d %q %q", code, out, stderr)
	}
	if code, _, stderr := runWithStdin("cheval-batterie-agrafe-correcte-42\n", "user", "create", "--email", "CHEF@exemple.fr"); code != 1 || !strings.Contains(stderr, "already") {
		t.Fatalf("duplicate: %d %q", code, stderr)
	}
	if code, out, _ := runWithStdin("", "user", "grant", "--email", "chef@exemple.fr", "--role", "moderator"); code != 1 {
		t.Fatalf("demoting the last admin: %d %q", code, out)
	}
	if code, out, _ := runWithStdin("", "user", "revoke-sessions", "--email", "chef@exemple.fr"); code != 0 || !strings.Contains(out, "0 session") {
		t.Fatalf("revoke: %d %q", code, out)
	}
	if code, _, _ := runWithStdin("", "user", "create", "--email", "x@exemple.fr", "--password", "inline"); code != 2 {
		t.Fatal("a --password flag must not exist")
	}
}
