package bot

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// Callback actions are named constants in one place (domain/callback's
// actions.go), so the buttons the workers draw and the handlers the bot
// routes cannot drift apart (issue 9, item 5). This fails on an action
// written as a string literal where buttons are built or routed in bot/ or
// jobs/ (tests aside): callback.New, btn, rt.action, pagingRow,
// taskListScreen, and action constants declared outside domain/callback.
func TestCallbackActionsAreNamedConstants(t *testing.T) {
	// Which argument of a call is a callback action.
	actionArg := map[string]int{"callback.New": 0, "btn": 1, "rt.action": 0, "pagingRow": 1, "r.taskListScreen": 4}
	fset := token.NewFileSet()
	var files []string
	for _, dir := range []string{".", filepath.Join("..", "jobs"), filepath.Join("..", "domain", "chat")} {
		m, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	checked := 0
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				var name string
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					if x, ok := fn.X.(*ast.Ident); ok {
						name = x.Name + "." + fn.Sel.Name
					}
				}
				i, ok := actionArg[name]
				if !ok || i >= len(n.Args) {
					return true
				}
				checked++
				if lit, ok := n.Args[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					t.Errorf("%s: callback action %s written as a literal; use a constant of domain/callback", fset.Position(lit.Pos()), lit.Value)
				}
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if strings.HasPrefix(id.Name, "action") && i < len(n.Values) {
						if lit, ok := n.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							t.Errorf("%s: action constant %s = %s; declare it in domain/callback", fset.Position(lit.Pos()), id.Name, lit.Value)
						}
					}
				}
			}
			return true
		})
	}
	if checked < 50 {
		t.Fatalf("checked %d calls; the scan misses some", checked)
	}
}
