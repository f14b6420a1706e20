package main

import (
	"context"

	"github.com/lab-ia/piaf/backend/pseudo/pseudocli"
	"github.com/lab-ia/piaf/backend/qa/qacli"
)

// runQA hands `piaf qa …` to the question-answering engine's CLI.
func runQA(ctx context.Context, env *cliEnv, args []string) int {
	return qacli.Run(ctx, args, env.stdin, env.stdout, env.stderr)
}

// runPseudo hands `piaf pseudo …` to the pseudonymisation engine's CLI.
func runPseudo(ctx context.Context, env *cliEnv, args []string) int {
	return pseudocli.Run(ctx, args, env.stdin, env.stdout, env.stderr)
}
