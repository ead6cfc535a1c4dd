package devservercmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acme/platform/build/internal/cli"
)

// Options are the flags of mono devserver ssh-config.
type Options struct {
	User         string
	IdentityFile string
	// Write updates ~/.ssh/config instead of printing.
	Write bool
}

// NewCommand returns `mono devserver` with its subcommands.
func NewCommand(deps cli.Deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "devserver",
		Short: "Connect to the on-premise dev server",
		Long: `The on-premise dev server is configured by the Ansible playbook in
infrastructure/devserver (see docs/devserver.md). Its inventory lists the
hosts and the developers' accounts and keys.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newSSHConfigCommand(deps))
	return cmd
}

func newSSHConfigCommand(deps cli.Deps) *cobra.Command {
	var o Options
	cmd := &cobra.Command{
		Use:   "ssh-config [--user U] [--write]",
		Short: "Print (or write to ~/.ssh/config) the VS Code Remote-SSH host entries",
		Long: `Print an SSH Host entry per dev server of the inventory, for your account on
it, ready for VS Code's Remote-SSH extension ("Remote-SSH: Connect to Host").
--write puts them into ~/.ssh/config between marker lines, replacing an
earlier block, and leaves the rest of the file alone.`,
		Example: `  mono devserver ssh-config
  mono devserver ssh-config --user alice --write`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ws, err := deps.Workspace()
			if err != nil {
				return err
			}
			inv, err := LoadInventory(ws.Path(Dir))
			if err != nil {
				return cli.Exit(cli.ExitConfig, err)
			}
			return SSHConfig(deps, inv, o)
		},
	}
	cmd.Flags().StringVar(&o.User, "user", "", "your account on the dev server (default $USER)")
	cmd.Flags().StringVar(&o.IdentityFile, "identity-file", "~/.ssh/id_ed25519", "private key whose public half is in the inventory")
	cmd.Flags().BoolVar(&o.Write, "write", false, "update ~/.ssh/config instead of printing")
	return cmd
}

// Markers around the block mono writes into ~/.ssh/config.
const (
	BeginMarker = "# BEGIN mono devserver (generated; edits are replaced)"
	EndMarker   = "# END mono devserver"
)

// SSHConfig prints or writes the host entries for o.User.
func SSHConfig(deps cli.Deps, inv *Inventory, o Options) error {
	user := o.User
	if user == "" {
		user = deps.Getenv("USER")
	}
	u, ok := inv.User(user)
	switch {
	case user == "":
		return cli.Usagef("--user: say which account is yours (accounts: %s)", strings.Join(inv.PresentUsers(), ", "))
	case !ok:
		return cli.Usagef("--user: %q has no account on the dev server (accounts: %s); add yourself to %s/inventory/group_vars/%s/users.yml", user, strings.Join(inv.PresentUsers(), ", "), Dir, Group)
	case !u.Present():
		return cli.Usagef("--user: the account %q was removed (state: absent in users.yml)", user)
	}
	block := Render(inv, u.Name, o.IdentityFile)
	if !o.Write {
		_, err := io.WriteString(deps.IO.Out, block)
		return err
	}
	home := deps.Getenv("HOME")
	if home == "" {
		return errors.New("HOME is not set: cannot find ~/.ssh/config")
	}
	path := filepath.Join(home, ".ssh", "config")
	changed, err := WriteBlock(path, block)
	if err != nil {
		return err
	}
	if changed {
		fmt.Fprintf(deps.IO.Out, "wrote %d host entr%s to %s\n", len(inv.Hosts), plural(len(inv.Hosts)), path)
	} else {
		fmt.Fprintf(deps.IO.Out, "%s is up to date\n", path)
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return "y"
	}
	return "ies"
}

// Render returns the Host entries for user, between the markers.
func Render(inv *Inventory, user, identityFile string) string {
	var b strings.Builder
	b.WriteString(BeginMarker + "\n")
	for _, h := range inv.Hosts {
		fmt.Fprintf(&b, "Host %s\n", h.Name)
		fmt.Fprintf(&b, "  HostName %s\n", h.Address)
		fmt.Fprintf(&b, "  Port %d\n", h.Port)
		fmt.Fprintf(&b, "  User %s\n", user)
		fmt.Fprintf(&b, "  IdentityFile %s\n", identityFile)
		b.WriteString("  IdentitiesOnly yes\n")
		b.WriteString("  ForwardAgent no\n")
		// VS Code Remote-SSH keeps one connection open for hours; notice
		// a dead one within a minute and a half.
		b.WriteString("  ServerAliveInterval 30\n")
		b.WriteString("  ServerAliveCountMax 3\n")
		b.WriteString("\n")
	}
	b.WriteString(EndMarker + "\n")
	return b.String()
}

// WriteBlock puts block into the file at path: it replaces the text between
// the markers or appends it, creating the file (0600) and its folder (0700)
// when missing. It reports whether the file changed.
func WriteBlock(path, block string) (bool, error) {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	var updated string
	text := string(old)
	i := strings.Index(text, BeginMarker)
	j := strings.Index(text, EndMarker)
	switch {
	case i >= 0 && j > i:
		end := j + len(EndMarker)
		if end < len(text) && text[end] == '\n' {
			end++
		}
		updated = text[:i] + block + text[end:]
	case len(text) == 0:
		updated = block
	default:
		sep := "\n"
		if !strings.HasSuffix(text, "\n") {
			sep = "\n\n"
		}
		updated = text + sep + block
	}
	if bytes.Equal([]byte(updated), old) {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, err
	}
	mode := os.FileMode(0o600)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	return true, os.WriteFile(path, []byte(updated), mode)
}
