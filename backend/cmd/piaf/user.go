package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/lab-ia/piaf/backend/internal/app"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/auth"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// runUser is the operators' account tool: create the first admin, grant a
// role, sign someone out everywhere.
func runUser(ctx context.Context, env *cliEnv, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(env.stderr, "piaf user: expected create, grant or revoke-sessions (run 'piaf user -h')")
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintln(env.stdout, `usage:
  piaf user create --email EMAIL [--pseudonym NAME] [--role contributor|consumer|moderator|admin]
        the password is read from standard input (one line) or asked at the terminal
  piaf user grant --email EMAIL --role ROLE
  piaf user revoke-sessions --email EMAIL`)
		return 0
	case "create":
		return userCreate(ctx, env, args[1:])
	case "grant":
		return userGrant(ctx, env, args[1:])
	case "revoke-sessions":
		return userRevoke(ctx, env, args[1:])
	}
	fmt.Fprintf(env.stderr, "piaf user: unknown subcommand %q (create, grant, revoke-sessions)\n", args[0])
	return 2
}

// openApp starts the application without serving, for CLI commands.
func openApp(ctx context.Context, env *cliEnv, name string) (*app.App, bool) {
	cfg, ok := loadConfig(env, name)
	if !ok {
		return nil, false
	}
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), app.Options{})
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf %s: %s\n", name, oneLine(err))
		return nil, false
	}
	return a, true
}

func userCreate(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "user create", "--email EMAIL [--pseudonym NAME] [--role ROLE]")
	email := fs.String("email", "", "e-mail address (required)")
	pseudonym := fs.String("pseudonym", "", "public pseudonym (default: the part of the e-mail before @)")
	role := fs.String("role", "contributor", "contributor, consumer, moderator or admin")
	if code, ok := parseFlags(env, fs, args); !ok {
		return code
	}
	if *email == "" {
		fmt.Fprintln(env.stderr, "piaf user create: --email is required")
		return 2
	}
	if !identity.Role(*role).Valid() {
		fmt.Fprintf(env.stderr, "piaf user create: unknown role %q\n", *role)
		return 2
	}
	if *pseudonym == "" {
		*pseudonym, _, _ = strings.Cut(*email, "@")
	}
	password, err := readPassword(env)
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf user create: %v\n", err)
		return 2
	}
	a, ok := openApp(ctx, env, "user create")
	if !ok {
		return 1
	}
	defer a.Close()
	u, err := a.Auth.CreateUserWithPassword(ctx, *email, *pseudonym, password, identity.Role(*role))
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf user create: %s\n", describeErr(err))
		return 1
	}
	fmt.Fprintf(env.stdout, "created user %d (%s) with role %s\n", u.ID, *email, *role)
	return 0
}

func userGrant(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "user grant", "--email EMAIL --role ROLE")
	email := fs.String("email", "", "e-mail address (required)")
	role := fs.String("role", "", "contributor, consumer, moderator or admin (required)")
	if code, ok := parseFlags(env, fs, args); !ok {
		return code
	}
	if *email == "" || !identity.Role(*role).Valid() {
		fmt.Fprintln(env.stderr, "piaf user grant: --email and a valid --role are required")
		return 2
	}
	a, ok := openApp(ctx, env, "user grant")
	if !ok {
		return 1
	}
	defer a.Close()
	u, err := a.Auth.UserByEmail(ctx, *email)
	if err == nil {
		_, err = a.Auth.SetRole(ctx, nil, u.ID, identity.Role(*role), operatorMeta())
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf user grant: %s\n", describeErr(err))
		return 1
	}
	fmt.Fprintf(env.stdout, "%s is now %s\n", *email, *role)
	return 0
}

func userRevoke(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "user revoke-sessions", "--email EMAIL")
	email := fs.String("email", "", "e-mail address (required)")
	if code, ok := parseFlags(env, fs, args); !ok {
		return code
	}
	if *email == "" {
		fmt.Fprintln(env.stderr, "piaf user revoke-sessions: --email is required")
		return 2
	}
	a, ok := openApp(ctx, env, "user revoke-sessions")
	if !ok {
		return 1
	}
	defer a.Close()
	u, err := a.Auth.UserByEmail(ctx, *email)
	var n int64
	if err == nil {
		n, err = a.Auth.RevokeSessions(ctx, nil, u.ID, operatorMeta())
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf user revoke-sessions: %s\n", describeErr(err))
		return 1
	}
	fmt.Fprintf(env.stdout, "%d session(s) of %s ended\n", n, *email)
	return 0
}

// readPassword reads one line from standard input, or prompts without echo
// when standard input is a terminal. Passwords are never flags: flags end
// up in shell histories and process lists.
func readPassword(env *cliEnv) (string, error) {
	if f, ok := env.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(env.stderr, "Password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(env.stderr, "Again: ")
		again, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.stderr)
		if err != nil {
			return "", err
		}
		if string(b) != string(again) {
			return "", errors.New("the passwords differ")
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}

// describeErr prints a domain error with its field details.
func describeErr(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		if fields, ok := ae.Details["fields"].([]apperr.FieldError); ok {
			parts := make([]string, len(fields))
			for i, f := range fields {
				parts[i] = f.Field + " " + f.Reason
			}
			return strings.Join(parts, "; ")
		}
		return ae.Message
	}
	return oneLine(err)
}

// operatorMeta marks audit events made from the command line.
func operatorMeta() auth.RequestMeta {
	return auth.RequestMeta{IP: "cli", UserAgent: "piaf command line"}
}
