package devservercmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/platform/build/internal/cli"
	"github.com/acme/platform/libs/testenv"
)

func repoInventory(t *testing.T) (*Inventory, string) {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	inv, err := LoadInventory(filepath.Join(root, Dir))
	if err != nil {
		t.Fatal(err)
	}
	return inv, root
}

func TestLoadInventory(t *testing.T) {
	t.Parallel()
	inv, _ := repoInventory(t)
	if diff := cmp.Diff([]Host{{Name: "devbox-01", Address: "devbox-01.dev.acme.internal", Port: 22}}, inv.Hosts); diff != "" {
		t.Errorf("hosts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"alice", "bob", "dmitri"}, inv.PresentUsers()); diff != "" {
		t.Errorf("present users (-want +got):\n%s", diff)
	}
	for _, u := range inv.Users {
		for _, k := range u.SSHKeys {
			if !strings.HasPrefix(k, "ssh-ed25519 ") && !strings.HasPrefix(k, "ecdsa-sha2-") && !strings.HasPrefix(k, "ssh-rsa ") {
				t.Errorf("user %s: %q is not an OpenSSH public key", u.Name, k)
			}
		}
	}
}

func TestLoadInventoryErrors(t *testing.T) {
	t.Parallel()
	hosts := "devservers:\n  hosts:\n    box:\n      ansible_host: box.example\n"
	tests := []struct {
		name, hosts, users, want string
	}{
		{"no hosts", "devservers:\n  hosts: {}\n", "devserver_users: []\n", "no hosts in the devservers group"},
		{"user without keys", hosts, "devserver_users:\n  - name: eve\n", "user eve has no ssh_keys"},
		{"bad state", hosts, "devserver_users:\n  - name: eve\n    state: gone\n    ssh_keys: [k]\n", `state must be present or absent, not "gone"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "inventory/hosts.yml"), tc.hosts)
			writeFile(t, filepath.Join(dir, "inventory/group_vars/devservers/users.yml"), tc.users)
			_, err := LoadInventory(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadInventory: %v, want %q", err, tc.want)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	inv := &Inventory{Hosts: []Host{{Name: "devbox-01", Address: "devbox-01.dev.acme.internal", Port: 22}, {Name: "devbox-02", Address: "10.0.0.2", Port: 2222}}}
	got := Render(inv, "alice", "~/.ssh/id_ed25519")
	want, err := os.ReadFile("testdata/ssh-config.golden")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("Render (-want +got):\n%s", diff)
	}
}

// run runs `mono devserver <args>` in the repository with env.
func run(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	deps := cli.Deps{IO: cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Dir: root, Environ: cli.Vars(env)}
	cmd := NewCommand(deps)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err = cmd.ExecuteContext(context.Background())
	text := out.String() + errOut.String()
	if err != nil {
		text += err.Error()
	}
	return cli.CodeOf(err), text
}

func TestSSHConfigCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		want     []string
	}{
		{name: "user from $USER", env: map[string]string{"USER": "bob"}, args: []string{"ssh-config"}, want: []string{"Host devbox-01\n", "  User bob\n", "  HostName devbox-01.dev.acme.internal\n"}},
		{name: "--user wins over $USER", env: map[string]string{"USER": "bob"}, args: []string{"ssh-config", "--user", "alice", "--identity-file", "~/.ssh/acme"}, want: []string{"  User alice\n", "  IdentityFile ~/.ssh/acme\n"}},
		{name: "departed user", args: []string{"ssh-config", "--user", "carol"}, wantCode: cli.ExitUsage, want: []string{`"carol" was removed`}},
		{name: "unknown user", args: []string{"ssh-config", "--user", "mallory"}, wantCode: cli.ExitUsage, want: []string{`"mallory" has no account`, "alice, bob, dmitri"}},
		{name: "no user at all", args: []string{"ssh-config"}, wantCode: cli.ExitUsage, want: []string{"say which account is yours"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, text := run(t, tc.env, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d:\n%s", code, tc.wantCode, text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
		})
	}
}

// TestSSHConfigWrite writes into an existing ~/.ssh/config twice: the
// user's own entries stay, the block is replaced, not repeated.
func TestSSHConfigWrite(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	own := "Host github.com\n  User git\n"
	writeFile(t, filepath.Join(home, ".ssh/config"), own)
	env := map[string]string{"HOME": home, "USER": "dmitri"}
	for i, want := range []string{"wrote 1 host entry", "is up to date"} {
		code, text := run(t, env, "ssh-config", "--write")
		if code != 0 || !strings.Contains(text, want) {
			t.Fatalf("run %d: exit %d, want 0 and %q:\n%s", i+1, code, want, text)
		}
	}
	got, err := os.ReadFile(filepath.Join(home, ".ssh/config"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), own+"\n"+BeginMarker) || strings.Count(string(got), BeginMarker) != 1 || !strings.Contains(string(got), "  User dmitri\n") {
		t.Errorf("~/.ssh/config:\n%s", got)
	}
	// A changed block replaces the old one in place.
	changed, err := WriteBlock(filepath.Join(home, ".ssh/config"), BeginMarker+"\nHost other\n"+EndMarker+"\n")
	if err != nil || !changed {
		t.Fatalf("WriteBlock: %v, %v", changed, err)
	}
	got, _ = os.ReadFile(filepath.Join(home, ".ssh/config"))
	if want := own + "\n" + BeginMarker + "\nHost other\n" + EndMarker + "\n"; string(got) != want {
		t.Errorf("after replace:\n%s\nwant:\n%s", got, want)
	}
}
